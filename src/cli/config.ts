// Configuration: a JSON file (MB_CONFIG or --config), then environment overrides for the
// endpoints that differ per environment. Validated once, with errors naming the field; frozen.
import { readFileSync } from "node:fs";

export interface SqsSourceConfig {
  readonly queueUrl: string;
  readonly receivers: number;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
}

export type KeysConfig =
  | { readonly provider: "static"; readonly file: string }
  | { readonly provider: "aws-kms"; readonly file: string; readonly maxAgeSeconds: number; readonly maxUses: number };

export interface BridgeConfig {
  readonly kafka: {
    readonly bootstrapBrokers: readonly string[];
    readonly clientId: string;
    readonly deadLetterTopic: string;
    readonly sasl?: { readonly username: string; readonly password: string };
    readonly tls: boolean;
  };
  readonly registry: { readonly url: string; readonly username?: string; readonly password?: string };
  readonly aws: { readonly region: string; readonly endpoint?: string };
  readonly keys: KeysConfig;
  readonly sources: { readonly sqs: readonly SqsSourceConfig[] };
  readonly mapping: { readonly unknownType: "dead-letter" | "skip" };
  readonly budget: { readonly maxMessages: number; readonly maxBytes: number };
  readonly http: { readonly port: number; readonly host: string };
  readonly log: { readonly level: "debug" | "info" | "warn" | "error" };
  readonly shutdownGraceSeconds: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function section(parent: Json, key: string, path: string): Json {
  const value = parent[key];
  if (value === undefined) return {};
  if (!isObject(value)) throw new ConfigError(`${path}${key}: expected an object`);
  return value;
}

function str(parent: Json, key: string, path: string, fallback?: string): string {
  const value = parent[key] ?? fallback;
  if (typeof value !== "string" || value === "") throw new ConfigError(`${path}${key}: expected a non-empty string`);
  return value;
}

function optionalStr(parent: Json, key: string, path: string): string | undefined {
  return parent[key] === undefined ? undefined : str(parent, key, path);
}

function num(parent: Json, key: string, path: string, fallback: number, min: number, max: number): number {
  const value = parent[key] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${path}${key}: expected a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function oneOf<T extends string>(parent: Json, key: string, path: string, allowed: readonly T[], fallback: T): T {
  const value = parent[key] ?? fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${path}${key}: expected one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  if (!isObject(raw)) throw new ConfigError("config: expected a JSON object");
  const kafka = section(raw, "kafka", "");
  const registry = section(raw, "registry", "");
  const aws = section(raw, "aws", "");
  const keys = section(raw, "keys", "");
  const sources = section(raw, "sources", "");
  const mapping = section(raw, "mapping", "");
  const budget = section(raw, "budget", "");
  const http = section(raw, "http", "");
  const log = section(raw, "log", "");

  const brokers = env.MB_KAFKA_BOOTSTRAP?.split(",") ?? kafka.bootstrapBrokers;
  if (!Array.isArray(brokers) || brokers.length === 0 || !brokers.every((b) => typeof b === "string" && b.includes(":"))) {
    throw new ConfigError("kafka.bootstrapBrokers: expected a list of host:port (or MB_KAFKA_BOOTSTRAP)");
  }
  const sasl = kafka.sasl === undefined ? undefined : section(kafka, "sasl", "kafka.");
  const provider = oneOf(keys, "provider", "keys.", ["static", "aws-kms"] as const, "static");
  const keysConfig: KeysConfig =
    provider === "static"
      ? { provider, file: str(keys, "file", "keys.") }
      : {
          provider,
          file: str(keys, "file", "keys."),
          maxAgeSeconds: num(keys, "maxAgeSeconds", "keys.", 300, 1, 86_400),
          maxUses: num(keys, "maxUses", "keys.", 1_000_000, 1, Number.MAX_SAFE_INTEGER),
        };
  const sqsList = sources.sqs ?? [];
  if (!Array.isArray(sqsList)) throw new ConfigError("sources.sqs: expected a list");
  const sqs = sqsList.map((entry: unknown, index): SqsSourceConfig => {
    const path = `sources.sqs[${index}].`;
    if (!isObject(entry)) throw new ConfigError(`${path.slice(0, -1)}: expected an object`);
    return {
      queueUrl: str(entry, "queueUrl", path),
      receivers: num(entry, "receivers", path, 8, 1, 256),
      waitTimeSeconds: num(entry, "waitTimeSeconds", path, 20, 0, 20),
      visibilityTimeoutSeconds: num(entry, "visibilityTimeoutSeconds", path, 30, 1, 43_200),
    };
  });
  if (sqs.length === 0) throw new ConfigError("sources: configure at least one source (sources.sqs)");

  const config: BridgeConfig = {
    kafka: {
      bootstrapBrokers: brokers as string[],
      clientId: str(kafka, "clientId", "kafka.", "meshbridge"),
      deadLetterTopic: str(kafka, "deadLetterTopic", "kafka.", "meshbridge.dlq"),
      sasl:
        sasl === undefined
          ? undefined
          : { username: str(sasl, "username", "kafka.sasl."), password: str(sasl, "password", "kafka.sasl.") },
      tls: kafka.tls === true,
    },
    registry: {
      url: env.MB_REGISTRY_URL ?? str(registry, "url", "registry."),
      username: optionalStr(registry, "username", "registry."),
      password: optionalStr(registry, "password", "registry."),
    },
    aws: {
      region: str(aws, "region", "aws.", "us-east-1"),
      endpoint: env.MB_AWS_ENDPOINT ?? optionalStr(aws, "endpoint", "aws."),
    },
    keys: keysConfig,
    sources: { sqs },
    mapping: { unknownType: oneOf(mapping, "unknownType", "mapping.", ["dead-letter", "skip"] as const, "dead-letter") },
    budget: {
      maxMessages: num(budget, "maxMessages", "budget.", 4000, 10, 1_000_000),
      maxBytes: num(budget, "maxBytes", "budget.", 64 * 1024 * 1024, 1024 * 1024, 8 * 1024 * 1024 * 1024),
    },
    http: { port: num(http, "port", "http.", 9464, 0, 65_535), host: str(http, "host", "http.", "0.0.0.0") },
    log: { level: oneOf(log, "level", "log.", ["debug", "info", "warn", "error"] as const, "info") },
    shutdownGraceSeconds: num(raw, "shutdownGraceSeconds", "", 25, 1, 3600),
  };
  return deepFreeze(config);
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseConfig(raw, env);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
