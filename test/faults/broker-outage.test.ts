// Scenario 4, the broker fails while events flow; the bridge recovers without a restart.
// 4a — Kafka SIGKILLed mid-run and started again on its log directory: no source ack while it is
//      down (but for filtered events, which need no Kafka), nothing dead-lettered, everything
//      delivered after; duplicates at most the messages held at the kill.
// 4b — Kafka frozen (SIGSTOP) for 15 s: longer than the producer's delivery timeout (5 s here)
//      and 2.5 SQS visibility timeouts. Sends time out and are retried; the messages stay leased
//      (visibility extended), none is acked or dead-lettered; hostile messages arriving during the
//      freeze cannot be dead-lettered (the DLQ write fails too) and so are not acked either
//      (scenario 7 with the broker down); after SIGCONT all of it lands, without a restart.
// Runs on the fault stack (npm run test:faults): it kills and freezes that stack's broker.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startBridgeProcess } from "../support/bridge.ts";
import { faultWorld, scenarioSources, soakOnly } from "./support/fault-world.ts";
import { hostileBodies } from "./support/hostile.ts";
import { recordScenario } from "./support/results.ts";
import { accountScenario } from "./support/scenario.ts";
import { killServer, pauseServer, restartServer, resumeServer } from "./support/stack.ts";

const ACKED = "meshbridge_source_messages_acked_total";
const PRODUCED = "meshbridge_kafka_records_produced_total";
const SKIPPED = "meshbridge_skipped_total";
const DEAD = "meshbridge_dead_lettered_total";
const IN_FLIGHT = "meshbridge_in_flight_messages";

after(() => resumeServer("kafka")); // never leave the broker frozen

// Soak only: the broker's restart alone takes about a minute on a loaded machine.
for (const source of scenarioSources("sqs")) {
  describe(`broker SIGKILL and restart on ${source}`, { timeout: 300_000, skip: soakOnly }, () => {
    it("4a Kafka killed mid-run, restarted: no ack while down, 0 lost, recovery without a bridge restart", async (t) => {
      const fw = await faultWorld("broker-kill", source, { events: 1500, settings: { budget: { maxMessages: 200 } } });
      assert.equal(await fw.publish(), 1500);
      const bridge = await startBridgeProcess(fw.deployment, fw.config);
      t.after(() => bridge.child.kill("SIGKILL"));
      await bridge.waitForMetric(ACKED, 100, 120_000);
      const inFlightAtKill = await bridge.metric(IN_FLIGHT);
      await killServer("kafka");
      await sleep(1_000); // acks of what Kafka answered before it died
      const [ackedDown, skippedDown] = [await bridge.metric(ACKED), await bridge.metric(SKIPPED)];
      await sleep(5_000);
      const ackedWhileDown = (await bridge.metric(ACKED)) - ackedDown;
      const skippedWhileDown = (await bridge.metric(SKIPPED)) - skippedDown;
      const restartStarted = Date.now();
      await restartServer("kafka");
      const restartMs = Date.now() - restartStarted;
      const accounting = await accountScenario({
        scenario: `4a Kafka SIGKILL + restart / ${source}`,
        deployment: fw.deployment,
        items: fw.items(),
        accepted: fw.accepted(),
        duplicateBound: inFlightAtKill,
        timeoutMs: 180_000,
        notes: `while down: ${ackedWhileDown} acked (${skippedWhileDown} filtered); ${inFlightAtKill} in flight at the kill; broker back after ${restartMs} ms`,
      });
      recordScenario(t, accounting, (ids) => fw.explain(ids, bridge.logs));
      assert.equal(ackedWhileDown, skippedWhileDown, "no source ack while Kafka is down, but for filtered events");
      assert.equal(accounting.result.deadLettered, 0, "a broker outage never dead-letters");
      assert.equal(await bridge.metric("meshbridge_unexpected_errors_total"), 0);
      assert.equal(await bridge.stop(), 0, "the same bridge process recovered and stops cleanly");
    });
  });
}

