// `meshbridge run` with a bad configuration: exit code 2 and every problem on stderr, before it
// opens any connection (sources, Kafka, registry all point at a listener that counts them).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../../infra/stack/ports.ts";

test("meshbridge run refuses a bad configuration with exit code 2, naming each path, touching nothing", async () => {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  const endpoint = `127.0.0.1:${address.port}`;
  const directory = mkdtempSync(join(tmpdir(), "mb-run-"));
  const config = join(directory, "bridge.yaml");
  writeFileSync(
    config,
    [
      `catalog: { module: "${join(repoRoot, "catalog", "index.ts")}" }`,
      "kafka:",
      `  bootstrapBrokers: ["${endpoint}"]`,
      '  tls: "true"',
      "  topicPrefix: 5",
      `registry: { url: "http://${endpoint}" }`,
      `aws: { endpoint: "http://${endpoint}" }`,
      "keys: { file: /nonexistent/keys.json }",
      "sources:",
      `  sqs: [{ queueUrl: "http://${endpoint}/123/q" }]`,
      `  pubsub: { project: p, emulatorHost: "${endpoint}", subscriptions: [a], subscriptionz: [b] }`,
    ].join("\n"),
  );
  const child = spawn(
    join(repoRoot, "node_modules", ".bin", "node"),
    [join(repoRoot, "src", "cli", "main.ts"), "run", "--config", config],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, MB_KAFKA_BOOTSTRAP: "", MB_REGISTRY_URL: "", MB_AWS_ENDPOINT: "", MB_PUBSUB_EMULATOR_HOST: "" },
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  server.close();
  assert.equal(code, 2, stderr);
  assert.match(stderr, /^meshbridge: invalid configuration \(3 problems\):/);
  assert.match(stderr, /kafka\.tls: expected true, false or \{"ca": [^}]*\}, got "true"/);
  assert.match(stderr, /kafka\.topicPrefix: expected a topic name prefix .*got 5/);
  assert.match(stderr, /sources\.pubsub\.subscriptionz: unknown setting/);
  assert.ok(!stderr.includes('"msg"'), `no log line: the bridge never started\n${stderr}`);
  assert.equal(connections, 0, "no connection to any source, Kafka or the registry");
});

test("meshbridge run logs the configuration in effect with its secrets redacted", async () => {
  const directory = mkdtempSync(join(tmpdir(), "mb-run-"));
  const passwordFile = join(directory, "registry-password");
  writeFileSync(passwordFile, "registry-secret-from-file\n");
  const config = join(directory, "bridge.json");
  writeFileSync(
    config,
    JSON.stringify({
      catalog: { module: join(repoRoot, "catalog", "index.ts") },
      kafka: {
        bootstrapBrokers: ["127.0.0.1:1"],
        tls: true,
        sasl: { mechanism: "SCRAM-SHA-512", username: "bridge", password: { env: "MB_TEST_SASL_PASSWORD" } },
      },
      registry: { url: "http://127.0.0.1:1", username: "sr", password: { file: passwordFile } },
      // Missing on purpose: the start fails right after the configuration is logged.
      keys: { file: join(directory, "absent-keys.json") },
      sources: { sqs: [{ queueUrl: "http://127.0.0.1:1/123/q" }] },
      http: { port: 0, host: "127.0.0.1" },
    }),
  );
  const child = spawn(
    join(repoRoot, "node_modules", ".bin", "node"),
    [join(repoRoot, "src", "cli", "main.ts"), "run", "--config", config],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        MB_TEST_SASL_PASSWORD: "sasl-secret-from-env",
        MB_KAFKA_BOOTSTRAP: "",
        MB_REGISTRY_URL: "",
        MB_AWS_ENDPOINT: "",
      },
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 1, stderr);
  const line = stderr.split("\n").find((entry) => entry.includes('"configuration in effect"'));
  assert.ok(line, stderr);
  const logged = JSON.parse(JSON.parse(line).config);
  assert.equal(logged.kafka.sasl.password, "[redacted]");
  assert.equal(logged.kafka.sasl.mechanism, "SCRAM-SHA-512");
  assert.equal(logged.registry.password, "[redacted]");
  assert.equal(logged.registry.username, "sr");
  assert.ok(!stderr.includes("secret-from"), stderr);
});

test("meshbridge run reads tenant keys from keys.json (a secret reference), naming it, never quoting the keys", async () => {
  const directory = mkdtempSync(join(tmpdir(), "mb-run-"));
  const config = join(directory, "bridge.yaml");
  writeFileSync(
    config,
    [
      `catalog: { module: "${join(repoRoot, "catalog", "index.ts")}" }`,
      'kafka: { bootstrapBrokers: ["127.0.0.1:1"] }',
      'registry: { url: "http://127.0.0.1:1" }',
      "keys: { json: { env: MB_TEST_TENANT_KEYS } }",
      'sources: { sqs: [{ queueUrl: "http://127.0.0.1:1/123/q" }] }',
      "http: { port: 0, host: 127.0.0.1 }",
    ].join("\n"),
  );
  // A key of 5 bytes instead of 32: the keyring refuses it before anything else is started.
  const keys = JSON.stringify({ tenants: { "tenant-a": { "1": Buffer.from("short").toString("base64") } } });
  const child = spawn(
    join(repoRoot, "node_modules", ".bin", "node"),
    [join(repoRoot, "src", "cli", "main.ts"), "run", "--config", config],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, MB_TEST_TENANT_KEYS: keys, MB_KAFKA_BOOTSTRAP: "", MB_REGISTRY_URL: "", MB_AWS_ENDPOINT: "" },
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /meshbridge: static keys from keys\.json/);
  assert.ok(!stderr.includes(Buffer.from("short").toString("base64")), stderr);
  const line = stderr.split("\n").find((entry) => entry.includes('"configuration in effect"'));
  assert.ok(line, stderr);
  assert.equal(JSON.parse(JSON.parse(line).config).keys.json, "[redacted]");
});
