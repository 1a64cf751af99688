// Start-up refuses to run against a deployment that differs from the code: a registered schema
// that drifted from the generated one, or a missing topic. The message names what and where.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { orderPlacedTopic } from "../../catalog/topics.ts";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import { bridgeConfig, type Deployment, isolatedDeployment, provisionSqsWorld } from "../support/bridge-run.ts";
import { deleteTopics } from "../support/kafka-admin.ts";

/** Runs `meshbridge run` to its exit; start-up failures end the process with code 1. */
function runToExit(deployment: Deployment, config: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  const file = join(deployment.directory, "startup.json");
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [join(repoRoot, "src", "cli", "main.ts"), "run", "--config", file], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

it("schema drift: the registered latest differs from the generated schema -> start-up refused, naming subject and difference", async () => {
  const deployment = await isolatedDeployment("drift");
  const world = await provisionSqsWorld(deployment, 1);
  const subject = `${deployment.prefix}${orderPlacedTopic.topic}-value`;
  const original = readFileSync(orderPlacedTopic.protoPath, "utf8");
  // A later version someone registered by hand: one field more (BACKWARD-compatible, so accepted).
  const drifted = original.replace(/\n}\s*$/, "\n  string coupon_code = 999;\n}\n");
  assert.notEqual(drifted, original);
  await new RegistryClient({ url: meshEndpoints.registryUrl }).register(subject, drifted, "PROTOBUF");

  const { code, stderr } = await runToExit(deployment, bridgeConfig(deployment, world));
  assert.equal(code, 1, stderr);
  assert.match(stderr, new RegExp(subject.replaceAll(".", "\\.")));
  assert.match(stderr, /coupon_code/, "the difference is shown");
  assert.doesNotMatch(stderr, /bridge running/);
});

it("a missing topic -> start-up refused, naming the topic", async () => {
  const deployment = await isolatedDeployment("missing-topic");
  const world = await provisionSqsWorld(deployment, 1);
  const gone = `${deployment.prefix}${orderPlacedTopic.topic}`;
  await deleteTopics([gone]);
  const { code, stderr } = await runToExit(deployment, bridgeConfig(deployment, world));
  assert.equal(code, 1, stderr);
  assert.match(stderr, new RegExp(`topic '${gone.replaceAll(".", "\\.")}' does not exist`));
});
