// The configuration contract: one schema (schema.ts), its types, loading, redaction.
export { ConfigError, type ConfigIssue } from "./errors.ts";
export { environmentOverrides, loadConfig, parseConfig } from "./load.ts";
export { REDACTED, redactConfig } from "./redact.ts";
export { configSchema } from "./schema.ts";
export type {
  BridgeConfig,
  KeysConfig,
  PubSubSourceConfig,
  RawConfig,
  SqsDiscoveryConfig,
  SqsSourceConfig,
} from "./types.ts";
