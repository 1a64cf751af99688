// Discovery while the bridge runs: a subscription created with the world's prefix is consumed
// within two discovery intervals; one deleted (with messages in flight) is released quietly
// and the others carry on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pubsubSource } from "../support/bridge.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";

const INTERVAL_S = 3;
const run = provisionPubSubTestWorld("psdisc", { tenants: 6, keyVersions: 1, orderedEvery: 0, orderingKeysPerTenant: 1 });

const eventsOf = (tenant: string): number => run.collector.records.filter((record) => record.tenant === tenant).length;

async function publish(only: readonly string[], count: number, seed: number): Promise<void> {
  await run.publish({ tenants: only, count, seed });
}

test("created while running: consumed within two discovery intervals; deleted: released quietly", {
  timeout: 180_000,
}, async () => {
  const { world, collector, pubsub } = run;
  const tenants = world.tenants;
  // The last tenant's subscription does not exist yet when the bridge starts.
  await pubsub.subscription(world.pubsub.tenants[tenants[5]!]!.subscription).delete();
  const running = await run.startBridge({
    sources: {
      pubsub: pubsubSource({ discovery: [{ prefix: world.pubsub.subscriptionPrefix }], discoveryIntervalSeconds: INTERVAL_S }),
    },
  });
  const initial = tenants.slice(0, 5);
  await publish(initial, 50, 1);
  assert.ok(
    await collector.waitFor(() => initial.every((tenant) => eventsOf(tenant) > 0), 30_000),
    "the five discovered subscriptions are consumed",
  );

  // A new tenant's subscription appears; its events are already waiting on it.
  const fresh = world.pubsub.tenants[tenants[5]!]!;
  await pubsub.topic(fresh.topic).createSubscription(fresh.subscription.slice(fresh.subscription.lastIndexOf("/") + 1), {
    ackDeadlineSeconds: 30,
  });
  const createdAt = Date.now();
  await publish([tenants[5]!], 10, 2);
  const found = await collector.waitFor(() => eventsOf(tenants[5]!) > 0, 4 * INTERVAL_S * 1000);
  const pickedUpMs = Date.now() - createdAt;
  console.log(`new subscription consumed ${pickedUpMs} ms after it was created (discovery interval ${INTERVAL_S} s)`);
  assert.ok(found, "the new subscription was never consumed");
  assert.ok(pickedUpMs <= 2 * INTERVAL_S * 1000, `picked up after ${pickedUpMs} ms, more than two intervals`);

  // Delete one subscription with messages in flight; the others must carry on undisturbed.
  const doomed = world.pubsub.tenants[tenants[0]!]!;
  await publish([tenants[0]!], 200, 3);
  await pubsub.subscription(doomed.subscription).delete();
  const before = new Map(tenants.slice(1).map((tenant) => [tenant, eventsOf(tenant)]));
  await publish(tenants.slice(1), 100, 4);
  assert.ok(
    await collector.waitFor(() => tenants.slice(1).every((tenant) => eventsOf(tenant) > before.get(tenant)!), 30_000),
    "the other subscriptions stopped being consumed after a deletion",
  );
  await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_S * 1000));
  const stats = running.bridge;
  const errors = running.errors();
  console.log(`after the deletion: ${running.warnings.length} warning/error lines`, running.warnings.slice(0, 3));
  assert.deepEqual(errors, [], "errors after a deletion");
  assert.ok(running.warnings.length <= 2, `a storm of ${running.warnings.length} warnings after one deletion`);
  // The other subscriptions' events may still be on their way on a loaded machine: the budget
  // must come back, by however long that takes, not by a fixed time.
  const budgetBack = Date.now() + 60_000;
  while (stats.budget.messages >= 50 && Date.now() < budgetBack) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.ok(stats.budget.messages < 50, `budget not given back after the deletion (${stats.budget.messages} in flight)`);
  await run.stopBridge();
});
