// An SQS FIFO queue through the real bridge, on ElasticMQ: 50 message groups x 100 events while
// Kafka twice refuses every write to the catalog topics for a few seconds, and the records
// already written stay. The refusal: the topics' message.timestamp.before.max.ms set to 0, so
// the broker answers INVALID_TIMESTAMP, which the sink reports as transient, as it does a broker
// out of reach (min.insync.replicas above the replication factor no longer fails on Kafka 4:
// it is capped at the replication factor). Every group's events must reach Kafka in send order
// (first copies, by produce time and by offset within a partition), none lost; duplicates counted.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from "@platformatic/kafka";
import { writeToQueue } from "../../tools/simulator/publish-sqs.ts";
import { bridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { DeliveryLedger } from "../support/delivery.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { newAdmin } from "../support/kafka.ts";
import { createQueue, deleteQueue, meshQueueSqs } from "../support/mesh.ts";
import { collectRecords, compareRecords } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld } from "../support/worlds.ts";

const GROUPS = 50;
const PER_GROUP = 100;
const OUTAGE_MS = 4000;

describe("SQS FIFO through the bridge", () => {
  it("50 groups x 100 events with Kafka refusing writes twice: each group in order, nothing lost", async (t) => {
    const deployment = await isolatedDeployment("sqs-fifo");
    const world = await provisionSqsWorld(deployment, 10);
    const sqs = meshQueueSqs();
    const admin = newAdmin();
    const queue = await createQueue(sqs, `${deployment.prefix.slice(0, -1).replaceAll(".", "-")}.fifo`, {
      FifoQueue: "true",
    });
    t.after(async () => {
      await deleteQueue(sqs, queue).catch(() => undefined);
      sqs.destroy();
      await admin.close();
    });
    const sent = legacyEvents(world, GROUPS * PER_GROUP, Math.floor(Math.random() * 2 ** 31));
    // Event i is the (i / 50)th of group i % 50: a batch of 10 holds 10 different groups.
    const position = new Map<string, { group: string; sequence: number }>();
    sent.forEach((event, index) => {
      position.set(event.eventId, { group: `g${index % GROUPS}`, sequence: Math.floor(index / GROUPS) });
    });
    const bridge = await startBridgeProcess(
      deployment,
      bridgeConfig(deployment, world, { sources: { sqs: [{ queueUrl: queue.url }] }, logLevel: "debug" }),
    );
    t.after(() => bridge.child.kill("SIGKILL"));
    const ledger = new DeliveryLedger();
    // One batch at a time: the queue keeps each group in the order the test sends it.
    const writing = writeToQueue(sqs, { ...world.aws, queueUrl: queue.url }, sent, {
      rate: 0,
      concurrency: 1,
      groupOf: (event) => position.get(event.eventId)!.group,
      onSent: (event, messageId) => ledger.sent(event.eventId, messageId),
    });

    const catalogTopics = deployment.catalog.map((entry) => entry.topic);
    const refuseWrites = (refuse: boolean) =>
      admin.incrementalAlterConfigs({
        resources: catalogTopics.map((name) => ({
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: name,
          configs: [
            refuse
              ? { name: "message.timestamp.before.max.ms", configOperation: IncrementalAlterConfigOperationTypes.SET, value: "0" }
              : { name: "message.timestamp.before.max.ms", configOperation: IncrementalAlterConfigOperationTypes.DELETE },
          ],
        })),
      });
    let retriesBefore = 0;
    for (const atAcked of [GROUPS * PER_GROUP * 0.2, GROUPS * PER_GROUP * 0.5]) {
      await bridge.waitForMetric("meshbridge_source_messages_acked_total", atAcked, 240_000);
      retriesBefore = await bridge.metric("meshbridge_transient_retries_total");
      await refuseWrites(true);
      await sleep(OUTAGE_MS);
      await refuseWrites(false);
    }
    assert.equal(await writing, sent.length, "the queue accepted every event");
    const retries = (await bridge.metric("meshbridge_transient_retries_total")) - retriesBefore;

    const expected = expectedRecords(sent, deployment.prefix);
    const allAcked = await bridge.waitForMetric("meshbridge_source_messages_acked_total", sent.length, 300_000).then(
      () => true,
      () => false,
    );
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records) => new Set(records.map((record) => record.ceId)).size >= expected.records.size,
      120_000,
    );
    const result = compareRecords(catalog, expected);

    // Per group, per event: when its records were first produced (first copies only).
    const seen = new Set<string>();
    const byGroup = new Map<string, Map<number, { firstMs: number; lastMs: number }>>();
    const lanes = new Map<string, { sequence: number; offset: bigint }[]>();
    for (const record of catalog) {
      const eventId = expected.records.get(record.ceId)?.eventId;
      if (eventId === undefined || seen.has(record.ceId)) continue;
      seen.add(record.ceId);
      const place = position.get(eventId)!;
      let events = byGroup.get(place.group);
      if (events === undefined) {
        events = new Map();
        byGroup.set(place.group, events);
      }
      const times = events.get(place.sequence);
      if (times === undefined) events.set(place.sequence, { firstMs: record.timestampMs, lastMs: record.timestampMs });
      else {
        times.firstMs = Math.min(times.firstMs, record.timestampMs);
        times.lastMs = Math.max(times.lastMs, record.timestampMs);
      }
      const lane = `${place.group} ${record.topic}/${record.partition}`;
      lanes.set(lane, [...(lanes.get(lane) ?? []), { sequence: place.sequence, offset: record.offset }]);
    }
    // Out of order: a record of a group's event produced (first copy) before the last record of
    // an event sent ahead of it in the group was.
    let outOfOrder = 0;
    for (const [group, events] of byGroup) {
      const ordered = [...events].sort((a, b) => a[0] - b[0]);
      for (let index = 1; index < ordered.length; index++) {
        const [previous, before] = ordered[index - 1]!;
        const [sequence, times] = ordered[index]!;
        if (times.firstMs < before.lastMs) {
          outOfOrder++;
          if (outOfOrder <= 5) t.diagnostic(`group ${group}: event ${sequence} produced before event ${previous} was done`);
        }
      }
    }
    let laneInversions = 0;
    for (const entries of lanes.values()) {
      entries.sort((a, b) => (a.offset < b.offset ? -1 : 1));
      for (let index = 1; index < entries.length; index++) {
        if (entries[index]!.sequence < entries[index - 1]!.sequence) laneInversions++;
      }
    }
    const acked = await bridge.metric("meshbridge_source_messages_acked_total");
    t.diagnostic(
      `${sent.length} events in ${GROUPS} groups -> ${expected.records.size} records expected, ${seen.size} distinct read, ` +
        `${result.missing.length} lost, ${result.duplicates} duplicate records, ${acked - sent.length} redelivered messages, ` +
        `${outOfOrder} out of order by produce time, ${laneInversions} inversions within a partition, ` +
        `${retries} produce retries during the last outage, ${deadLetters.length} dead letters`,
    );
    assert.deepEqual(result.missing.slice(0, 5), [], ledger.explain(result.missing, expected.records, bridge.logs));
    assert.ok(allAcked, `${acked} of ${sent.length} source messages acked`);
    assert.ok(retries > 0, "the outage made produces fail and retry");
    assert.deepEqual(result.unexpected.slice(0, 5), [], `${result.unexpected.length} records nobody expected`);
    assert.deepEqual(result.mismatched, [], "records that differ from the expectation");
    assert.equal(deadLetters.length, 0, "a transient failure never dead-letters");
    assert.equal(byGroup.size, GROUPS, "records for every group");
    assert.equal(outOfOrder, 0, "a group's event produced before its predecessor");
    assert.equal(laneInversions, 0, "a group's events out of order within a partition");
    assert.equal(await bridge.stop(), 0, "graceful shutdown exits 0");
  });
});