for (const source of scenarioSources("sqs")) {
  describe(`broker frozen past the delivery timeout on ${source}`, { timeout: 300_000 }, () => {
    it("4b Kafka frozen 15 s (> delivery timeout 5 s, > 2.5 visibility timeouts): nothing acked, dead-lettered or lost", async (t) => {
      const fw = await faultWorld("broker-freeze", source, {
        events: 600,
        tenants: 5,
        sqs: { visibilityTimeoutSeconds: 6 },
        settings: { logLevel: "debug" },
      });
      const config = {
        ...fw.config,
        kafka: { ...(fw.config.kafka as object), requestTimeoutSeconds: 3, deliveryTimeoutSeconds: 5 },
      };
      const bridge = await startBridgeProcess(fw.deployment, config);
      t.after(() => bridge.child.kill("SIGKILL"));
      try {
        const publishing = fw.publish(60);
        await bridge.waitForMetric(ACKED, 50, 60_000);

        pauseServer("kafka");
        // Answers Kafka sent just before the freeze may still be settling: count from a second later.
        await sleep(1_000);
        // One scrape for all four: read one by one, a filtered event acked between two reads would
        // count in one baseline and not the other.
        const at = await snapshot(bridge.opsPort, [PRODUCED, ACKED, SKIPPED, DEAD]);
        await fw.sendRaw(hostileBodies(`freeze-${source}`, fw.sent[0]!, fw.world.tenants[1]!));
        await sleep(14_000);
        const now = await snapshot(bridge.opsPort, [PRODUCED, ACKED, SKIPPED, DEAD]);
        const during = {
          produced: now[PRODUCED]! - at[PRODUCED]!,
          acked: now[ACKED]! - at[ACKED]!,
          skipped: now[SKIPPED]! - at[SKIPPED]!,
          dead: now[DEAD]! - at[DEAD]!,
          inFlight: await bridge.metric(IN_FLIGHT),
          timedOut: bridge.logs.filter((line) => line.includes("deliveryTimeoutMs")).length,
        };
        // Past the producer's timeout (3 s) Kafka counts as unreachable: not ready, and /readyz says so.
        const readyDuring = await fetch(`http://127.0.0.1:${bridge.opsPort}/readyz`).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        }));
        resumeServer("kafka");

        assert.equal(await publishing, fw.sent.length);
        const items = fw.items();
        await bridge.waitForMetric(ACKED, items.length, 120_000);
        const redelivered = (await bridge.metric(ACKED)) - items.length;
        const accounting = await accountScenario({
          scenario: `4b Kafka SIGSTOP 15 s > delivery timeout / ${source}`,
          deployment: fw.deployment,
          items,
          accepted: fw.accepted(),
          // A send that ran out of time may still have reached the frozen broker: its retry writes
          // those records again. At most once per held message.
          duplicateBound: during.inFlight,
          notes:
            `during the freeze: ${during.produced} produced, ${during.acked} acked (${during.skipped} filtered), ${during.dead} dead-lettered, ` +
            `${during.inFlight} in flight, ${during.timedOut} sends past the delivery timeout logged; ${redelivered} redelivered after`,
        });
        for (const line of bridge.logs.filter((entry) => entry.includes('"level":"warn"')).slice(0, 3)) t.diagnostic(line);
        recordScenario(t, accounting, (ids) => fw.explain(ids, bridge.logs));
        t.diagnostic(`/readyz during the freeze: ${readyDuring.status} ${readyDuring.body.trim()}`);
        assert.equal(readyDuring.status, 503, "not ready while Kafka is unreachable beyond the producer's timeout");
        assert.match(readyDuring.body, /kafka unreachable for \d+ s \(producer timeout 3 s\)/);
        const readyAfter = await fetch(`http://127.0.0.1:${bridge.opsPort}/readyz`);
        assert.equal(readyAfter.status, 200, "ready again by itself once Kafka answers");
        assert.equal(during.produced, 0, "nothing counts as produced while Kafka cannot acknowledge");
        assert.equal(during.acked, during.skipped, "no source ack while Kafka cannot acknowledge, but for filtered events");
        assert.equal(during.dead, 0, "no dead letter while the DLQ cannot be written");
        assert.ok(during.inFlight > 0, "messages were held in flight during the outage");
        assert.ok(during.timedOut > 0, "sends ran past the delivery timeout (and were retried)");
        assert.equal(accounting.result.deadLettered, 8, "the hostile messages, and only they, dead-lettered after the freeze");
        // Without extension every held message would come back (15 s > 6 s visibility). On a loaded
        // machine a few extensions can land late; allow at most a tenth.
        assert.ok(redelivered < during.inFlight / 10, `visibility was extended: ${redelivered} of ${during.inFlight} came back`);
      } finally {
        resumeServer("kafka");
      }
      assert.equal(await bridge.stop(), 0);
    });
  });
}

/** Several metrics (each summed over its series) from one scrape of /metrics. */
async function snapshot(opsPort: number, names: readonly string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
  const values: Record<string, number> = {};
  for (const name of names) {
    values[name] = 0;
    for (const line of text.split("\n"))
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) values[name] += Number(line.split(" ").pop());
  }
  return values;
}
