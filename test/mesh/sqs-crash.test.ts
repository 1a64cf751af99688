// Killing the bridge (SIGKILL: no shutdown, no flush) mid-run and starting it again loses
// nothing: unacked messages come back by visibility timeout and every event reaches Kafka.
// Duplicates are expected (at least once) and counted.
import assert from "node:assert/strict";
import { after, it } from "node:test";
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
after(() => sns.destroy());

it("SIGKILL mid-run, restart: zero lost, duplicates counted", async (t) => {
  const deployment = await isolatedDeployment("crash");
  const world = await provisionSqsWorld(deployment, 10);
  // A short visibility timeout so the killed bridge's messages come back within the test.
  const config = bridgeConfig(deployment, world, { visibilityTimeoutSeconds: 5 });
  const sent = [
    ...legacyStream({
      tenants: world.tenants,
      keyVersions: world.keyVersions,
      count: 3000,
      seed: Date.now() % 1e9,
      targetBytes: 0,
      keyFor: sealKeys(world),
    }),
  ];
  const { records: expected } = expectedRecords(sent, deployment.prefix);

  const first = await startBridgeProcess(deployment, config, "first");
  const publishing = publishToSns(sns, world.aws, sent, { rate: 300, concurrency: 8 });
  await waitFor("a third acked", async () => (await first.metric("meshbridge_source_messages_acked_total")) >= 1000, 120_000);
  const ackedBeforeKill = await first.metric("meshbridge_source_messages_acked_total");
  const inFlightAtKill = await first.metric("meshbridge_in_flight_messages");
  await first.kill();
  assert.ok(ackedBeforeKill < sent.length, "killed mid-run");

  const second = await startBridgeProcess(deployment, config, "second");
  try {
    assert.equal(await publishing, sent.length);
    const { catalog } = await collectRecords(
      deployment,
      (records) => new Set(records.map((record) => record.headers.get("ce_id"))).size >= expected.size,
      180_000,
    );
    const counts = new Map<string, number>();
    for (const record of catalog) {
      const ceId = record.headers.get("ce_id") ?? "";
      counts.set(ceId, (counts.get(ceId) ?? 0) + 1);
    }
    const missing = [...expected.keys()].filter((ceId) => !counts.has(ceId));
    const unexpected = [...counts.keys()].filter((ceId) => !expected.has(ceId));
    let duplicates = 0;
    for (const count of counts.values()) duplicates += count - 1;
    t.diagnostic(
      `killed after ${ackedBeforeKill} of ${sent.length} acked (${inFlightAtKill} in flight); ` +
        `${expected.size} records expected, ${catalog.length} read, ${duplicates} duplicates, ${missing.length} missing`,
    );
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} records lost`);
    assert.deepEqual(unexpected, []);
  } finally {
    assert.equal(await second.stop(), 0);
  }
});
