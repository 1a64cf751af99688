// The dead-letter repair for Pub/Sub (pstest), the same scenario as test/mesh/dlq-replay.test.ts:
// two tenants' keys missing, their events dead-lettered from their subscriptions (ordered ones
// among them, whose ordering key the dead letter keeps); one tenant's key provisioned, its dead
// letters replayed from the DLQ into the catalog exactly once; the other's back with
// mb_replay_count 1. See test/support/dlq-replay.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { bridgeConfig, pubsubSource } from "../support/bridge.ts";
import { runRepairScenario } from "../support/dlq-replay.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";
import { legacyEvents } from "../support/worlds.ts";

const gcp = provisionPubSubTestWorld("dlqps", { tenants: 3, keyVersions: 2, orderedEvery: 2, orderingKeysPerTenant: 2 });

test("Pub/Sub dead letters of tenants without keys: inspected, then replayed from the DLQ once a key exists", {
  timeout: 240_000,
}, async (t) => {
  const { deployment, world } = gcp;
  const [, fixed, stillMissing] = world.tenants as [string, string, string];
  const fullKeys = JSON.parse(readFileSync(world.keys.bridgeKeyFile, "utf8")) as { tenants: Record<string, unknown> };
  const keyFile = join(deployment.directory, "bridge-keys.json");
  writeFileSync(keyFile, JSON.stringify({ tenants: { ...fullKeys.tenants, [fixed]: undefined, [stillMissing]: undefined } }));
  const sources = { pubsub: pubsubSource({ discovery: [{ label: world.pubsub.label }] }) };
  const config = bridgeConfig(deployment, world, { sources, keyFile });

  const seed = Date.now() % 1e9;
  const sent = legacyEvents(world, 90, seed);
  await gcp.startBridge({ sources, keyFile });
  await gcp.publish({ count: sent.length, seed });
  await runRepairScenario(t, { deployment, config, sent, fixed, stillMissing, fullKeys, stopBridge: () => gcp.stopBridge() });
});
