// Scenario 9: at least once through a restart, for both sources in one bridge. Phase A is
// delivered and acked. Then the broker is frozen, phase B is received and held (nothing of it
// can be acked), and the bridge is stopped (SIGTERM, 1 s grace): it releases B (SQS visibility 0,
// Pub/Sub deadline 0). With the broker back, a second bridge receives exactly B again — every
// released message, and none that the first bridge acked (by source message id: the bridge's
// debug "received" lines) — and every event is in Kafka. Copies of B's records are allowed: the
// frozen broker may still append what the first bridge had sent before it was stopped.
// Pub/Sub side: test/mesh/pubsub-restart.test.ts does the same without a frozen broker.
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { startBridgeProcess } from "../support/bridge.ts";
import { expectedRecords } from "../support/expected.ts";
import { legacyEvents } from "../support/worlds.ts";
import { type Feeder, feedPubSub, feedSqs, mergedLedger } from "./support/feeders.ts";
import { recordScenario } from "./support/results.ts";
import { receivedCounts } from "./support/server-runs.ts";
import { pauseServer, resumeServer } from "./support/stack.ts";
import { accountFeed, provisionTwoClouds, twoCloudConfig } from "./support/two-clouds.ts";

after(() => resumeServer("kafka"));

const PER_PHASE = 200;

const sourceIds = (feeder: Feeder): string[] => [...feeder.ledger.accepted.values()].map((id) => id ?? "");

it("9 at least once through a restart: released messages come back, and only those (SQS and Pub/Sub)", {
  timeout: 300_000,
}, async (t) => {
  const run = await provisionTwoClouds("f9-restart", { sqsTenants: 3, pubsubTenants: 3 });
  t.after(() => run.close());
  const config = twoCloudConfig(run, { sqs: { waitTimeSeconds: 1, visibilityTimeoutSeconds: 60 } }, { shutdownGraceSeconds: 1 });
  const first = await startBridgeProcess(run.deployment, config, "first");
  t.after(() => first.kill());

  const phaseA = [
    feedSqs(run.aws, legacyEvents(run.aws, PER_PHASE, 901), 100),
    feedPubSub(run.gcp, legacyEvents(run.gcp, PER_PHASE, 902), 100, run.pubsubHost),
  ] as const;
  await Promise.all(phaseA.map((feeder) => feeder.done));
  const acceptedA = phaseA[0].ledger.accepted.size + phaseA[1].ledger.accepted.size;
  await first.waitForMetric("meshbridge_source_messages_acked_total", acceptedA, 120_000);

  pauseServer("kafka");
  let firstExit: number | null;
  const phaseB = [
    feedSqs(run.aws, legacyEvents(run.aws, PER_PHASE, 903), 100),
    feedPubSub(run.gcp, legacyEvents(run.gcp, PER_PHASE, 904), 100, run.pubsubHost),
  ] as const;
  try {
    await Promise.all(phaseB.map((feeder) => feeder.done));
    const idsB = [...sourceIds(phaseB[0]), ...sourceIds(phaseB[1])];
    const deadline = Date.now() + 60_000;
    while (!idsB.every((id) => receivedCounts(first.logs).has(id))) {
      assert.ok(Date.now() < deadline, "the first bridge received all of phase B within 60 s");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    firstExit = await first.stop();
  } finally {
    resumeServer("kafka");
  }
  const stopping = first.logs.find((line) => line.includes("stopping: no new receives"));
  const heldAtStop = stopping === undefined ? 0 : Number(JSON.parse(stopping).inFlight);

  const second = await startBridgeProcess(run.deployment, config, "second");
  t.after(() => second.kill());
  // Phase B's events that map to no record could be acked without Kafka (a batch needing none);
  // every other one was held, released, and must come back.
  const recordsOf = expectedRecords([...phaseB[0].ledger.offered, ...phaseB[1].ledger.offered], run.deployment.prefix).records;
  const withRecords = new Set([...recordsOf.values()].map((record) => record.eventId));
  const mustComeBack = [...phaseB[0].ledger.offered, ...phaseB[1].ledger.offered].filter((event) =>
    withRecords.has(event.eventId),
  );
  await second.waitForMetric("meshbridge_source_messages_acked_total", mustComeBack.length, 120_000);
  await run.collector.waitFor(() => false, 3_000);
  assert.equal(await second.stop(), 0, "the second bridge stops cleanly");

  const again = receivedCounts(second.logs);
  const rows = [0, 1].map((cloud) => {
    const a = phaseA[cloud]!;
    const b = phaseB[cloud]!;
    const cameBack = sourceIds(b).filter((id) => again.has(id)).length;
    // Not back: acked by the first bridge, which it may do only for an event needing no record.
    const ackedNeedingKafka = b.ledger.offered.filter(
      (event) => !again.has(b.ledger.accepted.get(event.eventId) ?? "") && withRecords.has(event.eventId),
    ).length;
    const ackedCameBack = sourceIds(a).filter((id) => again.has(id)).length;
    return {
      cameBack,
      ackedNeedingKafka,
      ackedCameBack,
      size: b.ledger.accepted.size,
      accounting: accountFeed(run, cloud === 0 ? run.aws : run.gcp, mergedLedger(a.ledger, b.ledger), {
        scenario: `9 restart: released come back / ${cloud === 0 ? "sqs" : "pubsub"}`,
        duplicateBound: b.ledger.accepted.size,
        notes: `${heldAtStop} held at SIGTERM (broker frozen), first exit ${firstExit}; after the restart ${cameBack}/${b.ledger.accepted.size} of phase B came back (the rest needed no record), ${ackedCameBack} of phase A (acked) did`,
      }),
    };
  });
  for (const row of rows) recordScenario(t, row.accounting);
  assert.equal(firstExit, 0, "the first bridge stopped cleanly (its releases landed)");
  assert.ok(heldAtStop > 0, "the first bridge held messages at SIGTERM");
  for (const row of rows) {
    assert.equal(row.ackedNeedingKafka, 0, "a phase-B event needing a record did not come back (acked with the broker frozen?)");
    assert.equal(row.ackedCameBack, 0, "a message the first bridge acked came back");
  }
});
