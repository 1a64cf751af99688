// The configuration contract, section by section: an unknown key, a wrong type (no coercion),
// an out-of-range value and every cross-field rule, each refused with its exact path.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig } from "../../../src/cli/config.ts";

type Json = Record<string, unknown>;

/** Every section present, so that each case breaks exactly one thing. */
function full(): Json {
  return {
    catalog: { module: "@acme/orders-catalog" },
    kafka: {
      bootstrapBrokers: ["127.0.0.1:19092"],
      clientId: "meshbridge",
      deadLetterTopic: "meshbridge.dlq",
      topicPrefix: "",
      tls: true,
      sasl: { mechanism: "SCRAM-SHA-256", username: "user", password: "kafka-secret" },
    },
    registry: { url: "https://registry.example", username: "sr", password: "registry-secret" },
    aws: { region: "eu-central-1", endpoint: "http://127.0.0.1:15000" },
    keys: { provider: "aws-kms", file: "/keys.json", maxAgeSeconds: 300, maxUses: 1000 },
    sources: {
      sqs: [{ queueUrl: "http://127.0.0.1:15000/123/q", receivers: 8, waitTimeSeconds: 20, visibilityTimeoutSeconds: 30 }],
      sqsDiscovery: {
        rules: [{ prefix: "legacy-", tag: "meshbridge=on" }],
        discoveryIntervalSeconds: 30,
        receivers: 16,
        waitTimeSeconds: 20,
        visibilityTimeoutSeconds: 30,
      },
      pubsub: {
        project: "p",
        emulatorHost: "127.0.0.1:18085",
        subscriptions: ["a"],
        discovery: [{ prefix: "legacy-", label: "meshbridge=on", project: "other" }],
        discoveryIntervalSeconds: 30,
        pullConcurrency: 16,
        maxMessagesPerPull: 100,
        maxInFlightPerSubscription: 500,
        idleMinMs: 100,
        idleMaxMs: 1000,
        idlePullsPerSecond: 100,
        emptyPullsBeforeIdle: 3,
        busyWindowMs: 2000,
        leaseSeconds: 60,
      },
    },
    mapping: { unknownType: "skip" },
    budget: { maxMessages: 4000, maxBytes: 67108864 },
    http: { port: 9464, host: "0.0.0.0" },
    log: { level: "info" },
    tracing: { endpoint: "http://otel-collector:4318/v1/traces", serviceName: "meshbridge", sampleRatio: 0.5 },
    ops: { metrics: { maxSources: 1000, maxTenants: 200, backlogIntervalSeconds: 30 } },
    memory: { idleTrimSeconds: 15 },
    shutdownGraceSeconds: 25,
  };
}

/** Sets (or with `undefined` deletes) the value at a dotted path with [i] indexes. */
function withValue(path: string, value: unknown): Json {
  const config = full();
  const segments = path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "");
  let holder = config as Record<string, unknown>;
  for (const segment of segments.slice(0, -1)) holder = holder[segment] as Record<string, unknown>;
  const last = segments[segments.length - 1]!;
  if (value === undefined) delete holder[last];
  else holder[last] = value;
  return config;
}

