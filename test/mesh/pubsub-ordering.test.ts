// Ordering keys through the real bridge: 50 keys x 100 events (5 ordered tenant subscriptions,
// 10 keys each). Every key's events must appear in publish order in every partition they reach,
// and (the bridge producing one event of a key only after the previous one was acked) in
// non-decreasing produce time across partitions. On pstest (one message per key in flight) and on
// Google's emulator (which may deliver several of a key at once: the bridge's OrderingGate keeps
// them in order).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cloudEventId } from "../../src/mapping/identity.ts";
import { pubsubSource } from "../support/bridge.ts";
import { meshPubSubServers } from "../support/mesh.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";

const TENANTS = 5;
const KEYS_PER_TENANT = 10;
const PER_KEY = 100;
for (const server of meshPubSubServers) {
  describe(`ordering through the bridge on ${server.name}`, { skip: server.skip }, () => {
    const run = provisionPubSubTestWorld("psord", {
      tenants: TENANTS,
      keyVersions: 2,
      orderedEvery: 1,
      orderingKeysPerTenant: KEYS_PER_TENANT,
      emulatorHost: server.emulatorHost,
    });

    test("50 ordering keys x 100 events: each key in order in its partitions", { timeout: 180_000 }, async () => {
      const { world, collector } = run;
      const running = await run.startBridge({
        sources: {
          pubsub: pubsubSource({ subscriptions: Object.values(world.pubsub.tenants).map((route) => route.subscription) }),
        },
      });
      // ce_id of every output of every event -> (ordering key, position in key).
      const byCeId = new Map<string, { key: string; sequence: number }>();
      const keys = new Set<string>();
      const published = await run.publish({
        count: TENANTS * KEYS_PER_TENANT * PER_KEY,
        seed: 77,
        onPublished: (item) => {
          assert.ok(item.orderingKey !== undefined, "every tenant of this world is ordered");
          keys.add(item.orderingKey);
          // A legacy event maps to at most a few catalog events.
          for (let index = 0; index < 4; index++) {
            byCeId.set(cloudEventId(item.event.tenant, item.event.eventId, index), {
              key: item.orderingKey,
              sequence: item.sequenceInKey,
            });
          }
        },
      });
      assert.equal(published, 5000);
      assert.equal(keys.size, 50);
      const started = Date.now();
      // Every event either produces records or is skipped; wait until acks stop coming.
      let last = -1;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const acked = running.bridge.metrics.acked.get();
        if (acked >= published || acked === last || Date.now() - started > 150_000) break;
        last = acked;
      }
      await collector.waitFor(() => false, 1500);
      const records = collector.records.filter((record) => byCeId.has(record.ceId));
      // Per (ordering key, partition): sequences strictly increasing by offset (first copies).
      const lanes = new Map<string, { sequence: number; offset: bigint; timestampMs: number }[]>();
      const perKeyTimes = new Map<string, { sequence: number; timestampMs: number }[]>();
      const seen = new Set<string>();
      let duplicates = 0;
      for (const record of records) {
        if (seen.has(record.ceId)) {
          duplicates++;
          continue;
        }
        seen.add(record.ceId);
        const { key, sequence } = byCeId.get(record.ceId)!;
        const lane = `${key} ${record.topic}/${record.partition}`;
        lanes.set(lane, [...(lanes.get(lane) ?? []), { sequence, offset: record.offset, timestampMs: record.timestampMs }]);
        perKeyTimes.set(key, [...(perKeyTimes.get(key) ?? []), { sequence, timestampMs: record.timestampMs }]);
      }
      let violations = 0;
      let pairs = 0;
      for (const [lane, entries] of lanes) {
        entries.sort((a, b) => (a.offset < b.offset ? -1 : 1));
        for (let index = 1; index < entries.length; index++) {
          pairs++;
          // Equal sequence: two outputs of one legacy event, written together in order.
          if (entries[index]!.sequence < entries[index - 1]!.sequence) {
            violations++;
            if (violations <= 5)
              console.log(`out of order in ${lane}: ${entries[index - 1]!.sequence} then ${entries[index]!.sequence}`);
          }
        }
      }
      let timeViolations = 0;
      for (const entries of perKeyTimes.values()) {
        entries.sort((a, b) => a.sequence - b.sequence);
        for (let index = 1; index < entries.length; index++) {
          if (entries[index]!.timestampMs < entries[index - 1]!.timestampMs) timeViolations++;
        }
      }
      const keysSeen = new Set([...seen].map((ceId) => byCeId.get(ceId)!.key));
      console.log(
        `ordering: ${published} events on 50 keys -> ${seen.size} records in ${lanes.size} (key, partition) lanes, ` +
          `${pairs} adjacent pairs checked, ${violations} out of order, ${timeViolations} produce-time inversions, ` +
          `${duplicates} duplicates, acked ${running.bridge.metrics.acked.get()} in ${Date.now() - started} ms`,
      );
      assert.equal(running.bridge.metrics.acked.get(), published, "every event acked");
      assert.equal(keysSeen.size, 50, "records for every ordering key");
      assert.ok(pairs > 2000, `too few pairs to say anything (${pairs})`);
      assert.equal(violations, 0, "events of an ordering key out of order in a partition");
      assert.equal(timeViolations, 0, "a key's event produced before its predecessor");
    });
  });
}
