// Killing the bridge (SIGKILL: no shutdown, no flush) mid-run and starting it again loses
// nothing: unacked messages come back by visibility timeout and every event reaches Kafka.
// Duplicates are expected (at least once) and counted. On ElasticMQ, written to directly in both
// SNS delivery forms; a missing record says whether the queue or the bridge lost its message.
import assert from "node:assert/strict";
import { it } from "node:test";
import { sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { DeliveryLedger } from "../support/delivery.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { collectRecords, distinctCeIds, tally } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

it("SIGKILL mid-run, restart: zero lost, duplicates counted", async (t) => {
  const deployment = await isolatedDeployment("crash");
  const world = await provisionSqsWorld(deployment, 10);
  // A short visibility timeout so the killed bridge's messages come back within the test.
  const config = sqsBridgeConfig(deployment, world, { visibilityTimeoutSeconds: 5 }, { logLevel: "debug" });
  const ledger = new DeliveryLedger();
  const sent = legacyEvents(world, 2000, Date.now() % 1e9);
  const expected = expectedRecords(sent, deployment.prefix);
  assert.equal(expected.deadLetters.size, 0, "every event of the stream maps");

  const first = await startBridgeProcess(deployment, config, "first");
  const publishing = publishToSqsWorld(world, sent, { rate: 300, concurrency: 8, ledger });
  let ackedBeforeKill: number;
  let inFlightAtKill: number;
  try {
    await first.waitForMetric("meshbridge_source_messages_acked_total", 700, 120_000);
    ackedBeforeKill = await first.metric("meshbridge_source_messages_acked_total");
    inFlightAtKill = await first.metric("meshbridge_in_flight_messages");
  } finally {
    await first.kill();
  }
  assert.ok(ackedBeforeKill < sent.length, "killed mid-run");

  const second = await startBridgeProcess(deployment, config, "second");
  try {
    assert.equal(await publishing, sent.length);
    const { catalog } = await collectRecords(deployment, (records) => distinctCeIds(records) >= expected.records.size, 180_000);
    const { missing, unexpected, duplicates } = tally(expected.records, catalog);
    t.diagnostic(
      `killed after ${ackedBeforeKill} of ${sent.length} acked (${inFlightAtKill} in flight); ` +
        `${expected.records.size} records expected, ${catalog.length} read, ${duplicates} duplicates, ${missing.length} missing`,
    );
    const logs = [...first.logs, ...second.logs];
    assert.deepEqual(missing.slice(0, 5), [], ledger.explain(missing, expected.records, logs));
    assert.deepEqual(unexpected, []);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});