function issuesOf(raw: unknown, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(raw, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail("the configuration was accepted");
}

// [section, what is wrong, the configuration, the exact path reported, words of the message]
const cases: [string, string, Json, string, RegExp][] = [
  // the top level
  ["root", "an unknown key", withValue("kafkaa", {}), "kafkaa", /unknown setting; expected one of catalog, kafka, registry/],
  // catalog: required, no default (src/ names no catalog of its own)
  ["catalog", "no catalog section", withValue("catalog", undefined), "catalog", /expected an object, got nothing/],
  ["catalog", "an empty module", withValue("catalog.module", ""), "catalog.module", /got ""/],
  ["catalog", "an unknown key", withValue("catalog.modules", "x"), "catalog.modules", /unknown setting/],
  [
    "root",
    "a string for a number",
    withValue("shutdownGraceSeconds", "25"),
    "shutdownGraceSeconds",
    /expected an integer from 1 to 3600, got "25"/,
  ],
  ["root", "a grace of 0", withValue("shutdownGraceSeconds", 0), "shutdownGraceSeconds", /got 0/],
  ["root", "a missing section", withValue("kafka", undefined), "kafka", /expected an object, got nothing/],
  // kafka
  ["kafka", "an unknown key", withValue("kafka.tlss", true), "kafka.tlss", /unknown setting/],
  [
    "kafka",
    'the string "true" for tls',
    withValue("kafka.tls", "true"),
    "kafka.tls",
    /expected true, false or \{"ca": [^}]*\}, got "true"/,
  ],
  [
    "kafka",
    "a number for topicPrefix",
    withValue("kafka.topicPrefix", 5),
    "kafka.topicPrefix",
    /expected a topic name prefix.*got 5/,
  ],
  ["kafka", "a tls object without ca", withValue("kafka.tls", { servername: "b" }), "kafka.tls", /expected true, false or/],
  ["kafka", "an empty tls.ca", withValue("kafka.tls", { ca: "" }), "kafka.tls.ca", /expected a non-empty string, got ""/],
  [
    "kafka",
    "an unknown key in tls",
    withValue("kafka.tls", { ca: "/ca.pem", cafile: "x" }),
    "kafka.tls",
    /expected true, false or/,
  ],
  ["kafka", "a topicPrefix with a space", withValue("kafka.topicPrefix", "a b"), "kafka.topicPrefix", /got "a b"/],
  [
    "kafka",
    "a string for the broker list",
    withValue("kafka.bootstrapBrokers", "a:1"),
    "kafka.bootstrapBrokers",
    /expected a non-empty list of host:port/,
  ],
  ["kafka", "an empty broker list", withValue("kafka.bootstrapBrokers", []), "kafka.bootstrapBrokers", /got a list of 0/],
  [
    "kafka",
    "a broker without a port",
    withValue("kafka.bootstrapBrokers", ["localhost"]),
    "kafka.bootstrapBrokers[0]",
    /expected host:port, got "localhost"/,
  ],
  [
    "kafka",
    "an illegal dead-letter topic",
    withValue("kafka.deadLetterTopic", "dead letters"),
    "kafka.deadLetterTopic",
    /expected a Kafka topic name/,
  ],
  ["kafka", "a client id with spaces", withValue("kafka.clientId", "mesh bridge"), "kafka.clientId", /without spaces/],
  [
    "kafka.sasl",
    "an unknown key",
    withValue("kafka.sasl.user", "u"),
    "kafka.sasl.user",
    /unknown setting; expected one of mechanism, username, password/,
  ],
  [
    "kafka.sasl",
    "an unknown mechanism",
    withValue("kafka.sasl.mechanism", "SCRAM"),
    "kafka.sasl.mechanism",
    /expected one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, got "SCRAM"/,
  ],
  [
    "kafka.sasl",
    "a number for the password",
    withValue("kafka.sasl.password", 5),
    "kafka.sasl.password",
    /expected a string, \{"env": "NAME"\} or \{"file": "\/path"\}, got a number/,
  ],
  [
    "kafka.sasl",
    "a reference with an extra key",
    withValue("kafka.sasl.password", { env: "X", file: "/y" }),
    "kafka.sasl.password",
    /got an object/,
  ],
  [
    "kafka.sasl",
    "no username",
    withValue("kafka.sasl.username", undefined),
    "kafka.sasl.username",
    /expected a non-empty string, got nothing/,
  ],
  [
    "kafka.sasl",
    "SASL without TLS (cross-field)",
    withValue("kafka.tls", false),
    "kafka.tls",
    /expected true when kafka.sasl is set/,
  ],
  [
    "kafka.deliveryTimeoutSeconds",
    "shorter than one request (cross-field)",
    withValue("kafka.deliveryTimeoutSeconds", 5),
    "kafka.deliveryTimeoutSeconds",
    /expected at least kafka.requestTimeoutSeconds \(30\), got 5/,
  ],
  // registry
  ["registry", "an unknown key", withValue("registry.user", "x"), "registry.user", /unknown setting/],
  ["registry", "a number for the URL", withValue("registry.url", 8081), "registry.url", /expected an http\(s\) URL, got 8081/],
  ["registry", "an empty ca", withValue("registry.ca", ""), "registry.ca", /expected a non-empty string, got ""/],
  [
    "sources.pubsub",
    "endpoint and emulatorHost together (cross-field)",
    withValue("sources.pubsub.endpoint", { host: "pubsub.internal:443" }),
    "sources.pubsub.endpoint",
    /expected either endpoint \(TLS\) or emulatorHost \(plaintext\), got both/,
  ],
  [
    "sources.pubsub",
    "an endpoint without a port",
    withValue("sources.pubsub.endpoint", { host: "pubsub.internal" }),
    "sources.pubsub.endpoint.host",
    /expected host:port/,
  ],
  [
    "sources.pubsub",
    "unknown call credentials",
    withValue("sources.pubsub.endpoint", { host: "p:443", callCredentials: "anonymous" }),
    "sources.pubsub.endpoint.callCredentials",
    /expected one of google, none, got "anonymous"/,
  ],
  ["registry", "a URL without a scheme", withValue("registry.url", "registry:8081"), "registry.url", /got "registry:8081"/],
  [
    "registry",
    "a password without user (cross-field)",
    withValue("registry.username", undefined),
    "registry.username",
    /expected a value when registry.password is set/,
  ],
  [
    "registry",
    "a user without password (cross-field)",
    withValue("registry.password", undefined),
    "registry.password",
    /expected a value when registry.username is set/,
  ],
  // aws
  ["aws", "an unknown key", withValue("aws.profile", "x"), "aws.profile", /unknown setting; expected one of region, endpoint/],
  ["aws", "a number for the region", withValue("aws.region", 1), "aws.region", /expected an AWS region name, got 1/],
  [
    "aws",
    "an endpoint that is no URL",
    withValue("aws.endpoint", "localhost:15000"),
    "aws.endpoint",
    /expected an http\(s\) URL/,
  ],
  // keys
  ["keys", "an unknown key", withValue("keys.files", "x"), "keys.files", /unknown setting/],
  [
    "keys",
    "an unknown provider",
    withValue("keys.provider", "vault"),
    "keys.provider",
    /expected one of static, aws-kms, got "vault"/,
  ],
  ["keys", "a string for maxUses", withValue("keys.maxUses", "1000"), "keys.maxUses", /got "1000"/],
  ["keys", "a fractional maxUses", withValue("keys.maxUses", 1.5), "keys.maxUses", /expected an integer/],
  [
    "keys",
    "maxAgeSeconds 0",
    withValue("keys.maxAgeSeconds", 0),
    "keys.maxAgeSeconds",
    /expected an integer from 1 to 86,400, got 0/,
  ],
  [
    "keys",
    "neither file nor json (cross-field)",
    withValue("keys.file", undefined),
    "keys",
    /expected exactly one of keys.file and keys.json, got neither/,
  ],
  ["keys", "both file and json (cross-field)", withValue("keys.json", { env: "KEYS" }), "keys", /got both/],
  // sources
  [
    "sources",
    "an unknown key",
    withValue("sources.kinesis", []),
    "sources.kinesis",
    /unknown setting; expected one of sqs, sqsDiscovery, pubsub/,
  ],
  [
    "sources",
    "an object for the SQS list",
    withValue("sources.sqs", { queueUrl: "q" }),
    "sources.sqs",
    /expected a list of objects, got an object/,
  ],
  [
    "sources",
    "no source at all (cross-field)",
    { ...full(), sources: { sqs: [] } },
    "sources",
    /configure at least one source; expected sources.sqs, sources.sqsDiscovery or sources.pubsub, got none/,
  ],
  // sources.sqs[]
  ["sources.sqs[]", "an unknown key", withValue("sources.sqs[0].receiverz", 1), "sources.sqs[0].receiverz", /unknown setting/],
  ["sources.sqs[]", "a string for receivers", withValue("sources.sqs[0].receivers", "8"), "sources.sqs[0].receivers", /got "8"/],
  ["sources.sqs[]", "0 receivers", withValue("sources.sqs[0].receivers", 0), "sources.sqs[0].receivers", /from 1 to 256, got 0/],
  [
    "sources.sqs[]",
    "a visibility over 12 h",
    withValue("sources.sqs[0].visibilityTimeoutSeconds", 43_201),
    "sources.sqs[0].visibilityTimeoutSeconds",
    /from 1 to 43,200, got 43201/,
  ],
  [
    "sources.sqs[]",
    "a wait over 20 s",
    withValue("sources.sqs[0].waitTimeSeconds", 21),
    "sources.sqs[0].waitTimeSeconds",
    /from 0 to 20/,
  ],
  ["sources.sqs[]", "no queueUrl", withValue("sources.sqs[0].queueUrl", undefined), "sources.sqs[0].queueUrl", /got nothing/],
  [
    "sources.sqs[]",
    "a queue listed twice (cross-field)",
    withValue("sources.sqs[1]", { queueUrl: "http://127.0.0.1:15000/123/q" }),
    "sources.sqs[1].queueUrl",
    /got a duplicate/,
  ],
  // sources.pubsub
  [
    "sources.pubsub",
    "an unknown key",
    withValue("sources.pubsub.subscriptionz", ["a"]),
    "sources.pubsub.subscriptionz",
    /unknown setting/,
  ],
  [
    "sources.pubsub",
    "a number for the project",
    withValue("sources.pubsub.project", 7),
    "sources.pubsub.project",
    /expected a non-empty string, got 7/,
  ],
  [
    "sources.pubsub",
    "a negative count of empty pulls before idle",
    withValue("sources.pubsub.emptyPullsBeforeIdle", -1),
    "sources.pubsub.emptyPullsBeforeIdle",
    /from 0 to 100, got -1/,
  ],
  [
    "sources.pubsub",
    "a fraction of an empty pull",
    withValue("sources.pubsub.emptyPullsBeforeIdle", 1.5),
    "sources.pubsub.emptyPullsBeforeIdle",
    /got 1.5/,
  ],
  [
    "sources.pubsub",
    "a busy window over ten minutes",
    withValue("sources.pubsub.busyWindowMs", 600_001),
    "sources.pubsub.busyWindowMs",
    /from 0 to 600,000, got 600001/,
  ],
  [
    "sources.pubsub",
    "a string for the busy window",
    withValue("sources.pubsub.busyWindowMs", "1s"),
    "sources.pubsub.busyWindowMs",
    /got "1s"/,
  ],
  [
    "sources.pubsub",
    "an ack deadline under 10 s",
    withValue("sources.pubsub.leaseSeconds", 9),
    "sources.pubsub.leaseSeconds",
    /from 10 to 600, got 9/,
  ],
  [
    "sources.pubsub",
    "an ack deadline over 600 s",
    withValue("sources.pubsub.leaseSeconds", 601),
    "sources.pubsub.leaseSeconds",
    /got 601/,
  ],
  [
    "sources.pubsub",
    "too many pulls in flight",
    withValue("sources.pubsub.pullConcurrency", 500),
    "sources.pubsub.pullConcurrency",
    /from 1 to 90/,
  ],
  [
    "sources.pubsub",
    "a pull over 1000 messages",
    withValue("sources.pubsub.maxMessagesPerPull", 1001),
    "sources.pubsub.maxMessagesPerPull",
    /got 1001/,
  ],
  [
    "sources.pubsub",
    "an emulator without port",
    withValue("sources.pubsub.emulatorHost", "localhost"),
    "sources.pubsub.emulatorHost",
    /expected host:port/,
  ],
  [
    "sources.pubsub",
    "a string list entry that is a number",
    withValue("sources.pubsub.subscriptions", [1]),
    "sources.pubsub.subscriptions[0]",
    /got 1/,
  ],
  [
    "sources.pubsub",
    "idleMaxMs < idleMinMs (cross-field)",
    withValue("sources.pubsub.idleMaxMs", 50),
    "sources.pubsub.idleMaxMs",
    /expected at least sources.pubsub.idleMinMs \(100\), got 50/,
  ],
  [
    "sources.pubsub",
    "neither subscriptions nor discovery (cross-field)",
    { ...full(), sources: { pubsub: { project: "p" } } },
    "sources.pubsub",
    /give subscriptions and\/or discovery rules; expected at least one, got none/,
  ],
  // sources.sqsDiscovery
  [
    "sources.sqsDiscovery",
    "an unknown key",
    withValue("sources.sqsDiscovery.rule", []),
    "sources.sqsDiscovery.rule",
    /unknown setting; expected one of rules, discoveryIntervalSeconds, receivers/,
  ],
  [
    "sources.sqsDiscovery",
    "no rules",
    withValue("sources.sqsDiscovery.rules", []),
    "sources.sqsDiscovery.rules",
    /expected a non-empty list of objects, got a list of 0/,
  ],
  [
    "sources.sqsDiscovery",
    "an interval of 0",
    withValue("sources.sqsDiscovery.discoveryIntervalSeconds", 0),
    "sources.sqsDiscovery.discoveryIntervalSeconds",
    /from 1 to 3600, got 0/,
  ],
  [
    "sources.sqsDiscovery",
    "more than 256 receivers",
    withValue("sources.sqsDiscovery.receivers", 257),
    "sources.sqsDiscovery.receivers",
    /from 1 to 256, got 257/,
  ],
  [
    "sources.sqsDiscovery",
    "a long poll over 20 s",
    withValue("sources.sqsDiscovery.waitTimeSeconds", 21),
    "sources.sqsDiscovery.waitTimeSeconds",
    /from 0 to 20, got 21/,
  ],
  [
    "sources.sqsDiscovery",
    "a visibility of 0",
    withValue("sources.sqsDiscovery.visibilityTimeoutSeconds", 0),
    "sources.sqsDiscovery.visibilityTimeoutSeconds",
    /from 1 to 43,200, got 0/,
  ],
  [
    "sqs discovery rule",
    "an unknown key (Pub/Sub's label)",
    withValue("sources.sqsDiscovery.rules[0].label", "a"),
    "sources.sqsDiscovery.rules[0].label",
    /unknown setting; expected one of prefix, tag/,
  ],
  [
    "sqs discovery rule",
    "a tag that is only a value",
    withValue("sources.sqsDiscovery.rules[0].tag", "=on"),
    "sources.sqsDiscovery.rules[0].tag",
    /expected key or key=value, got "=on"/,
  ],
  [
    "sqs discovery rule",
    "neither prefix nor tag (cross-field)",
    withValue("sources.sqsDiscovery.rules[0]", {}),
    "sources.sqsDiscovery.rules[0]",
    /give a prefix and\/or a tag; expected at least one, got neither/,
  ],
  [
    "sources",
    "no source at all, sqsDiscovery being the only kind (cross-field)",
    { ...full(), sources: {} },
    "sources",
    /expected sources.sqs, sources.sqsDiscovery or sources.pubsub, got none/,
  ],
  // sources.pubsub.discovery[]
  [
    "discovery rule",
    "an unknown key",
    withValue("sources.pubsub.discovery[0].prefx", "a"),
    "sources.pubsub.discovery[0].prefx",
    /unknown setting; expected one of project, prefix, label/,
  ],
  [
    "discovery rule",
    "a number for the prefix",
    withValue("sources.pubsub.discovery[0].prefix", 3),
    "sources.pubsub.discovery[0].prefix",
    /got 3/,
  ],
  [
    "discovery rule",
    "an empty label",
    withValue("sources.pubsub.discovery[0].label", ""),
    "sources.pubsub.discovery[0].label",
    /got ""/,
  ],
  [
    "discovery rule",
    "neither prefix nor label (cross-field)",
    withValue("sources.pubsub.discovery[0]", { project: "x" }),
    "sources.pubsub.discovery[0]",
    /give a prefix and\/or a label/,
  ],
  // mapping
  ["mapping", "an unknown key", withValue("mapping.unknownTypes", "skip"), "mapping.unknownTypes", /unknown setting/],
  [
    "mapping",
    "an unknown policy",
    withValue("mapping.unknownType", "drop"),
    "mapping.unknownType",
    /expected one of dead-letter, skip, got "drop"/,
  ],
  ["mapping", "a boolean for the policy", withValue("mapping.unknownType", true), "mapping.unknownType", /got true/],
  // budget
  ["budget", "an unknown key", withValue("budget.maxMessage", 1), "budget.maxMessage", /unknown setting/],
  ["budget", "a string for maxBytes", withValue("budget.maxBytes", "64MB"), "budget.maxBytes", /got "64MB"/],
  ["budget", "a negative maxBytes", withValue("budget.maxBytes", -1), "budget.maxBytes", /got -1/],
  ["budget", "maxMessages under 10", withValue("budget.maxMessages", 9), "budget.maxMessages", /from 10 to 1,000,000, got 9/],
  // http
  ["http", "an unknown key", withValue("http.address", "x"), "http.address", /unknown setting; expected one of port, host/],
  ["http", "a string for the port", withValue("http.port", "9464"), "http.port", /got "9464"/],
  ["http", "a port over 65535", withValue("http.port", 65_536), "http.port", /from 0 to 65,535, got 65536/],
  ["http", "an empty host", withValue("http.host", ""), "http.host", /expected a non-empty string, got ""/],
  // log
  ["log", "an unknown key", withValue("log.format", "json"), "log.format", /unknown setting; expected one of level/],
  [
    "log",
    "an unknown level",
    withValue("log.level", "verbose"),
    "log.level",
    /expected one of debug, info, warn, error, got "verbose"/,
  ],
  ["log", "a number for the level", withValue("log.level", 1), "log.level", /got 1/],
  // tracing
  ["tracing", "an unknown key", withValue("tracing.url", "x"), "tracing.url", /unknown setting; expected one of endpoint/],
  ["tracing", "no endpoint", withValue("tracing.endpoint", undefined), "tracing.endpoint", /got nothing/],
  [
    "tracing",
    "a non-URL endpoint",
    withValue("tracing.endpoint", "collector:4318"),
    "tracing.endpoint",
    /expected an http\(s\) URL/,
  ],
  ["tracing", "a sample ratio over 1", withValue("tracing.sampleRatio", 1.5), "tracing.sampleRatio", /got 1.5/],
  ["tracing", "a string for the sample ratio", withValue("tracing.sampleRatio", "0.5"), "tracing.sampleRatio", /got "0.5"/],
  ["tracing", "an empty service name", withValue("tracing.serviceName", ""), "tracing.serviceName", /got ""/],
  // ops.metrics
  ["ops", "an unknown key", withValue("ops.logs", {}), "ops.logs", /unknown setting; expected one of metrics/],
  ["ops.metrics", "an unknown key", withValue("ops.metrics.maxSource", 1), "ops.metrics.maxSource", /unknown setting/],
  ["ops.metrics", "0 sources", withValue("ops.metrics.maxSources", 0), "ops.metrics.maxSources", /from 1 to 100,000, got 0/],
  [
    "ops.metrics",
    "a fractional maxTenants",
    withValue("ops.metrics.maxTenants", 2.5),
    "ops.metrics.maxTenants",
    /expected an integer/,
  ],
  [
    "ops.metrics",
    "a negative backlog interval",
    withValue("ops.metrics.backlogIntervalSeconds", -1),
    "ops.metrics.backlogIntervalSeconds",
    /from 0 to 3600, got -1/,
  ],
  // memory
  ["memory", "an unknown key", withValue("memory.trim", 1), "memory.trim", /unknown setting; expected one of idleTrimSeconds/],
  ["memory", "a string for idleTrimSeconds", withValue("memory.idleTrimSeconds", "15"), "memory.idleTrimSeconds", /got "15"/],
  ["memory", "an hour and a second", withValue("memory.idleTrimSeconds", 3601), "memory.idleTrimSeconds", /got 3601/],
];

