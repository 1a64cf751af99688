// Loading: YAML or JSON by extension, environment overrides, secret references, redaction.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig, parseConfig, REDACTED, redactConfig } from "../../../src/cli/config.ts";
import { resolveKafkaSinkOptions, toClientConnectionOptions } from "../../../src/sink/options.ts";

const directory = mkdtempSync(join(tmpdir(), "mb-config-"));
const file = (name: string, content: string): string => {
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
};

const minimal = {
  catalog: { module: "/catalog/index.ts" },
  kafka: { bootstrapBrokers: ["127.0.0.1:19092"] },
  registry: { url: "http://127.0.0.1:18081" },
  keys: { file: "/keys.json" },
  sources: { sqs: [{ queueUrl: "http://q" }] },
};

const yaml = `
catalog:
  module: ./catalogs/orders/index.ts
kafka:
  bootstrapBrokers: [pkc-1.example:9092]
  tls: true
  sasl:
    mechanism: SCRAM-SHA-512
    username: bridge
    password: { env: MB_TEST_KAFKA_PASSWORD }
registry:
  url: https://registry.example
keys:
  provider: static
  json: { file: ${join(directory, "keys.secret")} }
sources:
  pubsub:
    project: legacy
    discovery:
      - prefix: tenant-events-
`;

function rejects(action: () => unknown, words: RegExp): ConfigError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, words);
    return error;
  }
  assert.fail("accepted");
}

describe("loadConfig", () => {
  it("reads YAML, resolving secret references from the environment and files", () => {
    file("keys.secret", '{"tenants": {"t1": {"1": "AAAA"}}}\n');
    const config = loadConfig(file("bridge.yaml", yaml), { MB_TEST_KAFKA_PASSWORD: "kafka-pw" });
    assert.deepEqual(config.kafka.sasl, { mechanism: "SCRAM-SHA-512", username: "bridge", password: "kafka-pw" });
    assert.equal(config.keys.json, '{"tenants": {"t1": {"1": "AAAA"}}}', "the trailing newline is not part of the secret");
    assert.equal(config.sources.pubsub?.discovery[0]?.project, "legacy");
    assert.ok(Object.isFrozen(config.kafka.sasl));
  });

  it("resolves a relative catalog.module against the file's directory, MB_CATALOG's against the working directory", () => {
    file("keys.secret", '{"tenants": {"t1": {"1": "AAAA"}}}\n');
    const env = { MB_TEST_KAFKA_PASSWORD: "kafka-pw" };
    const path = file("catalog.yaml", yaml);
    assert.equal(loadConfig(path, env).catalog.module, join(directory, "catalogs", "orders", "index.ts"));
    assert.equal(loadConfig(path, { ...env, MB_CATALOG: "./other.ts" }).catalog.module, "./other.ts");
    assert.equal(loadConfig(path, { ...env, MB_CATALOG: "@acme/catalog" }).catalog.module, "@acme/catalog");
    const named = loadConfig(file("named.yaml", yaml.replace("./catalogs/orders/index.ts", "'@acme/catalog'")), env);
    assert.equal(named.catalog.module, "@acme/catalog", "a package name stays a package name");
    mkdirSync(join(directory, "plain"), { recursive: true });
    writeFileSync(join(directory, "plain", "index.ts"), "export default {};\n");
    const plain = loadConfig(file("plain.yaml", yaml.replace("./catalogs/orders/index.ts", "plain/index.ts")), env);
    assert.equal(plain.catalog.module, join(directory, "plain", "index.ts"), "a file next to the config file, without ./");
  });

  it("reads JSON, and YAML and JSON give the same configuration", () => {
    const fromJson = loadConfig(file("bridge.json", JSON.stringify(minimal)), {});
    const fromYaml = loadConfig(file("same.yml", JSON.stringify(minimal)), {}); // JSON is YAML too
    assert.deepEqual(fromJson, fromYaml);
    assert.equal(fromJson.kafka.sasl, undefined);
  });

  it('refuses "true" for a boolean in YAML too (no coercion), and accepts a real boolean', () => {
    rejects(
      () => loadConfig(file("quoted.yaml", yaml.replace("tls: true", 'tls: "true"')), {}),
      /kafka\.tls: expected true, false or \{"ca": [^}]*\}, got "true"/,
    );
    rejects(() => loadConfig(file("yes.yaml", yaml.replace("tls: true", "tls: yes")), {}), /kafka\.tls: .*got "yes"/);
  });

  it("refuses an unknown extension, a missing file and a syntax error without quoting the text", () => {
    rejects(() => loadConfig(file("bridge.toml", "x = 1"), {}), /expected a \.yaml, \.yml or \.json file, got "\.toml"/);
    rejects(() => loadConfig(join(directory, "absent.json"), {}), /cannot read config file .*absent\.json: ENOENT/);
    const json = rejects(
      () => loadConfig(file("broken.json", '{"password": "hunter2-json" oops}'), {}),
      /expected valid JSON, got position \d+/,
    );
    assert.ok(!json.message.includes("hunter2"), json.message);
    const bad = rejects(
      () => loadConfig(file("broken.yaml", "password: hunter2-yaml\n  - : ]["), {}),
      /expected valid YAML, got [A-Z_]+ at line \d+, column \d+/,
    );
    assert.ok(!bad.message.includes("hunter2"), bad.message);
  });

  it("names a secret reference that cannot be resolved, never a value", () => {
    const error = rejects(
      () => loadConfig(file("missing.yaml", yaml.replace("keys.secret", "absent.secret")), {}),
      /invalid configuration \(2 problems\)[\s\S]*kafka\.sasl\.password: expected environment variable MB_TEST_KAFKA_PASSWORD to hold the secret, got it unset or empty/,
    );
    assert.match(error.message, /keys\.json: expected a readable file .*absent\.secret holding the secret, got ENOENT/);
  });
});

