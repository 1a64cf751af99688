// Scenario 4, the frozen broker: Kafka stops answering (SIGSTOP) for several visibility timeouts
// while events flow. The bridge keeps its messages leased (visibility extended), neither acks nor
// dead-letters them, and delivers everything once Kafka is back, without a restart.
// Runs on the fault stack (npm run test:faults): it freezes that stack's broker.
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { DeliveryLedger } from "../support/delivery.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";
import { sealedItems } from "./support/accounting.ts";
import { recordScenario } from "./support/results.ts";
import { accountScenario } from "./support/scenario.ts";
import { pauseServer, resumeServer } from "./support/stack.ts";

after(() => resumeServer("kafka")); // never leave the broker frozen

it("4b Kafka frozen for 15 s (2.5 visibility timeouts): nothing lost, nothing dead-lettered, leases held", async (t) => {
  const deployment = await isolatedDeployment("kafka-outage");
  const world = await provisionSqsWorld(deployment, 5);
  const bridge = await startBridgeProcess(
    deployment,
    sqsBridgeConfig(deployment, world, { visibilityTimeoutSeconds: 6 }, { logLevel: "debug" }),
  );
  const ledger = new DeliveryLedger();
  try {
    const sent = legacyEvents(world, 600, Date.now() % 1e9);
    const expected = expectedRecords(sent, deployment.prefix);
    const publishing = publishToSqsWorld(world, sent, { rate: 60, concurrency: 4, ledger });
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", 50, 60_000);

    pauseServer("kafka");
    // Answers Kafka sent just before the freeze may still be settling: count from a second later.
    await sleep(1_000);
    const producedAtFreeze = await bridge.metric("meshbridge_kafka_records_produced_total");
    const ackedAtFreeze = await bridge.metric("meshbridge_source_messages_acked_total");
    const skippedAtFreeze = await bridge.metric("meshbridge_skipped_total");
    await sleep(14_000);
    // Messages that map to no record are acked without Kafka; nothing else may be.
    const producedDuringFreeze = (await bridge.metric("meshbridge_kafka_records_produced_total")) - producedAtFreeze;
    const ackedDuringFreeze = (await bridge.metric("meshbridge_source_messages_acked_total")) - ackedAtFreeze;
    const skippedDuringFreeze = (await bridge.metric("meshbridge_skipped_total")) - skippedAtFreeze;
    const inFlightDuringFreeze = await bridge.metric("meshbridge_in_flight_messages");
    resumeServer("kafka");

    assert.equal(await publishing, sent.length);
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", sent.length, 120_000);
    const redelivered = (await bridge.metric("meshbridge_source_messages_acked_total")) - sent.length;
    const accounting = await accountScenario({
      scenario: "4b Kafka SIGSTOP 15 s / sqs",
      deployment,
      items: sealedItems(sent, expected),
      accepted: ledger.acceptedEvents(),
      // A lease extension landing late on a loaded machine lets a message come back once.
      duplicateBound: Math.ceil(inFlightDuringFreeze / 10),
      notes: `during the freeze: ${producedDuringFreeze} produced, ${ackedDuringFreeze} acked (${skippedDuringFreeze} filtered), ${inFlightDuringFreeze} in flight; ${redelivered} redelivered after`,
    });
    for (const line of bridge.logs.filter((entry) => entry.includes('"level":"warn"')).slice(0, 5)) t.diagnostic(line);
    recordScenario(t, accounting, (ids) =>
      ledger.explain(
        ids.flatMap((id) => [...expected.records].filter(([, record]) => record.eventId === id).map(([ceId]) => ceId)),
        expected.records,
        bridge.logs,
      ),
    );
    assert.equal(producedDuringFreeze, 0, "nothing counts as produced while Kafka cannot acknowledge");
    assert.equal(ackedDuringFreeze, skippedDuringFreeze, "no source ack while Kafka cannot acknowledge, but for filtered events");
    assert.ok(inFlightDuringFreeze > 0, "messages were held in flight during the outage");
    assert.equal(accounting.result.deadLettered, 0, "a transient failure never dead-letters");
    // Without extension every held message would come back (15 s > 6 s visibility). On a loaded
    // machine a few extensions can land late; allow at most a tenth.
    assert.ok(
      redelivered < inFlightDuringFreeze / 10,
      `visibility was extended: ${redelivered} of ${inFlightDuringFreeze} came back`,
    );
  } finally {
    resumeServer("kafka");
    assert.equal(await bridge.stop(), 0);
  }
});