describe("the configuration contract", () => {
  it("accepts the full configuration, every section given", () => {
    const config = parseConfig(full(), {});
    assert.equal(config.kafka.sasl?.mechanism, "SCRAM-SHA-256");
    assert.equal(config.sources.pubsub?.discoveryIntervalMs, 30_000);
    assert.deepEqual(config.sources.pubsub?.discovery, [{ project: "other", prefix: "legacy-", label: "meshbridge=on" }]);
    assert.equal(config.sources.sqsDiscovery?.discoveryIntervalMs, 30_000);
    assert.deepEqual(config.sources.sqsDiscovery?.rules, [{ prefix: "legacy-", tag: "meshbridge=on" }]);
    assert.equal(config.tracing?.sampleRatio, 0.5);
    assert.equal(config.ops.metrics.maxTenants, 200);
    assert.equal(config.memory.idleTrimSeconds, 15);
    assert.equal(config.sources.pubsub?.emptyPullsBeforeIdle, 3);
    assert.equal(config.sources.pubsub?.busyWindowMs, 2000);
  });

  it("kafka.tls: true, false and a CA bundle (with servername) are accepted; a CA works with SASL", () => {
    for (const tls of [true, false]) {
      const raw = withValue("kafka.tls", tls);
      if (!tls) delete (raw.kafka as Json).sasl;
      assert.equal(parseConfig(raw, {}).kafka.tls, tls);
    }
    const config = parseConfig(withValue("kafka.tls", { ca: "/etc/ca.pem", servername: "broker.internal" }), {});
    assert.deepEqual(config.kafka.tls, { ca: "/etc/ca.pem", servername: "broker.internal" });
    assert.equal(config.kafka.sasl?.username, "user");
  });

  it("sources.pubsub.endpoint: TLS to another host, call credentials default to google", () => {
    const raw = withValue("sources.pubsub.endpoint", { host: "127.0.0.1:18086", ca: "/ca.pem" });
    delete ((raw.sources as Json).pubsub as Json).emulatorHost;
    const config = parseConfig(raw, {});
    assert.deepEqual(config.sources.pubsub?.endpoint, { host: "127.0.0.1:18086", ca: "/ca.pem", callCredentials: "google" });
    assert.equal(config.sources.pubsub?.emulatorHost, undefined);
  });

  for (const [section, what, raw, path, words] of cases) {
    it(`${section}: refuses ${what}, at ${path}`, () => {
      const error = issuesOf(raw);
      const issue = error.issues.find((candidate) => candidate.path === path);
      assert.ok(issue, `no issue at ${path}; got ${JSON.stringify(error.issues)}`);
      assert.match(issue.message, words);
      assert.match(issue.message, /expected .*got|unknown setting/);
      assert.ok(error.message.includes(`${path}: ${issue.message}`), "the message names the path");
    });
  }

  it("reports every problem at once", () => {
    const raw = withValue("kafka.tls", "true");
    (raw.http as Json).port = "80";
    ((raw.sources as Json).pubsub as Json).leaseSeconds = 1;
    const error = issuesOf(raw);
    assert.deepEqual(
      error.issues.map((issue) => issue.path),
      ["kafka.tls", "sources.pubsub.leaseSeconds", "http.port"],
    );
    assert.match(error.message, /^invalid configuration \(3 problems\):\n {2}kafka\.tls: /);
  });

  it("never prints a secret: wrong or misspelt secret keys show the kind of value only", () => {
    const raw = withValue("kafka.sasl.pasword", "hunter2-secret");
    (raw.registry as Json).password = 123456789;
    const error = issuesOf(raw);
    assert.ok(!error.message.includes("hunter2"), error.message);
    assert.ok(!error.message.includes("123456789"), error.message);
    assert.match(error.message, /kafka\.sasl\.pasword: unknown setting.*got a string/);
    assert.match(error.message, /registry\.password: expected .*got a number/);
  });

  it("shortens and escapes what was found", () => {
    const error = issuesOf(withValue("log.level", `info\nforged line ${"x".repeat(100)}`));
    assert.ok(!error.message.includes("\nforged"), "CR/LF escaped");
    assert.match(error.message, /got "info\\nforged line x+…"/);
  });
});
