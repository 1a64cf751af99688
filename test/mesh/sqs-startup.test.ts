// Start-up refuses to run against a deployment that differs from the code: a registered schema
// that drifted from the generated one, or a missing topic. The message names what and where.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { orderPlacedTopic } from "../../catalog/topics.ts";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import { runBridgeToExit, sqsBridgeConfig } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { deleteTopics } from "../support/kafka.ts";
import { provisionSqsWorld } from "../support/worlds.ts";

it("schema drift: the registered latest differs from the generated schema -> start-up refused, naming subject and difference", async () => {
  const deployment = await isolatedDeployment("drift");
  const world = await provisionSqsWorld(deployment, 1);
  const subject = `${deployment.prefix}${orderPlacedTopic.topic}-value`;
  const original = readFileSync(orderPlacedTopic.protoPath, "utf8");
  // A later version someone registered by hand: one field more (BACKWARD-compatible, so accepted).
  const drifted = original.replace(/\n}\s*$/, "\n  string coupon_code = 999;\n}\n");
  assert.notEqual(drifted, original);
  await new RegistryClient({ url: meshEndpoints.registryUrl }).register(subject, drifted, "PROTOBUF");

  const { code, stderr } = await runBridgeToExit(deployment, sqsBridgeConfig(deployment, world));
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
  const { code, stderr } = await runBridgeToExit(deployment, sqsBridgeConfig(deployment, world));
  assert.equal(code, 1, stderr);
  assert.match(stderr, new RegExp(`topic '${gone.replaceAll(".", "\\.")}' does not exist`));
});
