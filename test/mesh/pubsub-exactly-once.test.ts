// Exactly-once subscriptions are refused (src/sources/pubsub/exactly-once.ts), on Google's
// emulator, which implements them (pstest does not): a configured one stops the start with a
// message naming it; a discovered one is skipped with one warning while the others are consumed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pubsubSource } from "../support/bridge.ts";
import { googlePubSubServer } from "../support/mesh.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";

describe("exactly-once subscriptions on Google's emulator", { skip: googlePubSubServer.skip, timeout: 120_000 }, () => {
  let exactlyOnce = "";
  const run = provisionPubSubTestWorld(
    "pseod",
    { tenants: 2, keyVersions: 1, orderedEvery: 0, orderingKeysPerTenant: 1, emulatorHost: googlePubSubServer.emulatorHost },
    async ({ world, pubsub }) => {
      // With the world's prefix, so discovery finds it; on the first tenant's topic.
      const route = world.pubsub.tenants[world.tenants[0]!]!;
      const [subscription] = await pubsub.topic(route.topic).createSubscription(`${world.pubsub.subscriptionPrefix}eod`, {
        ackDeadlineSeconds: 60,
        enableExactlyOnceDelivery: true,
      });
      const [metadata] = await subscription.getMetadata();
      assert.equal(metadata.enableExactlyOnceDelivery, true, "the emulator kept enable_exactly_once_delivery");
      exactlyOnce = subscription.name;
    },
  );

  test("a configured exactly-once subscription stops the start with a message naming it", async () => {
    await assert.rejects(
      run.startBridge({
        sources: { pubsub: pubsubSource({ subscriptions: [exactlyOnce.slice(exactlyOnce.lastIndexOf("/") + 1)] }) },
      }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`${exactlyOnce}.*exactly-once delivery enabled.*not support`));
        return true;
      },
    );
  });

  test("a discovered one is skipped with one warning; the others are consumed", async () => {
    const { world, collector } = run;
    const running = await run.startBridge({
      sources: {
        pubsub: pubsubSource({ discovery: [{ prefix: world.pubsub.subscriptionPrefix }], discoveryIntervalSeconds: 1 }),
      },
    });
    const published = await run.publish({ count: 20, seed: 5 });
    assert.equal(published, 20);
    const tenantEvents = (tenant: string) => collector.records.filter((record) => record.tenant === tenant).length;
    assert.ok(
      await collector.waitFor(() => world.tenants.every((tenant) => tenantEvents(tenant) > 0), 30_000),
      "the ordinary subscriptions were consumed",
    );
    // A few discovery scans: still one warning, and the exactly-once copies never read.
    await collector.waitFor(() => running.bridge.metrics.acked.get() > published, 3_500);
    const refusals = running.warnings.filter((line) => line.includes("exactly-once") && line.includes(exactlyOnce));
    assert.equal(refusals.length, 1, `warnings: ${running.warnings.join("\n")}`);
    // Each event once, from its tenant's ordinary subscription: the first tenant's copies on the
    // exactly-once subscription would add about ten acks.
    assert.equal(running.bridge.metrics.acked.get(), published, "acked source messages");
    await run.stopBridge();
  });
});
