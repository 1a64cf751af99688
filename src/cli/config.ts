// Configuration: a JSON file (MB_CONFIG or --config), then environment overrides for the
// endpoints that differ per environment. Validated once, with errors naming the field; frozen.
import { readFileSync } from "node:fs";
import type { PubSubSourceOptions } from "../sources/pubsub/pubsub-source.ts";
import type { SqsSourceOptions } from "../sources/sqs/sqs-source.ts";

/** The configuration of a source is its options: one shape, defined beside the source. */
export type SqsSourceConfig = SqsSourceOptions;

/** Pub/Sub: configured and discovered subscriptions, all on one pull pool (docs/decisions/0005). */
export interface PubSubSourceConfig extends PubSubSourceOptions {
  /** host:port of an emulator (also MB_PUBSUB_EMULATOR_HOST / PUBSUB_EMULATOR_HOST). */
  readonly emulatorHost?: string;
}

export type KeysConfig =
  | { readonly provider: "static"; readonly file: string }
  | { readonly provider: "aws-kms"; readonly file: string; readonly maxAgeSeconds: number; readonly maxUses: number };

export interface BridgeConfig {
  readonly kafka: {
    readonly bootstrapBrokers: readonly string[];
    readonly clientId: string;
    readonly deadLetterTopic: string;
    /** Prepended to every catalog topic and subject (environments, isolated test runs). */
    readonly topicPrefix: string;
    readonly sasl?: { readonly username: string; readonly password: string };
    readonly tls: boolean;
  };
  readonly registry: { readonly url: string; readonly username?: string; readonly password?: string };
  readonly aws: { readonly region: string; readonly endpoint?: string };
  readonly keys: KeysConfig;
  readonly sources: { readonly sqs: readonly SqsSourceConfig[]; readonly pubsub?: PubSubSourceConfig };
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

/** A misspelt key would otherwise be silently ignored and its default used. */
function onlyKnown(value: Json, path: string, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ConfigError(`${path}${key}: unknown setting (known: ${known.join(", ")})`);
  }
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
  onlyKnown(raw, "", ["kafka", "registry", "aws", "keys", "sources", "mapping", "budget", "http", "log", "shutdownGraceSeconds"]);
  onlyKnown(kafka, "kafka.", ["bootstrapBrokers", "clientId", "deadLetterTopic", "topicPrefix", "sasl", "tls"]);
  onlyKnown(registry, "registry.", ["url", "username", "password"]);
  onlyKnown(aws, "aws.", ["region", "endpoint"]);
  onlyKnown(keys, "keys.", ["provider", "file", "maxAgeSeconds", "maxUses"]);
  onlyKnown(mapping, "mapping.", ["unknownType"]);
  onlyKnown(budget, "budget.", ["maxMessages", "maxBytes"]);
  onlyKnown(http, "http.", ["port", "host"]);
  onlyKnown(log, "log.", ["level"]);

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
    onlyKnown(entry, path, ["queueUrl", "receivers", "waitTimeSeconds", "visibilityTimeoutSeconds"]);
    return {
      queueUrl: str(entry, "queueUrl", path),
      receivers: num(entry, "receivers", path, 8, 1, 256),
      waitTimeSeconds: num(entry, "waitTimeSeconds", path, 20, 0, 20),
      visibilityTimeoutSeconds: num(entry, "visibilityTimeoutSeconds", path, 30, 1, 43_200),
    };
  });
  const pubsub = sources.pubsub === undefined ? undefined : parsePubSubSource(section(sources, "pubsub", "sources."), env);
  if (sqs.length === 0 && pubsub === undefined) {
    throw new ConfigError("sources: configure at least one source (sources.sqs, sources.pubsub)");
  }

  const config: BridgeConfig = {
    kafka: {
      bootstrapBrokers: brokers as string[],
      clientId: str(kafka, "clientId", "kafka.", "meshbridge"),
      deadLetterTopic: str(kafka, "deadLetterTopic", "kafka.", "meshbridge.dlq"),
      topicPrefix: typeof kafka.topicPrefix === "string" ? kafka.topicPrefix : "",
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
    sources: pubsub === undefined ? { sqs } : { sqs, pubsub },
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

// --- sources.pubsub ---------------------------------------------------------------------------

function parsePubSubSource(pubsub: Json, env: NodeJS.ProcessEnv): PubSubSourceConfig {
  const path = "sources.pubsub.";
  const project = str(pubsub, "project", path);
  const subscriptions = pubsub.subscriptions ?? [];
  if (!Array.isArray(subscriptions) || !subscriptions.every((id) => typeof id === "string" && id !== "")) {
    throw new ConfigError(`${path}subscriptions: expected a list of subscription ids or paths`);
  }
  const rules = pubsub.discovery ?? [];
  if (!Array.isArray(rules)) throw new ConfigError(`${path}discovery: expected a list`);
  const discovery = rules.map((rule: unknown, index) => {
    const at = `${path}discovery[${index}].`;
    if (!isObject(rule)) throw new ConfigError(`${at.slice(0, -1)}: expected an object`);
    const prefix = optionalStr(rule, "prefix", at);
    const label = optionalStr(rule, "label", at);
    if (prefix === undefined && label === undefined) throw new ConfigError(`${at.slice(0, -1)}: give a prefix and/or a label`);
    return { project: str(rule, "project", at, project), prefix, label };
  });
  if (subscriptions.length === 0 && discovery.length === 0) {
    throw new ConfigError(`${path.slice(0, -1)}: give subscriptions and/or discovery rules`);
  }
  const idleMinMs = num(pubsub, "idleMinMs", path, 100, 1, 60_000);
  return {
    project,
    emulatorHost: env.MB_PUBSUB_EMULATOR_HOST ?? optionalStr(pubsub, "emulatorHost", path),
    subscriptions: subscriptions as string[],
    discovery,
    discoveryIntervalMs: num(pubsub, "discoveryIntervalSeconds", path, 30, 1, 3600) * 1000,
    pullConcurrency: num(pubsub, "pullConcurrency", path, 16, 1, 90),
    maxMessagesPerPull: num(pubsub, "maxMessagesPerPull", path, 100, 1, 1000),
    maxInFlightPerSubscription: num(pubsub, "maxInFlightPerSubscription", path, 500, 1, 1_000_000),
    idleMinMs,
    idleMaxMs: num(pubsub, "idleMaxMs", path, 1000, idleMinMs, 60_000),
    idlePullsPerSecond: num(pubsub, "idlePullsPerSecond", path, 100, 0, 100_000),
    leaseSeconds: num(pubsub, "leaseSeconds", path, 60, 10, 600),
  };
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