describe("environment overrides", () => {
  it("override the endpoints, and create a section the file leaves out", () => {
    const { kafka: _kafka, ...withoutKafka } = minimal;
    const config = parseConfig(
      { ...withoutKafka, sources: { sqs: [], pubsub: { project: "p", subscriptions: ["a"] } } },
      {
        MB_KAFKA_BOOTSTRAP: "a:1, b:2",
        MB_REGISTRY_URL: "http://r",
        MB_AWS_ENDPOINT: "http://aws",
        MB_PUBSUB_EMULATOR_HOST: "127.0.0.1:18085",
      },
    );
    assert.deepEqual(config.kafka.bootstrapBrokers, ["a:1", "b:2"]);
    assert.equal(config.registry.url, "http://r");
    assert.equal(config.aws.endpoint, "http://aws");
    assert.equal(config.sources.pubsub?.emulatorHost, "127.0.0.1:18085");
  });

  it("are validated, and an error says which variable the value came from", () => {
    rejects(
      () => parseConfig(minimal, { MB_KAFKA_BOOTSTRAP: "nohost" }),
      /kafka\.bootstrapBrokers\[0\]: expected host:port, got "nohost" \(from MB_KAFKA_BOOTSTRAP\)/,
    );
  });

  it("MB_PUBSUB_EMULATOR_HOST configures no Pub/Sub source by itself", () => {
    assert.equal(parseConfig(minimal, { MB_PUBSUB_EMULATOR_HOST: "h:1" }).sources.pubsub, undefined);
  });
});

describe("redactConfig", () => {
  it("replaces every secret, raw or resolved, and leaves the rest and the original alone", () => {
    const raw = {
      ...minimal,
      kafka: { ...minimal.kafka, tls: true, sasl: { username: "u", password: "kafka-pw-1" } },
      registry: { url: "http://r", username: "sr", password: { env: "SR_PW" } },
      keys: { json: { env: "KEYS" } },
    };
    const config = parseConfig(raw, { SR_PW: "registry-pw-2", KEYS: '{"tenants": {"secret-tenant": {}}}' });
    const printed = JSON.stringify(redactConfig(config));
    for (const secret of ["kafka-pw-1", "registry-pw-2", "secret-tenant"]) assert.ok(!printed.includes(secret), printed);
    const redacted = redactConfig(config) as typeof config;
    assert.equal(redacted.kafka.sasl?.password, REDACTED);
    assert.equal(redacted.registry.password, REDACTED);
    assert.equal(redacted.keys.json, REDACTED);
    assert.equal(redacted.kafka.sasl?.username, "u");
    assert.equal(config.kafka.sasl?.password, "kafka-pw-1", "the configuration itself keeps its secrets");
    assert.equal((redactConfig(raw) as typeof raw).kafka.sasl.password, REDACTED);
  });
});

describe("kafka.sasl.mechanism", () => {
  it("reaches the Kafka client as configured (PLAIN by default)", () => {
    for (const mechanism of ["SCRAM-SHA-256", "SCRAM-SHA-512", undefined]) {
      const config = parseConfig(
        {
          ...minimal,
          kafka: { ...minimal.kafka, tls: true, sasl: { username: "u", password: "p", ...(mechanism && { mechanism }) } },
        },
        {},
      );
      const client = toClientConnectionOptions(resolveKafkaSinkOptions({ ...config.kafka, sasl: config.kafka.sasl }));
      assert.equal(client.sasl?.mechanism, mechanism ?? "PLAIN");
    }
  });
});
