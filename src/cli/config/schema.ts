// The one declaration of the bridge's configuration: every key's type, default, range and
// description. The validator (validate.ts), the BridgeConfig type (types.ts), redaction
// (redact.ts) and the README's table (npm run docs) are all derived from it.
// Ranges are the services' own limits, or where the bridge needs less, the bridge's (said so).
// Library: valibot (docs/decisions/0007-configuration-schema.md).
import * as v from "valibot";

const { description: about, metadata } = v;

// Every object refuses keys it does not declare: a misspelt key would silently take a default.
function section<const T extends v.ObjectEntries>(entries: T, description: string) {
  return v.pipe(v.strictObject(entries), about(description));
}

const text = (description: string) => v.pipe(v.string(), v.minLength(1), about(description));
const optionalText = (description: string) => v.optional(text(description));
const patterned = (pattern: RegExp, expected: string, description: string) =>
  v.pipe(v.string(), v.regex(pattern), about(description), metadata({ expected }));

function integer(minimum: number, maximum: number | undefined, fallback: number, description: string) {
  const bounded =
    maximum === undefined
      ? v.pipe(v.number(), v.integer(), v.minValue(minimum), about(description))
      : v.pipe(v.number(), v.integer(), v.minValue(minimum), v.maxValue(maximum), about(description));
  return v.optional(bounded, fallback);
}

const choice = <const T extends readonly [string, ...string[]]>(options: T, fallback: T[number], description: string) =>
  v.optional(v.pipe(v.picklist(options), about(description)), fallback);

/** A secret: the value itself, or where to read it at start-up (a Kubernetes Secret as env or file). */
function secret(description: string) {
  return v.pipe(
    v.union([
      v.pipe(v.string(), v.minLength(1)),
      v.strictObject({ env: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/)) }),
      v.strictObject({ file: v.pipe(v.string(), v.minLength(1)) }),
    ]),
    about(description),
    metadata({ secret: true, expected: 'a string, {"env": "NAME"} or {"file": "/path"}' }),
  );
}

const hostPort = (description: string) => patterned(/^[^\s:/]+:[0-9]{1,5}$/, "host:port", description);
const httpUrl = (description: string) => patterned(/^https?:\/\/\S+$/, "an http(s) URL", description);

