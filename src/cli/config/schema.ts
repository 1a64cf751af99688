// The one declaration of the bridge's configuration: every key's type, default, range and
// description. The validator (validate.ts), the BridgeConfig type (types.ts), redaction
// (redact.ts) and the README's table (npm run docs) are all derived from it.
// Ranges are the services' own limits, or where the bridge needs less, the bridge's (said so).
import { type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";

/** Two keywords of our own (registered with ajv as annotations): */
export interface Annotations {
  /** Words for "expected ..." in errors and the docs, where type and range alone say too little. */
  readonly expected?: string;
  /** The value is a secret: resolved from a reference, redacted wherever configuration is printed. */
  readonly secret?: true;
}

function section<T extends TProperties>(properties: T, description: string, options: object = {}): TObject<T> {
  // Every object refuses keys it does not declare: a misspelt key would silently take a default.
  return Type.Object(properties, { additionalProperties: false, description, ...options });
}

const envReference = Type.Object(
  { env: Type.String({ minLength: 1, pattern: "^[A-Za-z_][A-Za-z0-9_]*$", expected: "an environment variable name" }) },
  { additionalProperties: false },
);
const fileReference = Type.Object(
  { file: Type.String({ minLength: 1, expected: "a file path" }) },
  { additionalProperties: false },
);

/** A secret: the value itself, or where to read it at start-up (a Kubernetes Secret as env or file). */
function secret(description: string) {
  return Type.Union([Type.String({ minLength: 1 }), envReference, fileReference], {
    description,
    secret: true,
    expected: 'a string, {"env": "NAME"} or {"file": "/path"}',
  });
}

const hostPort = (description: string) => Type.String({ pattern: "^[^\\s:/]+:[0-9]{1,5}$", expected: "host:port", description });
const httpUrl = (description: string) => Type.String({ pattern: "^https?://[^\\s]+$", expected: "an http(s) URL", description });
/** Kafka's legal topic names (at most 249 of [a-zA-Z0-9._-]). */
const topicName = (description: string, options: object = {}) =>
  Type.String({
    pattern: "^[a-zA-Z0-9._-]{1,249}$",
    expected: "a Kafka topic name ([a-zA-Z0-9._-], 1–249)",
    description,
    ...options,
  });

export const kafkaSchema = section(
  {
    bootstrapBrokers: Type.Array(hostPort("a broker"), {
      minItems: 1,
      description: "brokers to bootstrap from (`MB_KAFKA_BOOTSTRAP`, comma-separated, overrides)",
    }),
    clientId: Type.String({
      pattern: "^\\S+$",
      expected: "a client id without spaces",
      default: "meshbridge",
      description: "Kafka client id",
    }),
    deadLetterTopic: topicName(
      "where permanent failures go; it must accept the largest source message (1 MiB SQS, 10 MB Pub/Sub)",
      { default: "meshbridge.dlq" },
    ),
    topicPrefix: Type.String({
      pattern: "^[a-zA-Z0-9._-]{0,200}$",
      expected: "a topic name prefix ([a-zA-Z0-9._-], up to 200)",
      default: "",
      description: "prepended to every catalog topic and its subject (`<prefix><topic>-value`)",
    }),
    tls: Type.Boolean({ default: false, description: "TLS with the system CAs (required with `sasl`)" }),
    sasl: Type.Optional(
      section(
        {
          mechanism: Type.Union([Type.Literal("PLAIN"), Type.Literal("SCRAM-SHA-256"), Type.Literal("SCRAM-SHA-512")], {
            default: "PLAIN",
            description: "SASL mechanism (Confluent Cloud: `PLAIN` with an API key and secret)",
          }),
          username: Type.String({ minLength: 1, description: "SASL user name (Confluent Cloud: the API key)" }),
          password: secret("SASL password (Confluent Cloud: the API secret)"),
        },
        "SASL authentication; needs `kafka.tls: true`",
      ),
    ),
  },
  "the Kafka cluster written to",
);

export const registrySchema = section(
  {
    url: httpUrl("Confluent-compatible schema registry (`MB_REGISTRY_URL` overrides)"),
    username: Type.Optional(Type.String({ minLength: 1, description: "basic-auth user (with `password`)" })),
    password: Type.Optional(secret("basic-auth password (with `username`)")),
  },
  "the schema registry the catalog's schemas are checked against",
);

export const awsSchema = section(
  {
    region: Type.String({
      pattern: "^[a-z0-9-]+$",
      expected: "an AWS region name",
      default: "us-east-1",
      description: "AWS region of SQS and KMS",
    }),
    endpoint: Type.Optional(httpUrl("SQS and KMS endpoint instead of AWS's (`MB_AWS_ENDPOINT` overrides; local emulators)")),
  },
  "AWS clients; credentials come from the SDK's default chain",
  { default: {} },
);

export const keysSchema = section(
  {
    provider: Type.Union([Type.Literal("static"), Type.Literal("aws-kms")], {
      default: "static",
      description:
        '`static`: `{"tenants": {"t1": {"1": "<base64 32 bytes>"}}}`; `aws-kms`: `{"kmsKeyId", "tenants": {"t1": {"1": "<base64 CiphertextBlob>"}}}`, each data key unwrapped with `EncryptionContext {tenant}` on first use',
    }),
    file: Type.Optional(Type.String({ minLength: 1, description: "path of the key file (or give `json`)" })),
    json: Type.Optional(
      secret('the key file\'s content itself, e.g. `{"env": "MB_TENANT_KEYS"}` from a Kubernetes Secret (or give `file`)'),
    ),
    maxAgeSeconds: Type.Integer({
      minimum: 1,
      maximum: 86_400,
      default: 300,
      description: "`aws-kms`: how long an unwrapped data key is used before it is unwrapped again",
    }),
    maxUses: Type.Integer({
      minimum: 1,
      default: 1_000_000,
      description: "`aws-kms`: how many decryptions an unwrapped data key serves before it is unwrapped again",
    }),
  },
  "tenant keys: exactly one of `file` and `json`",
);

export const sqsSourceSchema = section(
  {
    queueUrl: Type.String({ minLength: 1, description: "the queue's URL" }),
    receivers: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 8,
      description: "concurrent long-polling receivers (10 messages each)",
    }),
    waitTimeSeconds: Type.Integer({
      minimum: 0,
      maximum: 20,
      default: 20,
      description: "long-poll wait of one receive (SQS: 0–20)",
    }),
    visibilityTimeoutSeconds: Type.Integer({
      // SQS allows 0, but a lease of 0 s would make every message visible again at once.
      minimum: 1,
      maximum: 43_200,
      default: 30,
      description:
        "given on receive (SQS: up to 12 h); while a message is in flight it is extended before half of it is left, each extension doubling the lease (up to 8 timeouts)",
    }),
  },
  "an SQS queue",
);

