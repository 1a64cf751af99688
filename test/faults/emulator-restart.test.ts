// Scenario 11: the source servers restart mid-run (the stack's own ElasticMQ, then its pstest),
// while both clouds publish at a steady rate and the bridge keeps running. Each server comes
// back empty (memory only), so the test makes the queue and the subscriptions again under the
// same names, as provisioning would. The bridge reconnects by itself (no restart) and delivers
// everything published after that. Accounted apart, and not as lost: sends refused while a
// server was down (no-src), and messages the server had accepted but lost in its restart before
// the bridge received any of them (the bridge's debug "received" lines say which). A message the
// bridge had received is never lost: its records reach Kafka (its ack may die with the server).
// pstest numbers its messages from 1 again after a restart: receipts count per run of the server.
import assert from "node:assert/strict";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { startBridgeProcess } from "../support/bridge.ts";
import { legacyEvents } from "../support/worlds.ts";
import { type Feeder, feedPubSub, feedSqs } from "./support/feeders.ts";
import { recreatePubSubWorld, recreateQueue } from "./support/recreate.ts";
import { recordScenario } from "./support/results.ts";
import { lostInRestarts, notYetReceived, type ServerRestart } from "./support/server-runs.ts";
import { killServer, restartServer } from "./support/stack.ts";
import { accountFeed, explainLost, provisionTwoClouds, twoCloudConfig } from "./support/two-clouds.ts";

const PER_CLOUD = 1200;
const RATE = 20;

it("11 ElasticMQ and pstest restart mid-run: the bridge reconnects by itself, nothing it received lost", {
  timeout: 400_000,
}, async (t) => {
  const run = await provisionTwoClouds("f11-emu", {
    sqsTenants: 3,
    pubsubTenants: 3,
    pubsubHost: meshEndpoints.pubsubEmulatorHost,
  });
  t.after(() => run.close());
  const bridge = await startBridgeProcess(run.deployment, twoCloudConfig(run, { sqs: { waitTimeSeconds: 2 } }));
  t.after(() => bridge.kill());
  const sqs = feedSqs(run.aws, legacyEvents(run.aws, PER_CLOUD, 1101), RATE);
  const pubsub = feedPubSub(run.gcp, legacyEvents(run.gcp, PER_CLOUD, 1102), RATE, run.pubsubHost);

  await bridge.waitForMetric("meshbridge_source_messages_acked_total", 200, 120_000);
  let began = Date.now();
  const sqsKill = { killOffered: sqs.ledger.offered.length, killLog: bridge.logs.length };
  await killServer("elasticmq");
  await restartServer("elasticmq");
  await recreateQueue(run.aws);
  const sqsRestarts: ServerRestart[] = [{ ...sqsKill, readyOffered: sqs.ledger.offered.length }];
  const sqsDownMs = Date.now() - began;

  await sleep(10_000);
  began = Date.now();
  const pubsubKill = { killOffered: pubsub.ledger.offered.length, killLog: bridge.logs.length };
  await killServer("pubsub");
  await restartServer("pubsub");
  await recreatePubSubWorld(run.gcp, run.pubsubHost);
  const pubsubRestarts: ServerRestart[] = [{ ...pubsubKill, readyOffered: pubsub.ledger.offered.length }];
  const pubsubDownMs = Date.now() - began;

  await Promise.all([sqs.done, pubsub.done]);
  // What the servers accepted after they came back must all arrive: the bridge reconnected.
  const acceptedAfter = (feeder: Feeder, restarts: readonly ServerRestart[]): number =>
    feeder.ledger.offered.slice(restarts[0]!.readyOffered).filter((event) => feeder.ledger.accepted.has(event.eventId)).length;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const pending =
      notYetReceived(sqs.ledger, sqsRestarts, bridge.logs) + notYetReceived(pubsub.ledger, pubsubRestarts, bridge.logs);
    if (pending === 0) break;
    assert.ok(Date.now() < deadline, `${pending} messages published after the restarts never reached the bridge`);
    await sleep(500);
  }
  await sleep(5_000);
  await run.collector.waitFor(() => false, 3_000);
  assert.equal(await bridge.stop(), 0, "the bridge stops cleanly");

  const wipedSqs = lostInRestarts(sqs.ledger, sqsRestarts, bridge.logs);
  const wipedPubSub = lostInRestarts(pubsub.ledger, pubsubRestarts, bridge.logs);
  const warnings = (what: string): number => bridge.logs.filter((line) => line.includes(what)).length;
  const rows = [
    accountFeed(run, run.aws, sqs.ledger, {
      scenario: "11 ElasticMQ restart mid-run / sqs",
      duplicateBound: 0,
      notAccepted: wipedSqs,
      notes: `down ${sqsDownMs} ms; ${sqs.ledger.failedCalls} send calls refused; ${wipedSqs.size} accepted then lost in the restart before the bridge saw them; ${acceptedAfter(sqs, sqsRestarts)} accepted after, all received; ${warnings("SQS receive failed")} receive-failure warnings`,
    }),
    accountFeed(run, run.gcp, pubsub.ledger, {
      scenario: "11 pstest restart mid-run / pubsub",
      duplicateBound: 0,
      notAccepted: wipedPubSub,
      notes: `down ${pubsubDownMs} ms; ${pubsub.ledger.failedCalls} publish calls refused; ${wipedPubSub.size} accepted then lost in the restart before the bridge saw them; ${acceptedAfter(pubsub, pubsubRestarts)} accepted after, all received; ${warnings("Pub/Sub pull failed")} pull-failure warnings`,
    }),
  ];
  recordScenario(t, rows[0]!, explainLost(sqs.ledger, bridge.logs));
  recordScenario(t, rows[1]!, explainLost(pubsub.ledger, bridge.logs));
  assert.ok(acceptedAfter(sqs, sqsRestarts) > 0 && acceptedAfter(pubsub, pubsubRestarts) > 0, "events flowed after the restarts");
});