export const kafkaSchema = section(
  {
    bootstrapBrokers: v.pipe(
      v.array(hostPort("a broker")),
      v.minLength(1),
      about("brokers to bootstrap from (`MB_KAFKA_BOOTSTRAP`, comma-separated, overrides)"),
    ),
    clientId: v.optional(patterned(/^\S+$/, "a client id without spaces", "Kafka client id"), "meshbridge"),
    requestTimeoutSeconds: integer(1, 300, 30, "how long one broker request (a produce) may go unanswered"),
    deliveryTimeoutSeconds: integer(
      1,
      3600,
      120,
      "upper bound from a send to its outcome, retries included (Java's `delivery.timeout.ms`); at least `requestTimeoutSeconds`. A send that runs out is retried with back-off, its source messages kept leased, never acked or dead-lettered",
    ),
    deadLetterTopic: v.optional(
      patterned(
        /^[a-zA-Z0-9._-]{1,249}$/,
        "a Kafka topic name ([a-zA-Z0-9._-], 1–249)",
        "where permanent failures go; it must accept the largest source message (1 MiB SQS, 10 MB Pub/Sub)",
      ),
      "meshbridge.dlq",
    ),
    topicPrefix: v.optional(
      patterned(
        /^[a-zA-Z0-9._-]{0,200}$/,
        "a topic name prefix ([a-zA-Z0-9._-], up to 200)",
        "prepended to every catalog topic and its subject (`<prefix><topic>-value`)",
      ),
      "",
    ),
    tls: v.optional(
      v.pipe(
        v.union([
          v.boolean(),
          v.strictObject({
            ca: text("path of a PEM CA bundle"),
            servername: optionalText("name to verify the certificate against"),
          }),
        ]),
        about(
          "TLS (required with `sasl`): `true` trusts the system CAs; `{ca, servername?}` trusts only the PEM bundle at path `ca` (a private CA), `servername` overriding the broker host name the certificate is checked against",
        ),
        metadata({ expected: 'true, false or {"ca": "/path/ca.pem", "servername"?: "name"}' }),
      ),
      false,
    ),
    sasl: v.optional(
      section(
        {
          mechanism: choice(
            ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"],
            "PLAIN",
            "SASL mechanism (Confluent Cloud: `PLAIN` with an API key and secret)",
          ),
          username: text("SASL user name (Confluent Cloud: the API key)"),
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
    username: optionalText("basic-auth user (with `password`)"),
    password: v.optional(secret("basic-auth password (with `username`)")),
    ca: optionalText("path of a PEM CA bundle trusted for an `https` URL instead of the system CAs (a private CA)"),
  },
  "the schema registry the catalog's schemas are checked against",
);

export const awsSchema = section(
  {
    region: v.optional(patterned(/^[a-z0-9-]+$/, "an AWS region name", "AWS region of SQS and KMS"), "us-east-1"),
    endpoint: v.optional(httpUrl("SQS and KMS endpoint instead of AWS's (`MB_AWS_ENDPOINT` overrides; local emulators)")),
  },
  "AWS clients; credentials come from the SDK's default chain",
);

export const keysSchema = section(
  {
    provider: choice(
      ["static", "aws-kms"],
      "static",
      '`static`: `{"tenants": {"t1": {"1": "<base64 32 bytes>"}}}`; `aws-kms`: `{"kmsKeyId", "tenants": {"t1": {"1": "<base64 CiphertextBlob>"}}}`, each data key unwrapped with `EncryptionContext {tenant}` on first use',
    ),
    file: optionalText("path of the key file (or give `json`)"),
    json: v.optional(
      secret('the key file\'s content itself, e.g. `{"env": "MB_TENANT_KEYS"}` from a Kubernetes Secret (or give `file`)'),
    ),
    maxAgeSeconds: integer(1, 86_400, 300, "`aws-kms`: how long an unwrapped data key is used before it is unwrapped again"),
    maxUses: integer(
      1,
      undefined,
      1_000_000,
      "`aws-kms`: how many decryptions an unwrapped data key serves before it is unwrapped again",
    ),
  },
  "tenant keys: exactly one of `file` and `json`",
);

// The visibility of a queue's messages, the same for configured queues and discovered ones.
// SQS allows 0, but a lease of 0 s would make every message visible again at once.
const sqsVisibilityTimeoutSeconds = () =>
  integer(
    1,
    43_200,
    30,
    "given on receive (SQS: up to 12 h); while a message is in flight it is extended before half of it is left, each extension doubling the lease (up to 8 timeouts)",
  );

export const sqsSourceSchema = section(
  {
    queueUrl: text("the queue's URL"),
    receivers: integer(1, 256, 8, "concurrent long-polling receivers (10 messages each)"),
    waitTimeSeconds: integer(0, 20, 20, "long-poll wait of one receive (SQS: 0–20)"),
    visibilityTimeoutSeconds: sqsVisibilityTimeoutSeconds(),
  },
  "an SQS queue; a FIFO queue (URL ending `.fifo`) has each message group processed and produced in order",
);

export const sqsDiscoveryRuleSchema = section(
  {
    prefix: optionalText("queue name prefix (`ListQueues` filters by it)"),
    tag: v.optional(patterned(/^[^=]+(=.*)?$/, "key or key=value", "queue tag `key` or `key=value` (`ListQueueTags`)")),
  },
  "a rule: queues matching all it gives (`prefix` and/or `tag`)",
);

export const sqsDiscoverySchema = section(
  {
    rules: v.pipe(
      v.array(sqsDiscoveryRuleSchema),
      v.minLength(1),
      about("rules that find queues; a queue no longer matched, or deleted, is released"),
    ),
    discoveryIntervalSeconds: integer(1, 3600, 30, "how often the rules are re-scanned"),
    receivers: integer(
      1,
      256,
      16,
      "receivers over all discovered queues together: with at least as many receivers as queues each queue has its own share; with fewer, round robin without long polls, an empty queue asked again after 0.2–5 s",
    ),
    waitTimeSeconds: integer(
      0,
      20,
      20,
      "long-poll wait of one receive (SQS: 0–20), at most `discoveryIntervalSeconds`, so a new queue is polled by the next interval",
    ),
    visibilityTimeoutSeconds: sqsVisibilityTimeoutSeconds(),
  },
  "SQS queues found by name prefix and/or tag, added and dropped while running; the queues of `sources.sqs` are left to their own receivers; FIFO queues (`.fifo`) keep each message group in order",
);

export const discoveryRuleSchema = section(
  {
    project: optionalText("project to list (default: `sources.pubsub.project`)"),
    prefix: optionalText("subscription id prefix"),
    label: v.optional(patterned(/^[^=]+(=.*)?$/, "key or key=value", "label `key` or `key=value`")),
  },
  "a rule: subscriptions matching all it gives (`prefix` and/or `label`)",
);

export const pubsubSourceSchema = section(
  {
    project: text("project of subscription ids given without a path"),
    emulatorHost: v.optional(hostPort("an emulator instead of Google (`MB_PUBSUB_EMULATOR_HOST` overrides)")),
    endpoint: v.optional(
      section(
        {
          host: hostPort("the Pub/Sub endpoint's host:port"),
          ca: optionalText("path of a PEM CA bundle trusted instead of the system CAs"),
          callCredentials: choice(
            ["google", "none"],
            "google",
            "`google`: OAuth tokens from Application Default Credentials on every call; `none`: TLS only (an endpoint that does not take Google tokens)",
          ),
        },
        "the production TLS channel to another endpoint than `pubsub.googleapis.com:443` (a private endpoint, or a proxy); not with `emulatorHost`",
      ),
    ),
    subscriptions: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), about("subscription ids or full paths")), []),
    discovery: v.optional(
      v.pipe(v.array(discoveryRuleSchema), about("rules that find more subscriptions; deleted ones are dropped")),
      [],
    ),
    discoveryIntervalSeconds: integer(1, 3600, 30, "how often the rules are re-scanned"),
    pullConcurrency: integer(
      1,
      90,
      16,
      "unary Pull calls in flight over all subscriptions (one gRPC channel, which carries ~100 calls)",
    ),
    maxMessagesPerPull: integer(1, 1000, 100, "size of one pull (Pub/Sub: up to 1000)"),
    maxInFlightPerSubscription: integer(
      1,
      1_000_000,
      500,
      "cap per subscription, so one flooded subscription cannot take the whole budget",
    ),
    emptyPullsBeforeIdle: integer(
      0,
      100,
      2,
      "empty pulls in a row after one with messages that go straight back in line before the subscription waits `idleMinMs` (0: the first empty pull waits)",
    ),
    busyWindowMs: integer(
      0,
      600_000,
      1000,
      "a subscription that had messages within this long waits only `idleMinMs` after an empty pull, without doubling (0: always doubling)",
    ),
    idleMinMs: integer(
      1,
      60_000,
      100,
      "after its empty pulls a subscription waits this long, doubling up to `idleMaxMs`; a message resets it",
    ),
    idleMaxMs: integer(1, 60_000, 1000, "longest wait of an idle subscription; at least `idleMinMs`"),
    idlePullsPerSecond: integer(
      0,
      100_000,
      100,
      "empty-handed pulls per second over the long-idle subscriptions together, 0: unpaced; with N idle ones each waits at least N / this",
    ),
    leaseSeconds: integer(10, 600, 60, "ack deadline set on each extension while a message is in flight (Pub/Sub: 10–600)"),
  },
  "Google Pub/Sub: configured and discovered subscriptions on one pull pool; `subscriptions` and/or `discovery`",
);

