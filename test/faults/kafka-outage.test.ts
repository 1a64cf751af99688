// Kafka stops answering (the broker is frozen with SIGSTOP) for several visibility timeouts
// while events flow. The bridge keeps its messages leased (visibility extended), neither
// deletes nor dead-letters them, and delivers everything once Kafka is back.
// Runs alone (test/faults): it freezes the shared broker.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pidFile } from "../../infra/stack/process.ts";
import { legacyStream } from "../../src/simulator/legacy-stream.ts";
import { publishToSns } from "../../src/simulator/publish-sns.ts";
import { sealKeys } from "../../src/simulator/world.ts";
import { createSnsClient } from "../../src/sources/aws-clients.ts";
import {
  bridgeConfig,
  collectRecords,
  isolatedDeployment,
  localAws,
  provisionSqsWorld,
  startBridgeProcess,
  waitFor,
} from "../support/bridge-run.ts";
import { expectedRecords } from "../support/expected.ts";

const sns = createSnsClient(localAws);
const kafkaPid = Number(readFileSync(pidFile("kafka"), "utf8"));
after(() => {
  process.kill(kafkaPid, "SIGCONT"); // never leave the broker frozen
  sns.destroy();
});

it("Kafka frozen for 15 s (3 visibility timeouts): nothing lost, nothing dead-lettered, no redelivery", async (t) => {
  const deployment = await isolatedDeployment("kafka-outage");
  const world = await provisionSqsWorld(deployment, 5);
  const bridge = await startBridgeProcess(deployment, bridgeConfig(deployment, world, { visibilityTimeoutSeconds: 5 }));
  try {
    const sent = [
      ...legacyStream({
        tenants: world.tenants,
        keyVersions: world.keyVersions,
        count: 600,
        seed: Date.now() % 1e9,
        targetBytes: 0,
        keyFor: sealKeys(world),
      }),
    ];
    const { records: expected } = expectedRecords(sent, deployment.prefix);
    const publishing = publishToSns(sns, world.aws, sent, { rate: 60, concurrency: 4 });
    await waitFor("some acked", async () => (await bridge.metric("meshbridge_source_messages_acked_total")) >= 50, 60_000);

    process.kill(kafkaPid, "SIGSTOP");
    const ackedAtFreeze = await bridge.metric("meshbridge_source_messages_acked_total");
    await sleep(15_000);
    const ackedDuringFreeze = (await bridge.metric("meshbridge_source_messages_acked_total")) - ackedAtFreeze;
    const inFlightDuringFreeze = await bridge.metric("meshbridge_in_flight_messages");
    process.kill(kafkaPid, "SIGCONT");

    assert.equal(await publishing, sent.length);
    await waitFor(
      "all acked",
      async () => (await bridge.metric("meshbridge_source_messages_acked_total")) >= sent.length,
      120_000,
    );
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records) => new Set(records.map((record) => record.headers.get("ce_id"))).size >= expected.size,
      60_000,
    );
    const seen = new Set(catalog.map((record) => record.headers.get("ce_id")));
    const missing = [...expected.keys()].filter((ceId) => !seen.has(ceId));
    const redelivered = (await bridge.metric("meshbridge_source_messages_acked_total")) - sent.length;
    t.diagnostic(
      `during the freeze: ${ackedDuringFreeze} acked, ${inFlightDuringFreeze} in flight; afterwards ${missing.length} missing, ` +
        `${catalog.length - seen.size} duplicate records, ${redelivered} redelivered messages, ${deadLetters.length} dead letters`,
    );
    assert.equal(ackedDuringFreeze, 0, "nothing is acked while Kafka cannot acknowledge");
    assert.ok(inFlightDuringFreeze > 0, "messages were held in flight during the outage");
    assert.deepEqual(missing, []);
    assert.equal(deadLetters.length, 0, "a transient failure never dead-letters");
    assert.equal(redelivered, 0, "visibility was extended: no message came back while held");
  } finally {
    process.kill(kafkaPid, "SIGCONT");
    assert.equal(await bridge.stop(), 0);
  }
});
