// 500 Pub/Sub subscriptions (one per tenant, found by discovery) with 20 events each, through
// the real bridge: every event in Kafka, decoded and compared field by field; none lost.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { simulateProvisionPubSub, simulatePublishPubSub } from "../../src/cli/commands/simulate.ts";
import { legacyStream, type SealedEvent } from "../../src/simulator/legacy-stream.ts";
import { deletePubSubWorld, type PubSubWorldFile, pubsubSealKeys } from "../../src/simulator/pubsub-world.ts";
import { meshPubSub, uniqueName } from "../support/mesh.ts";
import {
  type BridgeUnderTest,
  compareRecords,
  expectationsFor,
  PUBSUB_PROJECT,
  prepareCatalog,
  RecordCollector,
  SIM_DIR,
  startTestBridge,
  type TestCatalog,
} from "./pubsub-harness.ts";

const TENANTS = 500;
const PER_TENANT = 20;
const SEED = 4242;
const pubsub = meshPubSub(PUBSUB_PROJECT);
let world: PubSubWorldFile;
let catalog: TestCatalog;
let collector: RecordCollector;
let running: BridgeUnderTest | undefined;

before(async () => {
  catalog = await prepareCatalog("ps500");
  const name = uniqueName("ps500");
  world = await simulateProvisionPubSub({
    project: PUBSUB_PROJECT,
    emulatorHost: meshEndpoints.pubsubEmulatorHost,
    name,
    tenants: TENANTS,
    keyVersions: 2,
    orderedEvery: 10,
    orderingKeysPerTenant: 4,
    directory: SIM_DIR,
    tenantNames: Array.from({ length: TENANTS }, (_, index) => `${name}-t${index}`),
  });
  collector = await RecordCollector.open(catalog);
});

after(async () => {
  await running?.bridge.stop();
  await collector?.close();
  if (world !== undefined) await deletePubSubWorld(pubsub, world.pubsub);
  await pubsub.close();
});

test("500 subscriptions x 20 events: every event in Kafka, field by field, none lost", { timeout: 240_000 }, async () => {
  running = await startTestBridge(catalog, world.keys.bridgeKeyFile, {
    pubsub: {
      project: PUBSUB_PROJECT,
      emulatorHost: meshEndpoints.pubsubEmulatorHost,
      discovery: [{ label: world.pubsub.label }],
      discoveryIntervalSeconds: 30,
    },
  });
  const events: SealedEvent[] = [
    ...legacyStream({
      tenants: world.tenants,
      keyVersions: world.keyVersions,
      count: TENANTS * PER_TENANT,
      seed: SEED,
      targetBytes: 0,
      keyFor: pubsubSealKeys(world),
    }),
  ];
  const expected = expectationsFor(events, catalog.prefix);
  const started = Date.now();
  const published = await simulatePublishPubSub({
    emulatorHost: meshEndpoints.pubsubEmulatorHost,
    world,
    count: TENANTS * PER_TENANT,
    rate: 0,
    seed: SEED,
    targetBytes: 0,
  });
  assert.equal(published, TENANTS * PER_TENANT);
  const tenants = new Set(world.tenants);
  const arrived = await collector.waitFor(
    () =>
      new Set(collector.records.filter((record) => tenants.has(record.tenant)).map((record) => record.ceId)).size >=
        expected.records.size && collector.deadLetters.length >= expected.deadLetters.size,
    150_000,
  );
  const elapsedMs = Date.now() - started;
  const result = await compareRecords(collector.records, expected, tenants, catalog.prefix);
  console.log(
    `500 subscriptions: ${published} events -> ${result.matched} catalog records matched, ${result.duplicates} duplicates, ` +
      `${result.missing.length} missing, ${result.mismatched.length} mismatched, ${collector.deadLetters.length} dead letters ` +
      `(expected ${expected.deadLetters.size}), ${expected.skipped} skipped, in ${elapsedMs} ms`,
  );
  assert.ok(arrived, `not everything arrived: missing ${result.missing.length}`);
  assert.deepEqual(result.missing, [], "lost events");
  assert.deepEqual(result.mismatched, [], "records differing from the mapping of their plain event");
  assert.equal(result.unexpected, 0);
  assert.equal(result.matched, expected.records.size);
  assert.equal(collector.deadLetters.length - 0, expected.deadLetters.size);
  assert.equal(running.warnings.filter((line) => line.includes('"level":"error"')).length, 0);
});