export const catalogSchema = section(
  {
    module: text(
      "the catalog module: a path (in a file: relative to the file's directory) or a package name (`MB_CATALOG` overrides; see docs/catalogs.md)",
    ),
  },
  "the topics, schemas and mappers the bridge maps legacy events to",
);

export const configSchema = section(
  {
    catalog: catalogSchema,
    kafka: kafkaSchema,
    registry: registrySchema,
    aws: v.optional(awsSchema, {}),
    keys: keysSchema,
    sources: section(
      {
        sqs: v.optional(v.pipe(v.array(sqsSourceSchema), about("SQS queues")), []),
        sqsDiscovery: v.optional(sqsDiscoverySchema),
        pubsub: v.optional(pubsubSourceSchema),
      },
      "at least one source",
    ),
    mapping: v.optional(
      section(
        {
          unknownType: choice(
            ["dead-letter", "skip"],
            "dead-letter",
            "an event type without a mapper: dead-letter it, or skip it (counted in `meshbridge_skipped_total`)",
          ),
        },
        "mapping policy",
      ),
      {},
    ),
    budget: v.optional(
      section(
        {
          maxMessages: integer(10, 1_000_000, 4000, "messages in flight, over every source"),
          maxBytes: integer(
            1024 * 1024,
            8 * 1024 * 1024 * 1024,
            64 * 1024 * 1024,
            "bytes in flight, over every source; keep it well below the pod's memory limit",
          ),
        },
        "one in-flight bound shared by every source of the process",
      ),
      {},
    ),
    http: v.optional(
      section(
        {
          // 0 (any free port) is for tests that run several bridges at once.
          port: integer(0, 65_535, 9464, "port of /metrics, /healthz, /readyz (0: any free port)"),
          host: v.optional(text("address to listen on"), "0.0.0.0"),
        },
        "the ops server",
      ),
      {},
    ),
    tracing: v.optional(
      section(
        {
          endpoint: httpUrl("OTLP/HTTP traces endpoint, e.g. `http://otel-collector:4318/v1/traces`"),
          serviceName: v.optional(text("`service.name` of the spans"), "meshbridge"),
          sampleRatio: v.optional(
            v.pipe(
              v.number(),
              v.minValue(0),
              v.maxValue(1),
              about("share of batches traced; a record follows its upstream's sampled flag"),
            ),
            1,
          ),
        },
        "OpenTelemetry traces of each batch (process, send) and each record (create); off unless set",
      ),
    ),
    ops: v.optional(
      section(
        {
          metrics: v.optional(
            section(
              {
                maxSources: integer(
                  1,
                  100_000,
                  1000,
                  'sources (queues, subscriptions) with a `source` label of their own; later ones share `source="other"`',
                ),
                maxTenants: integer(
                  1,
                  10_000,
                  200,
                  'tenants with a label of their own in `meshbridge_decrypt_failures_total`; later ones share `tenant="other"`',
                ),
                backlogIntervalSeconds: integer(
                  0,
                  3600,
                  30,
                  "how often each SQS queue's backlog is asked for (GetQueueAttributes, 4 queues at a time; 0: never)",
                ),
              },
              "bounds and polling of the metrics on /metrics",
            ),
            {},
          ),
        },
        "operations: metrics",
      ),
      {},
    ),
    log: v.optional(
      section({ level: choice(["debug", "info", "warn", "error"], "info", "least severe level written") }, "JSON logs on stderr"),
      {},
    ),
    memory: v.optional(
      section(
        {
          idleTrimSeconds: integer(
            0,
            3600,
            15,
            "after this long without a message, a memory-reducing GC (about 0.1 s of CPU), again each such interval; 0: never",
          ),
        },
        "resident memory while idle",
      ),
      {},
    ),
    shutdownGraceSeconds: integer(
      1,
      3600,
      25,
      "on SIGTERM: stop receiving, finish in-flight work for this long, then release the rest for redelivery",
    ),
  },
  "the bridge's configuration",
);
