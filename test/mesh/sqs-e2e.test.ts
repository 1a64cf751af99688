// The SQS path end to end on the local mesh: legacy events of many tenants, encrypted per
// tenant, in both forms SNS delivers (raw, and Notification JSON with the attributes inside),
// arrive in Kafka as registered Protobuf; every record is decoded through the registry and
// compared field by field with the expectation computed from the simulator's plain input.
// Throughput runs on ElasticMQ (the simulator writes SNS's forms to the queue); the KMS run goes
// through real SNS fan-in on moto, whose KMS it needs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WorldFile } from "../../tools/simulator/world.ts";
import { type BridgeProcess, sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { DeliveryLedger } from "../support/delivery.ts";
import { type Deployment, isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { collectRecords, compareRecords } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

async function runScenario(
  t: { diagnostic: (message: string) => void },
  deployment: Deployment,
  world: WorldFile,
  perTenant: number,
): Promise<void> {
  const bridge: BridgeProcess = await startBridgeProcess(
    deployment,
    sqsBridgeConfig(deployment, world, {}, { logLevel: "debug" }),
  );
  const ledger = new DeliveryLedger();
  try {
    const sent = legacyEvents(world, world.tenants.length * perTenant, Math.floor(Math.random() * 2 ** 31));
    const started = Date.now();
    // Open-loop at a steady rate, far below what ElasticMQ takes; moto scans a queue's whole
    // backlog on every receive, so there a flood would measure moto's O(backlog) receive.
    const published = await publishToSqsWorld(world, sent, {
      rate: world.aws.delivery === "direct" ? 2000 : 500,
      concurrency: 8,
      ledger,
    });
    assert.equal(published, sent.length);
    const expected = expectedRecords(sent, deployment.prefix);
    // A timeout here is reported below, after the accounting has said what went missing where.
    const allAcked = await bridge.waitForMetric("meshbridge_source_messages_acked_total", sent.length, 240_000).then(
      () => true,
      () => false,
    );
    const elapsed = (Date.now() - started) / 1000;
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records) => records.length >= expected.records.size,
      60_000,
    );
    const result = compareRecords(catalog, expected);
    const acked = await bridge.metric("meshbridge_source_messages_acked_total");
    const redelivered = acked - sent.length;
    t.diagnostic(
      `${sent.length} legacy events -> ${expected.records.size} catalog records expected, ${catalog.length} read, ` +
        `${result.duplicates} duplicate records, ${redelivered} redelivered source messages, ${deadLetters.length} dead letters, ` +
        `${(sent.length / elapsed).toFixed(0)} events/s publish-to-ack`,
    );
    assert.deepEqual(result.missing.slice(0, 5), [], ledger.explain(result.missing, expected.records, bridge.logs));
    assert.ok(allAcked, `${acked} of ${sent.length} source messages acked within 240 s`);
    assert.deepEqual(result.unexpected.slice(0, 5), [], `${result.unexpected.length} records nobody expected`);
    assert.deepEqual(result.mismatched, [], "records that differ from the expectation");
    assert.equal(deadLetters.length, 0, "healthy events must not be dead-lettered");
    assert.equal(await bridge.metric("meshbridge_dead_lettered_total"), 0);
    // Events that map to nothing leave no record: the bridge's skip counter accounts for them
    // (a redelivered one may be counted twice, never less than once).
    const skipped = await bridge.metric("meshbridge_skipped_total");
    assert.ok(
      skipped >= expected.zeroOutputEvents && skipped <= expected.zeroOutputEvents + redelivered,
      `skipped ${skipped}, expected ${expected.zeroOutputEvents} (+ at most ${redelivered} redeliveries)`,
    );
  } finally {
    assert.equal(await bridge.stop(), 0, "graceful shutdown exits 0");
  }
}

describe("SQS path end to end", () => {
  it("50 tenants x 200 events, per-tenant routes (half raw delivery), static keys, ElasticMQ: all in Kafka, field by field", async (t) => {
    const deployment = await isolatedDeployment("sqs-e2e");
    const world = await provisionSqsWorld(deployment, 50, { topology: "per-tenant", keys: "static" });
    assert.equal(world.aws.delivery, "direct");
    assert.ok(Object.values(world.aws.topics).some((topic) => topic.rawDelivery));
    assert.ok(Object.values(world.aws.topics).some((topic) => !topic.rawDelivery));
    await runScenario(t, deployment, world, 200);
  });

  it("per-event-type SNS topics fanning in on moto, and AWS KMS envelope keys", async (t) => {
    const deployment = await isolatedDeployment("sqs-kms");
    const world = await provisionSqsWorld(deployment, 10, { queue: "moto-sns", topology: "per-type", keys: "aws-kms" });
    await runScenario(t, deployment, world, 30);
  });
});