export const discoveryRuleSchema = section(
  {
    project: Type.Optional(Type.String({ minLength: 1, description: "project to list (default: `sources.pubsub.project`)" })),
    prefix: Type.Optional(Type.String({ minLength: 1, description: "subscription id prefix" })),
    label: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: "^[^=]+(=.*)?$",
        expected: "key or key=value",
        description: "label `key` or `key=value`",
      }),
    ),
  },
  "a rule: subscriptions matching all it gives (`prefix` and/or `label`)",
);

export const pubsubSourceSchema = section(
  {
    project: Type.String({ minLength: 1, description: "project of subscription ids given without a path" }),
    emulatorHost: Type.Optional(hostPort("an emulator instead of Google (`MB_PUBSUB_EMULATOR_HOST` overrides)")),
    subscriptions: Type.Array(Type.String({ minLength: 1 }), { default: [], description: "subscription ids or full paths" }),
    discovery: Type.Array(discoveryRuleSchema, {
      default: [],
      description: "rules that find more subscriptions; deleted ones are dropped",
    }),
    discoveryIntervalSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description: "how often the rules are re-scanned",
    }),
    pullConcurrency: Type.Integer({
      minimum: 1,
      maximum: 90,
      default: 16,
      description: "unary Pull calls in flight over all subscriptions (one gRPC channel, which carries ~100 calls)",
    }),
    maxMessagesPerPull: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 100,
      description: "size of one pull (Pub/Sub: up to 1000)",
    }),
    maxInFlightPerSubscription: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 500,
      description: "cap per subscription, so one flooded subscription cannot take the whole budget",
    }),
    idleMinMs: Type.Integer({
      minimum: 1,
      maximum: 60_000,
      default: 100,
      description: "after an empty pull a subscription waits this long, doubling up to `idleMaxMs`; a message resets it",
    }),
    idleMaxMs: Type.Integer({
      minimum: 1,
      maximum: 60_000,
      default: 1000,
      description: "longest wait of an idle subscription; at least `idleMinMs`",
    }),
    idlePullsPerSecond: Type.Integer({
      minimum: 0,
      maximum: 100_000,
      default: 100,
      description:
        "empty-handed pulls per second over the long-idle subscriptions together, 0: unpaced; with N idle ones each waits at least N / this",
    }),
    leaseSeconds: Type.Integer({
      minimum: 10,
      maximum: 600,
      default: 60,
      description: "ack deadline set on each extension while a message is in flight (Pub/Sub: 10–600)",
    }),
  },
  "Google Pub/Sub: configured and discovered subscriptions on one pull pool; `subscriptions` and/or `discovery`",
);

