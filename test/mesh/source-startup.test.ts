// A source that cannot be read stops the start with a message naming it (as a missing Kafka
// topic does), instead of "bridge running", /readyz 200 and an endless error log: a missing SQS
// queue, a missing Pub/Sub subscription, and Pub/Sub without Google credentials.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { repoRoot } from "../../infra/stack/ports.ts";
import type { PubSubWorldFile } from "../../tools/simulator/pubsub-world.ts";
import { bridgeConfig, pubsubSource, runBridgeToExit, sqsBridgeConfig } from "../support/bridge.ts";
import { type Deployment, isolatedDeployment } from "../support/deployment.ts";
import { provisionPubSubWorld, provisionSqsWorld } from "../support/worlds.ts";

describe("start-up refuses a source it cannot read", () => {
  let deployment: Deployment;
  let world: PubSubWorldFile;
  before(async () => {
    deployment = await isolatedDeployment("source-startup");
    world = await provisionPubSubWorld(deployment, { tenants: 1, keyVersions: 1, orderedEvery: 0, orderingKeysPerTenant: 1 });
  });

  it("a missing SQS queue: exit 1, naming the queue", async () => {
    const sqsWorld = await provisionSqsWorld(deployment, 1);
    const queueUrl = `${sqsWorld.aws.queueUrl}-gone`;
    const { code, stderr } = await runBridgeToExit(deployment, sqsBridgeConfig(deployment, sqsWorld, { queueUrl }));
    assert.equal(code, 1, stderr);
    assert.match(stderr, new RegExp(`sources\\.sqs\\[0\\] queue ${queueUrl.replaceAll(".", "\\.")}: the queue does not exist`));
    assert.doesNotMatch(stderr, /bridge running/);
  });

  it("a missing Pub/Sub subscription: exit 1, naming it", async () => {
    const config = bridgeConfig(deployment, world, { sources: { pubsub: pubsubSource({ subscriptions: ["no-such-sub"] }) } });
    const { code, stderr } = await runBridgeToExit(deployment, config);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /sources\.pubsub subscription projects\/.+\/subscriptions\/no-such-sub: does not exist/);
    assert.doesNotMatch(stderr, /bridge running/);
  });

  it("Pub/Sub without credentials (no emulator, no Application Default Credentials): exit 1 at once, saying so", async () => {
    const home = mkdtempSync(join(tmpdir(), "mb-nocreds-"));
    const config = bridgeConfig(deployment, world, {
      sources: { pubsub: { project: "meshbridge-test", subscriptions: ["any-sub"] } },
    });
    const file = join(deployment.directory, "no-credentials.json");
    writeFileSync(file, JSON.stringify(config));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      CLOUDSDK_CONFIG: home,
      METADATA_SERVER_DETECTION: "none",
    };
    const child = spawn(process.execPath, [join(repoRoot, "src", "cli", "main.ts"), "run", "--config", file], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const began = Date.now();
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearTimeout(timer);
    assert.equal(code, 1, stderr);
    assert.ok(Date.now() - began < 30_000, `exited after ${Date.now() - began} ms`);
    assert.match(
      stderr,
      /sources\.pubsub subscription projects\/meshbridge-test\/subscriptions\/any-sub: cannot be read: .*credentials/i,
    );
    assert.doesNotMatch(stderr, /bridge running/);
  });
});
