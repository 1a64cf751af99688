// Scenario 7 and the hostile set.
// 7 — the dead-letter write fails (the DLQ topic deleted under the running bridge): a message
//     whose place is the DLQ is not acked; it stays in the source (redelivered, refused again)
//     while healthy events flow; once the topic exists again it is dead-lettered, exactly once
//     (exactly as many dead-letter records as refused messages); healthy records of messages
//     in flight when the topic comes back may be written twice (the bound).
//     (With the broker down instead: broker-outage.test.ts, 4b.)
// Hostile — the kinds of test/mesh/hostile-input.test.ts (support/hostile.ts) among healthy
//     events: each dead-lettered, nothing healthy dead-lettered, the process never fails.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { ensureTopics } from "../../src/sink/topics.ts";
import { startBridgeProcess } from "../support/bridge.ts";
import { deleteTopics } from "../support/kafka.ts";
import { RecordCollector } from "../support/records.ts";
import { faultWorld, scenarioSources } from "./support/fault-world.ts";
import { hostileBodies } from "./support/hostile.ts";
import { recordScenario } from "./support/results.ts";
import { accountScenario } from "./support/scenario.ts";

const DEAD = "meshbridge_dead_lettered_total";
const ACKED = "meshbridge_source_messages_acked_total";

for (const source of scenarioSources("pubsub")) {
  describe(`dead-letter write fails on ${source}`, { timeout: 240_000 }, () => {
    it("7 DLQ topic missing: the refused message is not acked, dead-lettered once the topic is back; 0 lost", async (t) => {
      const fw = await faultWorld("dlq-missing", source, { events: 300, sqs: { visibilityTimeoutSeconds: 3 } });
      const bridge = await startBridgeProcess(fw.deployment, fw.config);
      t.after(() => bridge.child.kill("SIGKILL"));
      await deleteTopics([fw.deployment.deadLetterTopic]);
      const hostile = hostileBodies(`dlq-missing-${source}`, fw.sent[0]!, fw.world.tenants[1]!);
      await fw.sendRaw(hostile);
      assert.equal(await fw.publish(), fw.sent.length);
      const healthy = fw.sent.length;
      // Healthy events may wait behind a produce that carries a refused dead letter: not required here.
      const healthyFlowed = await bridge.waitForMetric(ACKED, healthy, 45_000).then(
        () => true,
        () => false,
      );
      // A few more receives of the refused ones (SQS: 3 s visibility; Pub/Sub: nack or 10 s lease).
      await sleep(8_000);
      const ackedWithoutDlq = await bridge.metric(ACKED);
      const deadWithoutDlq = await bridge.metric(DEAD);
      const refusals = bridge.logs.filter(
        (line) => /dead-letter|Unknown topic/i.test(line) && !line.includes('"level":"debug"'),
      ).length;
      // Only what is in flight when the topic comes back can be written twice: a send that
      // carries a refused dead letter beside healthy records may be answered partly (the catalog
      // partitions written, the re-created topic's not yet led) and is retried whole; at least
      // once allows that (seen once: 2 copies in a loaded CI run). A dead letter stays single.
      const inFlightAtRecreate = await bridge.metric("meshbridge_in_flight_messages");
      await ensureTopics([meshEndpoints.kafkaBootstrap], [{ name: fw.deployment.deadLetterTopic, partitions: 3, config: {} }]);
      const collector = await RecordCollector.open(fw.deployment);
      t.after(() => collector.close());
      const accounting = await accountScenario({
        scenario: `7 DLQ topic missing / ${source}`,
        deployment: fw.deployment,
        items: fw.items(),
        accepted: fw.accepted(),
        collector,
        duplicateBound: inFlightAtRecreate,
        notes: `without the DLQ topic: ${ackedWithoutDlq} acked of ${healthy} healthy + ${hostile.length} hostile, ${deadWithoutDlq} dead-lettered, ${refusals} refusals logged${healthyFlowed ? "" : "; healthy events held back while the DLQ was missing"}; ${inFlightAtRecreate} in flight when the topic came back`,
      });
      recordScenario(t, accounting, (ids) => fw.explain(ids, bridge.logs));
      assert.equal(collector.deadLetters.length, hostile.length, "each refused message dead-lettered exactly once");
      assert.equal(deadWithoutDlq, 0, "nothing counts as dead-lettered while the DLQ cannot be written");
      // A refused message acked without its dead letter would be lost in the accounting above.
      assert.ok(ackedWithoutDlq <= healthy, `${ackedWithoutDlq} acked: more than the ${healthy} healthy events`);
      assert.ok(refusals > 0, "the dead-letter writes failed and said so");
      assert.equal(accounting.result.deadLettered, hostile.length);
      assert.equal(await bridge.metric("meshbridge_unexpected_errors_total"), 0);
      assert.equal(await bridge.stop(), 0);
    });
  });
}

for (const source of scenarioSources("sqs")) {
  describe(`hostile input on ${source}`, { timeout: 240_000 }, () => {
    it("hostile messages dead-lettered, healthy neighbours in Kafka, the process unharmed", async (t) => {
      const fw = await faultWorld("hostile", source, { events: 300 });
      const bridge = await startBridgeProcess(fw.deployment, fw.config);
      t.after(() => bridge.child.kill("SIGKILL"));
      const hostile = [
        ...hostileBodies(`hostile-${source}-a`, fw.sent[0]!, fw.world.tenants[1]!),
        ...hostileBodies(`hostile-${source}-b`, fw.sent[7]!, fw.world.tenants[2]!),
      ];
      const publishing = fw.publish();
      await fw.sendRaw(hostile);
      assert.equal(await publishing, fw.sent.length);
      const accounting = await accountScenario({
        scenario: `hostile set (${hostile.length} + events) / ${source}`,
        deployment: fw.deployment,
        items: fw.items(),
        accepted: fw.accepted(),
        duplicateBound: 0,
      });
      recordScenario(t, accounting, (ids) => fw.explain(ids, bridge.logs));
      assert.equal(accounting.result.deadLettered, hostile.length);
      assert.equal(await bridge.metric("meshbridge_unexpected_errors_total"), 0);
      assert.equal(await bridge.stop(), 0);
    });
  });
}