export const configSchema = section(
  {
    kafka: kafkaSchema,
    registry: registrySchema,
    aws: awsSchema,
    keys: keysSchema,
    sources: section(
      {
        sqs: Type.Array(sqsSourceSchema, { default: [], description: "SQS queues" }),
        pubsub: Type.Optional(pubsubSourceSchema),
      },
      "at least one source",
    ),
    mapping: section(
      {
        unknownType: Type.Union([Type.Literal("dead-letter"), Type.Literal("skip")], {
          default: "dead-letter",
          description: "an event type without a mapper: dead-letter it, or skip it (counted in `meshbridge_skipped_total`)",
        }),
      },
      "mapping policy",
      { default: {} },
    ),
    budget: section(
      {
        maxMessages: Type.Integer({
          minimum: 10,
          maximum: 1_000_000,
          default: 4000,
          description: "messages in flight, over every source",
        }),
        maxBytes: Type.Integer({
          minimum: 1024 * 1024,
          maximum: 8 * 1024 * 1024 * 1024,
          default: 64 * 1024 * 1024,
          description: "bytes in flight, over every source; keep it well below the pod's memory limit",
        }),
      },
      "one in-flight bound shared by every source of the process",
      { default: {} },
    ),
    http: section(
      {
        // 0 (any free port) is for tests that run several bridges at once.
        port: Type.Integer({
          minimum: 0,
          maximum: 65_535,
          default: 9464,
          description: "port of /metrics, /healthz, /readyz (0: any free port)",
        }),
        host: Type.String({ minLength: 1, default: "0.0.0.0", description: "address to listen on" }),
      },
      "the ops server",
      { default: {} },
    ),
    log: section(
      {
        level: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")], {
          default: "info",
          description: "least severe level written",
        }),
      },
      "JSON logs on stderr",
      { default: {} },
    ),
    shutdownGraceSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 25,
      description: "on SIGTERM: stop receiving, finish in-flight work for this long, then release the rest for redelivery",
    }),
  },
  "the bridge's configuration",
);

/** Schemas reached from the root, for code that walks it (redaction, docs). */
export type ConfigNode = TSchema & Annotations;
