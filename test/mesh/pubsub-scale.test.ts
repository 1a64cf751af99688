// 500 Pub/Sub subscriptions (one per tenant, found by discovery) with 20 events each, through
// the real bridge: every event in Kafka, decoded and compared field by field; none lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pubsubSource } from "../support/bridge.ts";
import { expectedRecords } from "../support/expected.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";
import { compareRecords } from "../support/records.ts";
import { legacyEvents } from "../support/worlds.ts";

const TENANTS = 500;
const PER_TENANT = 20;
const SEED = 4242;
const run = provisionPubSubTestWorld("ps500", { tenants: TENANTS, keyVersions: 2, orderedEvery: 10, orderingKeysPerTenant: 4 });

test("500 subscriptions x 20 events: every event in Kafka, field by field, none lost", { timeout: 240_000 }, async () => {
  const { world, collector } = run;
  const running = await run.startBridge({
    sources: { pubsub: pubsubSource({ discovery: [{ label: world.pubsub.label }], discoveryIntervalSeconds: 30 }) },
  });
  const expected = expectedRecords(legacyEvents(world, TENANTS * PER_TENANT, SEED), run.deployment.prefix);
  const started = Date.now();
  const published = await run.publish({ count: TENANTS * PER_TENANT, seed: SEED });
  assert.equal(published, TENANTS * PER_TENANT);
  const tenants = new Set(world.tenants);
  const arrived = await collector.waitFor(
    () =>
      new Set(collector.records.filter((record) => tenants.has(record.tenant)).map((record) => record.ceId)).size >=
        expected.records.size && collector.deadLetters.length >= expected.deadLetters.size,
    150_000,
  );
  const elapsedMs = Date.now() - started;
  const result = compareRecords(await collector.decoded(), expected, tenants);
  console.log(
    `500 subscriptions: ${published} events -> ${result.matched} catalog records matched, ${result.duplicates} duplicates, ` +
      `${result.missing.length} missing, ${result.mismatched.length} mismatched, ${collector.deadLetters.length} dead letters ` +
      `(expected ${expected.deadLetters.size}), ${expected.zeroOutputEvents} skipped, in ${elapsedMs} ms`,
  );
  assert.ok(arrived, `not everything arrived: missing ${result.missing.length}`);
  assert.deepEqual(result.missing, [], "lost events");
  assert.deepEqual(result.mismatched, [], "records differing from the mapping of their plain event");
  assert.deepEqual(result.unexpected, []);
  assert.equal(result.matched, expected.records.size);
  assert.equal(collector.deadLetters.length, expected.deadLetters.size);
  assert.deepEqual(running.errors(), []);
});
