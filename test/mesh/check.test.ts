// `meshbridge check --config F` against the mesh: all ok on a healthy deployment, and each kind
// of problem alone (bad config, unreachable broker, missing topic, unreachable registry, schema
// drift, missing queue, missing subscription, unreachable KMS) gives exactly its FAIL line.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { orderPlacedTopic } from "../../catalog/topics.ts";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import type { PubSubWorldFile } from "../../tools/simulator/pubsub-world.ts";
import type { WorldFile } from "../../tools/simulator/world.ts";
import { bridgeConfig, pubsubSource } from "../support/bridge.ts";
import { type Deployment, isolatedDeployment } from "../support/deployment.ts";
import { provisionPubSubWorld, provisionSqsWorld } from "../support/worlds.ts";

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

let counter = 0;
async function check(
  deployment: Deployment,
  config: unknown,
): Promise<{ code: number | null; lines: string[]; fails: string[] }> {
  const file = join(deployment.directory, `check-${counter++}.json`);
  writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config));
  const child = spawn(process.execPath, [join(repoRoot, "src", "cli", "main.ts"), "check", "--config", file], {
    // Exported MB_* endpoints would override the variants' broken ones.
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      MB_KAFKA_BOOTSTRAP: "",
      MB_REGISTRY_URL: "",
      MB_AWS_ENDPOINT: "",
      MB_PUBSUB_EMULATOR_HOST: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const lines = stdout.split("\n").filter((line) => /^(ok|FAIL) {2}/.test(line));
  return { code, lines, fails: lines.filter((line) => line.startsWith("FAIL")) };
}

describe("meshbridge check", () => {
  let deployment: Deployment;
  let sqsWorld: WorldFile;
  let pubsubWorld: PubSubWorldFile;
  let good: Record<string, unknown>;
  const sources = (overrides: { queueUrl?: string; subscription?: string } = {}) => ({
    sqs: [{ queueUrl: overrides.queueUrl ?? sqsWorld.aws.queueUrl }],
    pubsub: pubsubSource({
      subscriptions: [overrides.subscription ?? Object.values(pubsubWorld.pubsub.tenants)[0]!.subscription],
      discovery: [{ prefix: pubsubWorld.pubsub.subscriptionPrefix }],
    }),
  });

  before(async () => {
    deployment = await isolatedDeployment("check");
    sqsWorld = await provisionSqsWorld(deployment, 2, { queue: "moto-sns", keys: "aws-kms" });
    pubsubWorld = await provisionPubSubWorld(deployment, {
      tenants: 2,
      keyVersions: 1,
      orderedEvery: 0,
      orderingKeysPerTenant: 1,
    });
    good = bridgeConfig(deployment, sqsWorld, { sources: sources() });
  });

  it("a healthy deployment: every line ok, exit 0", async () => {
    const { code, lines, fails } = await check(deployment, good);
    assert.deepEqual(fails, []);
    assert.equal(code, 0);
    // config, broker, 7 catalog topics + DLQ, registry, 7 subjects, KMS, queue, subscription, discovery
    const catalogSize = deployment.catalog.length;
    assert.equal(lines.length, 1 + 1 + catalogSize + 1 + 1 + catalogSize + 1 + 1 + 1 + 1, lines.join("\n"));
    assert.ok(
      lines.some((line) => /^ok {4}kms .*: reachable; 4 data keys of 2 tenants unwrapped$/.test(line)),
      lines.join("\n"),
    );
    assert.ok(lines.some((line) => line.startsWith(`ok    topic ${deployment.deadLetterTopic}: exists`)));
  });

  it("an invalid configuration: one FAIL line naming each problem, exit 2", async () => {
    const { code, fails } = await check(deployment, { ...good, kafka: { ...(good.kafka as object), tls: "true" } });
    assert.equal(code, 2);
    assert.equal(fails.length, 1);
    assert.match(fails[0]!, /^FAIL {2}config .*kafka\.tls: expected true, false or \{"ca": .*, got "true"/);
  });

  it("an unreachable broker port", async () => {
    const port = await closedPort();
    const { code, fails } = await check(deployment, {
      ...good,
      kafka: { ...(good.kafka as object), bootstrapBrokers: [`127.0.0.1:${port}`] },
    });
    assert.equal(code, 1);
    assert.match(
      fails[0]!,
      new RegExp(`^FAIL {2}kafka 127\\.0\\.0\\.1:${port}: unreachable: .*Connection to 127\\.0\\.0\\.1:${port} failed`),
    );
    assert.match(fails[1]!, /^FAIL {2}kafka topics \(\d+\): not checked/);
    assert.equal(fails.length, 2, fails.join("\n"));
  });

  it("a missing topic", async () => {
    const missing = `${deployment.prefix}no-such-dlq`;
    const { code, fails } = await check(deployment, { ...good, kafka: { ...(good.kafka as object), deadLetterTopic: missing } });
    assert.equal(code, 1);
    assert.deepEqual(fails, [`FAIL  topic ${missing}: does not exist; create it (meshbridge topics create) or fix the config`]);
  });

  it("an unreachable registry", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/apis/ccompat/v7`;
    const { code, fails } = await check(deployment, { ...good, registry: { url } });
    assert.equal(code, 1);
    assert.equal(fails.length, 1, fails.join("\n"));
    assert.match(fails[0]!, new RegExp(`^FAIL {2}registry ${url.replaceAll(".", "\\.")}: unreachable: .*ECONNREFUSED`));
  });

  it("a missing SQS queue", async () => {
    const queueUrl = `${sqsWorld.aws.queueUrl}-gone`;
    const { code, fails } = await check(deployment, { ...good, sources: sources({ queueUrl }) });
    assert.equal(code, 1);
    assert.deepEqual(fails, [
      `FAIL  sources.sqs[0] queue ${queueUrl}: the queue does not exist; create it or fix sources.sqs[].queueUrl`,
    ]);
  });

  it("a missing Pub/Sub subscription", async () => {
    const { code, fails } = await check(deployment, { ...good, sources: sources({ subscription: "no-such-subscription" }) });
    assert.equal(code, 1);
    assert.equal(fails.length, 1, fails.join("\n"));
    assert.match(
      fails[0]!,
      /^FAIL {2}sources\.pubsub subscription projects\/.+\/subscriptions\/no-such-subscription: does not exist/,
    );
  });

  it("an unreachable KMS (only the Pub/Sub source, so SQS on the same endpoint is not in the way)", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const { code, fails } = await check(deployment, {
      ...good,
      aws: { region: "us-east-1", endpoint },
      sources: { pubsub: sources().pubsub },
    });
    assert.equal(code, 1);
    assert.equal(fails.length, 1, fails.join("\n"));
    assert.match(
      fails[0]!,
      new RegExp(`^FAIL {2}kms ${endpoint.replaceAll(".", "\\.")} .*data keys not unwrapped.*ECONNREFUSED`),
    );
  });

  it("schema drift: the subject's latest differs from the generated schema (last: it changes the deployment)", async () => {
    const subject = `${deployment.prefix}${orderPlacedTopic.topic}-value`;
    const drifted = readFileSync(orderPlacedTopic.protoPath, "utf8").replace(/\n}\s*$/, "\n  string coupon_code = 999;\n}\n");
    await new RegistryClient({ url: meshEndpoints.registryUrl }).register(subject, drifted, "PROTOBUF");
    const { code, fails } = await check(deployment, good);
    assert.equal(code, 1);
    assert.equal(fails.length, 1, fails.join("\n"));
    assert.match(fails[0]!, new RegExp(`^FAIL {2}schema ${subject.replaceAll(".", "\\.")}: .*`));
  });
});
