// Scenarios 1 and 2, on SQS (ElasticMQ) and Pub/Sub (pstest): the bridge SIGKILLed in each of the
// two windows of at-least-once delivery, then started again.
// 1 — after Kafka acknowledged, before the source ack: the acks cannot complete (SQS: a proxy
//     holds every delete call while receives and extensions pass; Pub/Sub: pstest frozen with
//     SIGSTOP), so the bridge's produces complete and its acks do not; the kill lands with
//     records in Kafka whose messages are unacknowledged. They come back and are written again:
//     duplicates, each under its original's ce_id, at most the messages the bridge held (in
//     flight, or acked into the frozen server). Deterministic: the window is held open.
// 2 — before Kafka acknowledged: the broker is frozen, nothing is produced, the kill lands with
//     every held message unacknowledged. Nothing lost; duplicates at most the messages held
//     (a produce already in the frozen broker's socket may still be written after SIGCONT).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startBridgeProcess } from "../support/bridge.ts";
import { metricSettled } from "./support/bridge-watch.ts";
import { faultWorld, scenarioSources } from "./support/fault-world.ts";
import { recordScenario } from "./support/results.ts";
import { accountScenario } from "./support/scenario.ts";
import { ackHoldingSqsProxy } from "./support/sqs-ack-hold.ts";
import { pauseServer, resumeServer } from "./support/stack.ts";

const EVENTS = 600;
/** Events per second published: 6 s of events, most of them still to come when the fault lands. */
const PACE = 100;
const ACKED = "meshbridge_source_messages_acked_total";
const PRODUCED = "meshbridge_kafka_records_produced_total";
const IN_FLIGHT = "meshbridge_in_flight_messages";

after(() => {
  for (const server of ["kafka", "elasticmq", "pubsub"] as const) resumeServer(server);
});

for (const source of scenarioSources("sqs")) {
  describe(`bridge SIGKILL after Kafka acked on ${source}`, { timeout: 240_000 }, () => {
    it(`1 after Kafka acked, before the source ack: duplicates <= held, 0 lost`, async (t) => {
      const fw = await faultWorld("kill-acked", source, { events: EVENTS, settings: { budget: { maxMessages: 200 } } });
      // Paced, so that events are still arriving when the window opens, however fast this machine drains.
      const publishing = fw.publish(PACE);
      const proxy =
        source === "sqs" ? await ackHoldingSqsProxy(String((fw.config.aws as { endpoint: string }).endpoint)) : undefined;
      t.after(() => proxy?.close());
      const config =
        proxy === undefined ? fw.config : { ...fw.config, aws: { ...(fw.config.aws as object), endpoint: proxy.endpoint } };
      const first = await startBridgeProcess(fw.deployment, config, "first");
      t.after(() => first.child.kill("SIGKILL"));
      await first.waitForMetric(ACKED, 100, 120_000);
      const ackedAtPause = await first.metric(ACKED);
      if (proxy !== undefined) proxy.holdAcks();
      else {
        pauseServer("pubsub");
        t.after(() => resumeServer("pubsub"));
      }
      // Kafka keeps acknowledging what the bridge holds; the source acks hang.
      const produced = await metricSettled(first, PRODUCED, 1_500, 60_000);
      const ackedAtKill = await first.metric(ACKED);
      const inFlight = await first.metric(IN_FLIGHT);
      await first.kill();
      resumeServer("pubsub");

      assert.equal(await publishing, EVENTS);
      const second = await startBridgeProcess(fw.deployment, fw.config, "second");
      try {
        const held = inFlight + (ackedAtKill - ackedAtPause);
        const accounting = await accountScenario({
          scenario: `1 SIGKILL after Kafka ack / ${source}`,
          deployment: fw.deployment,
          items: fw.items(),
          accepted: fw.accepted(),
          duplicateBound: held,
          notes: `at the kill: ${produced} records produced, ${ackedAtKill} acked (${ackedAtKill - ackedAtPause} into the stopped source), ${inFlight} in flight${proxy === undefined ? "" : `, ${proxy.held} delete calls held`}`,
        });
        recordScenario(t, accounting, (ids) => fw.explain(ids, [...first.logs, ...second.logs]));
        assert.ok(accounting.result.duplicates > 0, "the kill landed in the window: records in Kafka, their messages unacked");
      } finally {
        assert.equal(await second.stop(), 0);
      }
    });
  });
}

for (const source of scenarioSources("pubsub")) {
  describe(`bridge SIGKILL before Kafka acked on ${source}`, { timeout: 240_000 }, () => {
    it(`2 before Kafka acked: 0 lost, duplicates <= held`, async (t) => {
      const fw = await faultWorld("kill-unacked", source, { events: EVENTS, settings: { budget: { maxMessages: 200 } } });
      // Paced: events keep arriving after the freeze, so the bridge comes to hold some whatever
      // this machine's speed (unpaced, a fast drain could ack nearly all 600 before the freeze).
      const publishing = fw.publish(PACE);
      const first = await startBridgeProcess(fw.deployment, fw.config, "first");
      t.after(() => first.child.kill("SIGKILL"));
      await first.waitForMetric(ACKED, 100, 120_000);
      pauseServer("kafka");
      t.after(() => resumeServer("kafka"));
      await sleep(1_000); // answers already on their way
      const producedAtFreeze = await first.metric(PRODUCED);
      const ackedAtFreeze = await first.metric(ACKED);
      await first.waitForMetric(IN_FLIGHT, 50, 30_000);
      await sleep(2_000);
      const inFlight = await first.metric(IN_FLIGHT);
      const producedAtKill = await first.metric(PRODUCED);
      const ackedAtKill = await first.metric(ACKED);
      await first.kill();
      resumeServer("kafka");
      assert.equal(await publishing, EVENTS);

      const second = await startBridgeProcess(fw.deployment, fw.config, "second");
      try {
        const accounting = await accountScenario({
          scenario: `2 SIGKILL before Kafka ack / ${source}`,
          deployment: fw.deployment,
          items: fw.items(),
          accepted: fw.accepted(),
          duplicateBound: inFlight,
          notes: `frozen broker: ${producedAtKill - producedAtFreeze} produced, ${ackedAtKill - ackedAtFreeze} acked, ${inFlight} in flight at the kill`,
        });
        recordScenario(t, accounting, (ids) => fw.explain(ids, [...first.logs, ...second.logs]));
        assert.equal(producedAtKill, producedAtFreeze, "nothing acknowledged by the frozen broker");
      } finally {
        assert.equal(await second.stop(), 0);
      }
    });
  });
}
