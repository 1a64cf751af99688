// Scenario 10: SIGTERM under load. The bridge stops receiving, finishes what it holds within
// shutdownGraceSeconds (10 s) and exits 0; started again, it writes nothing the first run wrote
// (the drained part is acked: no duplicates, bound 0) and delivers the rest; 0 lost.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startBridgeProcess } from "../support/bridge.ts";
import { RecordCollector } from "../support/records.ts";
import { faultWorld, scenarioSources } from "./support/fault-world.ts";
import { recordScenario } from "./support/results.ts";
import { accountScenario } from "./support/scenario.ts";

const ACKED = "meshbridge_source_messages_acked_total";
const IN_FLIGHT = "meshbridge_in_flight_messages";

for (const source of scenarioSources("sqs")) {
  describe(`SIGTERM under load on ${source}`, { timeout: 240_000 }, () => {
    it("10 drains within the grace period, exits 0, nothing of the drained part comes back", async (t) => {
      const fw = await faultWorld("sigterm", source, {
        events: 1500,
        settings: { budget: { maxMessages: 300 }, shutdownGraceSeconds: 10 },
      });
      assert.equal(await fw.publish(), fw.sent.length);
      const collector = await RecordCollector.open(fw.deployment);
      t.after(() => collector.close());
      const first = await startBridgeProcess(fw.deployment, fw.config, "first");
      t.after(() => first.child.kill("SIGKILL"));
      await first.waitForMetric(ACKED, 300, 120_000);
      const inFlightAtTerm = await first.metric(IN_FLIGHT);
      const began = Date.now();
      const code = await first.stop();
      const stopMs = Date.now() - began;
      assert.equal(code, 0, first.logs.slice(-5).join("\n"));
      await collector.waitFor(() => false, 3_000); // read everything the first run wrote
      const firstRun = new Set(collector.records.map((record) => record.ceId));
      const firstCount = collector.records.length;

      const second = await startBridgeProcess(fw.deployment, fw.config, "second");
      t.after(() => second.child.kill("SIGKILL"));
      const accounting = await accountScenario({
        scenario: `10 SIGTERM under load / ${source}`,
        deployment: fw.deployment,
        items: fw.items(),
        accepted: fw.accepted(),
        duplicateBound: 0,
        collector,
        notes: `${inFlightAtTerm} in flight at SIGTERM, exit 0 after ${stopMs} ms (grace 10 s); first run wrote ${firstCount} records`,
      });
      const again = collector.records.slice(firstCount).filter((record) => firstRun.has(record.ceId)).length;
      recordScenario(t, accounting, (ids) => fw.explain(ids, [...first.logs, ...second.logs]));
      assert.ok(inFlightAtTerm > 0, "SIGTERM came while the bridge held messages");
      assert.ok(!first.logs.some((line) => line.includes("grace period over")), "drained within the grace period");
      assert.ok(
        first.logs.some((line) => line.includes('"stopped"') && line.includes('"clean":true')),
        "the first run stopped clean",
      );
      assert.equal(again, 0, "records of the drained part written again after the restart");
      assert.equal(await second.stop(), 0);
    });
  });
}
