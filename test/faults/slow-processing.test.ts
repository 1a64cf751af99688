// Scenario 3: processing slower than the lease. Kafka (the stack's own broker) is frozen for
// 40 s while both clouds' messages are in flight: four SQS visibility timeouts (10 s) and four
// Pub/Sub lease extensions (10 s; the subscription's deadline is 30 s). The bridge keeps every
// message leased, so none comes back early: each source message id is received exactly once
// (the bridge's debug "received" lines, every delivery counted), and every event reaches Kafka.
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startBridgeProcess } from "../support/bridge.ts";
import { legacyEvents } from "../support/worlds.ts";
import { feedPubSub, feedSqs } from "./support/feeders.ts";
import { recordScenario } from "./support/results.ts";
import { receivedCounts } from "./support/server-runs.ts";
import { pauseServer, resumeServer } from "./support/stack.ts";
import { accountFeed, provisionTwoClouds, twoCloudConfig } from "./support/two-clouds.ts";

after(() => resumeServer("kafka"));

const PER_CLOUD = 400;
const FREEZE_MS = 40_000;

it("3 processing slower than the lease: leases extended, no early redelivery, nothing lost", { timeout: 300_000 }, async (t) => {
  const run = await provisionTwoClouds("f3-slow", { sqsTenants: 3, pubsubTenants: 3 });
  t.after(() => run.close());
  const bridge = await startBridgeProcess(
    run.deployment,
    twoCloudConfig(run, { sqs: { visibilityTimeoutSeconds: 10, waitTimeSeconds: 2 }, pubsub: { leaseSeconds: 10 } }),
  );
  t.after(() => bridge.kill());
  // Half before the freeze, half during it: both are held while Kafka cannot acknowledge.
  const sqs = feedSqs(run.aws, legacyEvents(run.aws, PER_CLOUD, 301), 20);
  const pubsub = feedPubSub(run.gcp, legacyEvents(run.gcp, PER_CLOUD, 302), 20, run.pubsubHost);
  await bridge.waitForMetric("meshbridge_source_messages_acked_total", 100, 60_000);
  pauseServer("kafka");
  let inFlightDuringFreeze = 0;
  try {
    const frozenAt = Date.now();
    while (Date.now() - frozenAt < FREEZE_MS) {
      await sleep(1_000);
      inFlightDuringFreeze = Math.max(inFlightDuringFreeze, await bridge.metric("meshbridge_in_flight_messages"));
    }
  } finally {
    resumeServer("kafka");
  }
  await Promise.all([sqs.done, pubsub.done]);
  const accepted = sqs.ledger.accepted.size + pubsub.ledger.accepted.size;
  await bridge.waitForMetric("meshbridge_source_messages_acked_total", accepted, 180_000);
  await run.collector.waitFor(() => false, 3_000);
  assert.equal(await bridge.stop(), 0, "the bridge stops cleanly");

  const counts = receivedCounts(bridge.logs);
  const redelivered = (ids: Iterable<string | undefined>): number => {
    let total = 0;
    for (const id of ids) total += Math.max(0, (counts.get(id ?? "") ?? 0) - 1);
    return total;
  };
  const sqsRedeliveries = redelivered(sqs.ledger.accepted.values());
  const pubsubRedeliveries = redelivered(pubsub.ledger.accepted.values());
  const notes = (redeliveries: number): string =>
    `Kafka frozen ${FREEZE_MS / 1000} s, lease 10 s; up to ${inFlightDuringFreeze} in flight during the freeze; ${redeliveries} redeliveries`;
  const rows = [
    accountFeed(run, run.aws, sqs.ledger, {
      scenario: "3 slower than the lease / sqs",
      duplicateBound: 0,
      notes: notes(sqsRedeliveries),
    }),
    accountFeed(run, run.gcp, pubsub.ledger, {
      scenario: "3 slower than the lease / pubsub",
      duplicateBound: 0,
      notes: notes(pubsubRedeliveries),
    }),
  ];
  for (const row of rows) recordScenario(t, row);
  assert.ok(inFlightDuringFreeze > 0, "messages were held in flight while Kafka was frozen");
  assert.equal(sqsRedeliveries, 0, "SQS messages came back while leased (visibility not extended)");
  assert.equal(pubsubRedeliveries, 0, "Pub/Sub messages came back while leased (deadline not extended)");
});
