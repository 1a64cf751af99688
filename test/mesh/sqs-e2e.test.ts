// The SQS path end to end on the local mesh: legacy events of many tenants, encrypted per
// tenant, published to SNS topics (half with raw delivery) that feed one SQS queue, arrive in
// Kafka as registered Protobuf; every record is decoded through the registry and compared field
// by field with the expectation computed from the simulator's plain input.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { legacyStream, type SealedEvent } from "../../src/simulator/legacy-stream.ts";
import { publishToSns } from "../../src/simulator/publish-sns.ts";
import { sealKeys, type WorldFile } from "../../src/simulator/world.ts";
import { createSnsClient } from "../../src/sources/aws-clients.ts";
import {
  type BridgeProcess,
  bridgeConfig,
  collectRecords,
  type DecodedCatalogRecord,
  type Deployment,
  isolatedDeployment,
  localAws,
  provisionSqsWorld,
  startBridgeProcess,
  waitFor,
} from "../support/bridge-run.ts";
import { type ExpectedRecord, expectedRecords } from "../support/expected.ts";

const sns = createSnsClient(localAws);
after(() => sns.destroy());

function events(world: WorldFile, perTenant: number): SealedEvent[] {
  return [
    ...legacyStream({
      tenants: world.tenants,
      keyVersions: world.keyVersions,
      count: world.tenants.length * perTenant,
      seed: Math.floor(Math.random() * 2 ** 31),
      targetBytes: 0,
      keyFor: sealKeys(world),
    }),
  ];
}

interface Accounting {
  readonly missing: string[];
  readonly unexpected: string[];
  readonly duplicates: number;
  readonly mismatches: string[];
}

/** Every expected ce_id present exactly as expected; nothing else; duplicates counted. */
function account(expected: ReadonlyMap<string, ExpectedRecord>, catalog: readonly DecodedCatalogRecord[]): Accounting {
  const seen = new Map<string, number>();
  const mismatches: string[] = [];
  const unexpected: string[] = [];
  for (const record of catalog) {
    const ceId = record.headers.get("ce_id") ?? "";
    seen.set(ceId, (seen.get(ceId) ?? 0) + 1);
    const want = expected.get(ceId);
    if (want === undefined) {
      unexpected.push(ceId);
      continue;
    }
    const got = {
      topic: record.topic,
      key: record.key,
      ceType: record.headers.get("ce_type"),
      ceTime: record.headers.get("ce_time"),
      ceSource: record.headers.get("ce_source"),
      tenant: record.headers.get("tenant"),
      traceparent: record.headers.get("traceparent"),
      json: record.json,
    };
    try {
      assert.deepStrictEqual(got, { ...want });
      assert.equal(record.headers.get("ce_specversion"), "1.0");
      assert.equal(record.headers.get("content-type"), "application/protobuf");
    } catch (error) {
      if (mismatches.length < 5) mismatches.push(`${ceId}: ${error instanceof Error ? error.message : String(error)}`);
      else mismatches.push(ceId);
    }
  }
  const missing = [...expected.keys()].filter((ceId) => !seen.has(ceId));
  let duplicates = 0;
  for (const count of seen.values()) duplicates += count - 1;
  return { missing, unexpected, duplicates, mismatches };
}

async function runScenario(
  t: { diagnostic: (message: string) => void },
  deployment: Deployment,
  world: WorldFile,
  perTenant: number,
): Promise<void> {
  const bridge: BridgeProcess = await startBridgeProcess(deployment, bridgeConfig(deployment, world));
  try {
    const sent = events(world, perTenant);
    const started = Date.now();
    // Open-loop at a steady rate: moto scans a queue's whole backlog on every receive, so a
    // flood all at once measures moto's O(backlog) receive, not the bridge.
    const published = await publishToSns(sns, world.aws, sent, { rate: 500, concurrency: 8 });
    assert.equal(published, sent.length);
    const { records: expected, zeroOutputEvents } = expectedRecords(sent, deployment.prefix);
    await waitFor(
      "every source message acked",
      async () => (await bridge.metric("meshbridge_source_messages_acked_total")) >= sent.length,
      240_000,
    );
    const elapsed = (Date.now() - started) / 1000;
    const { catalog, deadLetters } = await collectRecords(deployment, (records) => records.length >= expected.size, 60_000);
    const result = account(expected, catalog);
    const acked = await bridge.metric("meshbridge_source_messages_acked_total");
    const redelivered = acked - sent.length;
    t.diagnostic(
      `${sent.length} legacy events -> ${expected.size} catalog records expected, ${catalog.length} read, ` +
        `${result.duplicates} duplicate records, ${redelivered} redelivered source messages, ${deadLetters.length} dead letters, ` +
        `${(sent.length / elapsed).toFixed(0)} events/s publish-to-ack`,
    );
    assert.deepEqual(result.missing.slice(0, 5), [], `${result.missing.length} expected records missing`);
    assert.deepEqual(result.unexpected.slice(0, 5), [], `${result.unexpected.length} records nobody expected`);
    assert.deepEqual(result.mismatches, [], "records that differ from the expectation");
    assert.equal(deadLetters.length, 0, "healthy events must not be dead-lettered");
    assert.equal(await bridge.metric("meshbridge_dead_lettered_total"), 0);
    // Events that map to nothing leave no record: the bridge's skip counter accounts for them
    // (a redelivered one may be counted twice, never less than once).
    const skipped = await bridge.metric("meshbridge_skipped_total");
    assert.ok(
      skipped >= zeroOutputEvents && skipped <= zeroOutputEvents + redelivered,
      `skipped ${skipped}, expected ${zeroOutputEvents} (+ at most ${redelivered} redeliveries)`,
    );
  } finally {
    assert.equal(await bridge.stop(), 0, "graceful shutdown exits 0");
  }
}

describe("SQS path end to end", () => {
  it("50 tenants x 200 events, per-tenant SNS topics (half raw delivery), static keys: all in Kafka, field by field", async (t) => {
    const deployment = await isolatedDeployment("sqs-e2e");
    const world = await provisionSqsWorld(deployment, 50, { topology: "per-tenant", keys: "static" });
    assert.ok(Object.values(world.aws.topics).some((topic) => topic.rawDelivery));
    assert.ok(Object.values(world.aws.topics).some((topic) => !topic.rawDelivery));
    await runScenario(t, deployment, world, 200);
  });

  it("per-event-type SNS topics and AWS KMS envelope keys", async (t) => {
    const deployment = await isolatedDeployment("sqs-kms");
    const world = await provisionSqsWorld(deployment, 10, { topology: "per-type", keys: "aws-kms" });
    await runScenario(t, deployment, world, 30);
  });
});
