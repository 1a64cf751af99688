// Kafka stops answering (the broker is frozen with SIGSTOP) for several visibility timeouts
// while events flow. The bridge keeps its messages leased (visibility extended), neither
// deletes nor dead-letters them, and delivers everything once Kafka is back.
// Runs alone (test/faults): it freezes the shared broker.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pidFile } from "../../infra/stack/process.ts";
import { sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { DeliveryLedger } from "../support/delivery.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { collectRecords, distinctCeIds, tally } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

const kafkaPid = Number(readFileSync(pidFile("kafka"), "utf8"));
after(() => {
  process.kill(kafkaPid, "SIGCONT"); // never leave the broker frozen
});

it("Kafka frozen for 15 s (2.5 visibility timeouts): nothing lost, nothing dead-lettered, leases held", async (t) => {
  const deployment = await isolatedDeployment("kafka-outage");
  const world = await provisionSqsWorld(deployment, 5);
  const bridge = await startBridgeProcess(
    deployment,
    sqsBridgeConfig(deployment, world, { visibilityTimeoutSeconds: 6 }, { logLevel: "debug" }),
  );
  const ledger = new DeliveryLedger();
  try {
    const sent = legacyEvents(world, 600, Date.now() % 1e9);
    const { records: expected } = expectedRecords(sent, deployment.prefix);
    const publishing = publishToSqsWorld(world, sent, { rate: 60, concurrency: 4, ledger });
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", 50, 60_000);

    process.kill(kafkaPid, "SIGSTOP");
    // Answers Kafka sent just before the freeze may still be settling: count from a second later.
    await sleep(1_000);
    const producedAtFreeze = await bridge.metric("meshbridge_kafka_records_produced_total");
    await sleep(14_000);
    // Messages that map to no record are acked without Kafka; nothing else may be.
    const producedDuringFreeze = (await bridge.metric("meshbridge_kafka_records_produced_total")) - producedAtFreeze;
    const inFlightDuringFreeze = await bridge.metric("meshbridge_in_flight_messages");
    process.kill(kafkaPid, "SIGCONT");

    assert.equal(await publishing, sent.length);
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", sent.length, 120_000);
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records) => distinctCeIds(records) >= expected.size,
      60_000,
    );
    const { missing, duplicates } = tally(expected, catalog);
    const redelivered = (await bridge.metric("meshbridge_source_messages_acked_total")) - sent.length;
    t.diagnostic(
      `during the freeze: ${producedDuringFreeze} records produced, ${inFlightDuringFreeze} in flight; afterwards ${missing.length} missing, ` +
        `${duplicates} duplicate records, ${redelivered} redelivered messages, ${deadLetters.length} dead letters`,
    );
    for (const line of bridge.logs.filter((entry) => entry.includes('"level":"warn"')).slice(0, 5)) t.diagnostic(line);
    assert.equal(producedDuringFreeze, 0, "nothing counts as produced while Kafka cannot acknowledge");
    assert.ok(inFlightDuringFreeze > 0, "messages were held in flight during the outage");
    assert.deepEqual(missing, [], ledger.explain(missing, expected, bridge.logs));
    assert.equal(deadLetters.length, 0, "a transient failure never dead-letters");
    // Without extension every held message would come back (15 s > 6 s visibility). On a loaded
    // machine a few extensions can land late; allow at most a tenth.
    assert.ok(
      redelivered < inFlightDuringFreeze / 10,
      `visibility was extended: ${redelivered} of ${inFlightDuringFreeze} came back`,
    );
  } finally {
    process.kill(kafkaPid, "SIGCONT");
    assert.equal(await bridge.stop(), 0);
  }
});
