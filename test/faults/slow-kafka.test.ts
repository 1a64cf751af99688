// Scenario 12: slow Kafka. The broker is slowed by a duty cycle of SIGSTOP/SIGCONT (frozen 400 ms
// of every 500 ms: every produce waits, as behind a slow link or a broker in long GC pauses) while
// a backlog of 16 KB events waits in the queue. What the bridge holds stays within its in-flight
// budget (messages and bytes, from its gauges) and its resident memory does not grow with the
// backlog (ratio of peak to warm RSS). A proxy adding latency in front of the broker would not
// do: the broker advertises its own address and the client connects there after bootstrap.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startBridgeProcess } from "../support/bridge.ts";
import { residentBytes } from "./support/bridge-watch.ts";
import { faultWorld, scenarioSources, soakOnly } from "./support/fault-world.ts";
import { recordScenario } from "./support/results.ts";
import { accountScenario } from "./support/scenario.ts";
import { pauseServer, resumeServer } from "./support/stack.ts";

const ACKED = "meshbridge_source_messages_acked_total";
const BUDGET_MESSAGES = 100;
const BUDGET_BYTES = 4 * 1024 * 1024;
const EVENTS = 3500;
const WARM_ACKS = 900;
const SLOW_MS = 20_000;
/** Peak RSS while slow over peak RSS while warm (full speed, same load): the backlog is 55 MB of bodies. */
const RSS_RATIO_BOUND = 1.5;

after(() => resumeServer("kafka"));

for (const source of scenarioSources("sqs")) {
  describe(`slow Kafka on ${source}`, { timeout: 300_000, skip: soakOnly }, () => {
    it("12 in flight within the budget, RSS flat, 0 lost", async (t) => {
      const fw = await faultWorld("slow-kafka", source, {
        events: EVENTS,
        targetBytes: 16 * 1024,
        settings: { budget: { maxMessages: BUDGET_MESSAGES, maxBytes: BUDGET_BYTES } },
      });
      assert.equal(await fw.publish(), EVENTS);
      const bridge = await startBridgeProcess(fw.deployment, fw.config);
      t.after(() => bridge.child.kill("SIGKILL"));
      const pid = bridge.child.pid!;
      // Warm: at full speed, the peak the heap settles at under this load.
      let warmRss = residentBytes(pid);
      while ((await bridge.metric(ACKED)) < WARM_ACKS) {
        warmRss = Math.max(warmRss, residentBytes(pid));
        await sleep(250);
      }
      const ackedAtStart = await bridge.metric(ACKED);

      let cycling = true;
      const cycle = (async () => {
        while (cycling) {
          pauseServer("kafka");
          await sleep(400);
          resumeServer("kafka");
          await sleep(100);
        }
      })();
      let peakRss = warmRss;
      let peakMessages = 0;
      let peakBytes = 0;
      try {
        const until = Date.now() + SLOW_MS;
        while (Date.now() < until) {
          peakRss = Math.max(peakRss, residentBytes(pid));
          peakMessages = Math.max(peakMessages, await bridge.metric("meshbridge_in_flight_messages"));
          peakBytes = Math.max(peakBytes, await bridge.metric("meshbridge_in_flight_bytes"));
          await sleep(250);
        }
      } finally {
        cycling = false;
        await cycle;
        resumeServer("kafka");
      }
      const ackedSlow = (await bridge.metric(ACKED)) - ackedAtStart;
      const ratio = peakRss / warmRss;
      const accounting = await accountScenario({
        scenario: `12 slow Kafka, budget ${BUDGET_MESSAGES} / ${source}`,
        deployment: fw.deployment,
        items: fw.items(),
        accepted: fw.accepted(),
        duplicateBound: 0,
        timeoutMs: 180_000,
        notes:
          `slow ${SLOW_MS / 1000} s: ${ackedSlow} acked; in flight peak ${peakMessages} msgs / ${(peakBytes / 1024).toFixed(0)} KiB ` +
          `(budget ${BUDGET_MESSAGES} / ${BUDGET_BYTES / 1024} KiB); RSS warm peak ${(warmRss / 2 ** 20).toFixed(0)} MiB, slow peak ${(peakRss / 2 ** 20).toFixed(0)} MiB (x${ratio.toFixed(2)})`,
      });
      recordScenario(t, accounting, (ids) => fw.explain(ids, bridge.logs));
      assert.ok(peakMessages <= BUDGET_MESSAGES, `in flight ${peakMessages} > budget ${BUDGET_MESSAGES}`);
      assert.ok(peakBytes <= BUDGET_BYTES, `in flight ${peakBytes} bytes > budget ${BUDGET_BYTES}`);
      assert.ok(peakMessages >= BUDGET_MESSAGES * 0.8, `the budget was what held the bridge back (peak ${peakMessages})`);
      assert.ok(ackedSlow > 0, "slow, not stopped: events still flowed");
      assert.ok(ratio <= RSS_RATIO_BOUND, `RSS grew x${ratio.toFixed(2)} (bound x${RSS_RATIO_BOUND})`);
      assert.equal(await bridge.stop(), 0);
    });
  });
}
