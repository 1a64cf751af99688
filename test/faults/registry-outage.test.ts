// Scenario 5: the schema registry unreachable at start-up, then killed during the run. While it
// cannot be reached the bridge is live (/healthz 200) but not ready, and /readyz says why; it
// consumes nothing. Once the registry answers it verifies the schemas and runs; the registry
// (the stack's own) is then killed and the records keep flowing on the schema ids verified at
// start, for both clouds, nothing lost. The registry is started again afterwards (empty: it keeps
// nothing; later deployments register their own schemas).
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ports } from "../../infra/stack/ports.ts";
import { startBridgeProcess } from "../support/bridge.ts";
import { freePort, shutTcpGate } from "../support/tcp-gate.ts";
import { legacyEvents } from "../support/worlds.ts";
import { feedPubSub, feedSqs } from "./support/feeders.ts";
import { recordScenario } from "./support/results.ts";
import { killServer, restartServer } from "./support/stack.ts";
import { accountFeed, provisionTwoClouds, twoCloudConfig } from "./support/two-clouds.ts";

let registryKilled = false;
after(async () => {
  if (registryKilled) await restartServer("registry");
});

const PER_CLOUD = 600;

async function probe(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

it("5 registry unreachable at start-up (not ready, says why), killed during the run: nothing lost", {
  timeout: 300_000,
}, async (t) => {
  const run = await provisionTwoClouds("f5-registry", { sqsTenants: 3, pubsubTenants: 3 });
  t.after(() => run.close());
  const gate = await shutTcpGate({ host: "127.0.0.1", port: ports.registry });
  t.after(() => gate.close());
  const opsPort = await freePort();
  const config = {
    ...twoCloudConfig(run, { sqs: { waitTimeSeconds: 2 } }),
    registry: { url: `http://127.0.0.1:${gate.port}/apis/ccompat/v7` },
    http: { port: opsPort, host: "127.0.0.1" },
  };
  const starting = startBridgeProcess(run.deployment, config);
  starting.catch(() => undefined);
  const sqs = feedSqs(run.aws, legacyEvents(run.aws, PER_CLOUD, 501), 30);
  const pubsub = feedPubSub(run.gcp, legacyEvents(run.gcp, PER_CLOUD, 502), 30, run.pubsubHost);

  // Until it answers: live, not ready, and saying why.
  let readiness = { status: 0, body: "" };
  for (let waited = 0; waited < 30_000; waited += 250) {
    readiness = await probe(opsPort, "/readyz").catch(() => ({ status: 0, body: "" }));
    if (readiness.body.includes("attempt 3")) break;
    await sleep(250);
  }
  t.diagnostic(`/readyz while the registry is unreachable: ${readiness.status} ${readiness.body.trim()}`);
  assert.equal(readiness.status, 503);
  assert.match(
    readiness.body,
    /^not ready: registry check not passed: .*unreachable.*127\.0\.0\.1:\d+.*\(attempt \d+; retrying\)/,
  );
  assert.equal((await probe(opsPort, "/healthz")).status, 200, "live while not ready");

  await gate.open();
  const bridge = await starting;
  t.after(() => bridge.kill());
  assert.equal((await probe(opsPort, "/readyz")).status, 200, "ready once the schemas are verified");
  await bridge.waitForMetric("meshbridge_source_messages_acked_total", 150, 120_000);
  const ackedAtKill = await bridge.metric("meshbridge_source_messages_acked_total");
  await gate.close();
  await killServer("registry");
  registryKilled = true;

  await Promise.all([sqs.done, pubsub.done]);
  const accepted = sqs.ledger.accepted.size + pubsub.ledger.accepted.size;
  await bridge.waitForMetric("meshbridge_source_messages_acked_total", accepted, 180_000);
  const ackedAfterKill = (await bridge.metric("meshbridge_source_messages_acked_total")) - ackedAtKill;
  await run.collector.waitFor(() => false, 3_000);
  assert.equal((await probe(opsPort, "/readyz")).status, 200, "still ready with the registry gone");
  assert.equal(await bridge.stop(), 0, "the bridge stops cleanly");

  const notes = `registry unreachable at start (/readyz 503 "${readiness.body.trim().slice(0, 60)}…"), killed after ${ackedAtKill} acked; ${ackedAfterKill} acked after`;
  const rows = [
    accountFeed(run, run.aws, sqs.ledger, { scenario: "5 registry down at start, killed / sqs", duplicateBound: 0, notes }),
    accountFeed(run, run.gcp, pubsub.ledger, { scenario: "5 registry down at start, killed / pubsub", duplicateBound: 0, notes }),
  ];
  for (const row of rows) recordScenario(t, row);
  assert.ok(ackedAfterKill > 0, "records flowed after the registry was killed");
});
