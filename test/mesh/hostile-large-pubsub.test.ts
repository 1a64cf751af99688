// The largest Pub/Sub message there is: 10 MB (Pub/Sub's limit) of junk, on Google's own
// emulator, which accepts it (pstest refuses a publish above 4 MiB). The bridge pulls it over its
// own channel (no gRPC receive limit), dead-letters it whole with its context into a dead-letter
// topic sized for it, keeps running, and its healthy neighbours all reach Kafka.
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { dlqHeader } from "../../src/pipeline/records.ts";
import { bridgeConfig, pubsubSource, startBridgeProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { googlePubSubServer, meshPubSub } from "../support/mesh.ts";
import { collectRecords, tally } from "../support/records.ts";
import { legacyEvents, provisionPubSubWorld } from "../support/worlds.ts";

/** Pub/Sub's limit is 10 MB per message, attributes and framing included: a body just below it. */
const TEN_MB_BODY = 10 * 1000 * 1000 - 4096;

it("Pub/Sub (Google's emulator): a 10 MB junk body is dead-lettered whole; neighbours unaffected", {
  skip: googlePubSubServer.skip,
}, async (t) => {
  const deployment = await isolatedDeployment("hostile-10mb", {
    topicConfig: { dlq: { "max.message.bytes": String(12 * 1024 * 1024) } },
  });
  const emulatorHost = googlePubSubServer.emulatorHost;
  const world = await provisionPubSubWorld(deployment, {
    tenants: 2,
    keyVersions: 1,
    orderedEvery: 0,
    orderingKeysPerTenant: 1,
    emulatorHost,
  });
  const pubsub = meshPubSub(world.pubsub.project, emulatorHost);
  after(() => pubsub.close());
  const tenant = world.tenants[0]!;
  const topicOf = (name: string) => pubsub.topic(world.pubsub.tenants[name]!.topic);
  const junk = Buffer.alloc(TEN_MB_BODY, "Z");
  const junkId = await topicOf(tenant).publishMessage({ data: junk, attributes: { note: "ten megabytes" } });
  const healthy = legacyEvents(world, 30, Date.now() % 1e9);
  const { records: expected } = expectedRecords(healthy, deployment.prefix);
  for (const event of healthy) await topicOf(event.tenant).publishMessage({ data: Buffer.from(event.envelope) });

  const subscriptions = world.tenants.map((name) => world.pubsub.tenants[name]!.subscription);
  const bridge = await startBridgeProcess(
    deployment,
    bridgeConfig(deployment, world, { sources: { pubsub: pubsubSource({ subscriptions, emulatorHost }) } }),
  );
  const pid = bridge.child.pid;
  try {
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records, dead) => tally(expected, records).missing.length === 0 && dead.length >= 1,
      180_000,
    );
    t.diagnostic(`${healthy.length} healthy -> ${catalog.length} records; ${deadLetters.length} dead letters`);
    assert.equal(bridge.child.exitCode, null, "the bridge is still running");
    assert.equal(bridge.child.pid, pid);
    assert.deepEqual(tally(expected, catalog).missing, [], "healthy events missing from Kafka");
    assert.equal(deadLetters.length, 1, "the junk, and only it");
    const [record] = deadLetters;
    assert.equal(record!.headers.get(dlqHeader.sourceMessageId), junkId);
    assert.equal(record!.headers.get(dlqHeader.stage), "envelope");
    assert.equal(record!.headers.get(dlqHeader.errorClass), "MalformedEnvelope");
    assert.equal(record!.headers.get(`${dlqHeader.attributePrefix}note`), "ten megabytes");
    assert.equal(record!.value.length, junk.length);
    assert.ok(record!.value.equals(junk), "the original 10 MB body, unchanged");
  } finally {
    assert.equal(await bridge.stop(), 0, "the bridge exits with 0 at SIGTERM");
  }
});
