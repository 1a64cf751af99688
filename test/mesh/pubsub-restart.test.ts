// Scenario 9 for Pub/Sub, on both servers, through the real bridge CLI: at least once through a
// restart. A backlog waits on the subscriptions; the first bridge is stopped (SIGTERM, 1 s grace)
// mid-drain, so what it had not finished is released (nacked) for redelivery. The second bridge
// then delivers exactly the rest: nothing the first one acked comes back (no record of the
// first run is written again), and every event ends up in Kafka (0 lost).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bridgeConfig, pubsubSource, startBridgeProcess } from "../support/bridge.ts";
import { expectedRecords } from "../support/expected.ts";
import { meshPubSubServers } from "../support/mesh.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";
import { tally } from "../support/records.ts";
import { legacyEvents } from "../support/worlds.ts";

const EVENTS = 1500;
const SEED = 909;

for (const server of meshPubSubServers) {
  describe(`at least once through a restart on ${server.name}`, { skip: server.skip, timeout: 300_000 }, () => {
    const run = provisionPubSubTestWorld("psrestart", {
      tenants: 1,
      keyVersions: 1,
      // Ordered, one key: its events are produced one after the other, so the first bridge holds
      // far more at SIGTERM than the 1 s grace can finish, and releases (nacks) the rest.
      orderedEvery: 1,
      orderingKeysPerTenant: 1,
      emulatorHost: server.emulatorHost,
    });

    test("released before the restart come back after it, and only those", async (t) => {
      const { deployment, world, collector } = run;
      const expected = expectedRecords(legacyEvents(world, EVENTS, SEED), deployment.prefix);
      assert.equal(expected.deadLetters.size, 0, "every event of the stream maps");
      assert.equal(await run.publish({ count: EVENTS, seed: SEED }), EVENTS);
      const config = bridgeConfig(deployment, world, {
        sources: {
          pubsub: pubsubSource({
            emulatorHost: server.emulatorHost,
            subscriptions: Object.values(world.pubsub.tenants).map((route) => route.subscription),
            maxMessagesPerPull: 1000,
            maxInFlightPerSubscription: 2000,
          }),
        },
        budget: { maxMessages: 2000 },
        shutdownGraceSeconds: 1,
      });

      const first = await startBridgeProcess(deployment, config, "first");
      await first.waitForMetric("meshbridge_source_messages_acked_total", 300, 120_000);
      assert.equal(await first.stop(), 0, "the first bridge stops cleanly");
      // Let the collector read everything the first run wrote.
      await collector.waitFor(() => false, 3_000);
      const firstRun = new Set(collector.records.map((record) => record.ceId));
      const firstCount = collector.records.length;
      assert.ok(firstRun.size < expected.records.size, "stopped mid-drain");

      const second = await startBridgeProcess(deployment, config, "second");
      try {
        assert.ok(
          await collector.waitFor(() => new Set(collector.records.map((r) => r.ceId)).size >= expected.records.size, 180_000),
          "every record after the restart",
        );
        await collector.waitFor(() => false, 2_000);
      } finally {
        assert.equal(await second.stop(), 0, "the second bridge stops cleanly");
      }
      const secondRun = collector.records.slice(firstCount);
      const { missing, unexpected, duplicates } = tally(expected.records, collector.records);
      const again = secondRun.filter((record) => firstRun.has(record.ceId)).length;
      const inFlightOf = (what: string): number => {
        const line = first.logs.find((entry) => entry.includes(what));
        return line === undefined ? 0 : Number(JSON.parse(line).inFlight);
      };
      const heldAtStop = inFlightOf("stopping: no new receives");

      t.diagnostic(
        `${server.name}: ${expected.records.size} records expected; first run ${firstRun.size}, second ${secondRun.length} ` +
          `(${again} of them already written by the first), ${duplicates} duplicates, ${missing.length} missing; ` +
          `${heldAtStop} in flight at SIGTERM`,
      );
      assert.deepEqual(missing.slice(0, 5), [], "lost events");
      assert.deepEqual(unexpected, []);
      assert.ok(secondRun.length > 0, "the second run delivered the released rest");
      // Held at SIGTERM and not written by the first run: released by it (no other way out).
      assert.ok(heldAtStop > 0, "the first bridge held messages when it was stopped");
      assert.equal(again, 0, "records the first run wrote (its messages acked) came back after the restart");
    });
  });
}
