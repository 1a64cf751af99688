// Fair share: one subscription flooded (a backlog of tens of thousands) and 99 trickling. The
// trickling ones keep a bounded publish -> produce latency: p99 under 2 s (the idle poll ceiling
// of 1 s — 99 idle subscriptions are within the default idle pacing of 100 pulls/s — plus processing).
import assert from "node:assert/strict";
import { test } from "node:test";
import { cloudEventId } from "../../src/mapping/identity.ts";
import { pubsubSource } from "../support/bridge.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";

const P99_BOUND_MS = 2000;
/** Waiting before the bridge starts, then topped up every round so the backlog outlasts the trickle. */
const FLOOD = 30_000;
const FLOOD_TOP_UP = 6_000;
const ROUNDS = 10;
const run = provisionPubSubTestWorld("psfair", { tenants: 100, keyVersions: 1, orderedEvery: 0, orderingKeysPerTenant: 1 });

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

test("one flooded subscription does not starve 99 trickling ones", { timeout: 180_000 }, async () => {
  const { world, collector } = run;
  const [flooded, ...trickling] = world.tenants as [string, ...string[]];
  // The flood is waiting before the bridge starts: a backlog from the first pull on.
  await run.publish({ tenants: [flooded], count: FLOOD, seed: 1 });
  const { bridge } = await run.startBridge({
    sources: {
      pubsub: pubsubSource({
        discovery: [{ prefix: world.pubsub.subscriptionPrefix }],
        maxInFlightPerSubscription: 200,
        idleMaxMs: 1000,
      }),
    },
    budget: { maxMessages: 1000 },
  });
  const publishedAt = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    const roundStart = Date.now();
    await run.publish({ tenants: [flooded], count: FLOOD_TOP_UP, seed: 2 + round });
    await run.publish({
      tenants: trickling,
      count: trickling.length,
      seed: 1000 + round,
      onPublished: ({ event, publishedAtMs }) => publishedAt.set(cloudEventId(event.tenant, event.eventId, 0), publishedAtMs),
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - roundStart))));
  }
  // Source messages settled so far, flood and trickle together: the flood's backlog is at least
  // what was published minus all of them.
  const ackedAtTrickleEnd = bridge.metrics.acked.get();
  const floodPublished = FLOOD + ROUNDS * FLOOD_TOP_UP;
  await collector.waitFor(
    () => collector.records.filter((record) => publishedAt.has(record.ceId)).length >= publishedAt.size * 0.7,
    20_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const latencies: number[] = [];
  const seen = new Set<string>();
  for (const record of collector.records) {
    const sent = publishedAt.get(record.ceId);
    if (sent === undefined || seen.has(record.ceId)) continue;
    seen.add(record.ceId);
    latencies.push(record.timestampMs - sent);
  }
  // Events that map to nothing (skipped) produce no record; the rest must all be there.
  const trickleTenants = new Set(trickling);
  const trickleRecords = collector.records.filter((record) => trickleTenants.has(record.tenant));
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(
    `fairness: flood ${floodPublished} events on 1 subscription (${ackedAtTrickleEnd} messages acked in all by the end of the trickle, flood backlog ≥ ${floodPublished - ackedAtTrickleEnd}); ` +
      `99 trickling x ${ROUNDS} rounds: ${latencies.length} first records, publish->produce p50 ${p50} ms, p99 ${p99} ms, max ${Math.max(...latencies)} ms (bound ${P99_BOUND_MS} ms)`,
  );
  assert.ok(floodPublished - ackedAtTrickleEnd > 2000, "the flood had no backlog left: the scenario proves nothing");
  assert.ok(
    latencies.length >= publishedAt.size * 0.7,
    `only ${latencies.length} of ${publishedAt.size} trickle events produced`,
  );
  assert.ok(trickleRecords.length > 0);
  assert.ok(p99 < P99_BOUND_MS, `trickle p99 ${p99} ms over ${P99_BOUND_MS} ms behind a flood`);
});
