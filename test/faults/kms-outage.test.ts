// Scenario 6: KMS throttled, then unreachable, while events flow. The bridge reaches moto (SQS
// fed by SNS, and KMS: one AWS endpoint) through a proxy that answers every KMS Decrypt with a
// ThrottlingException for 12 s, then resets its connections for 12 s, then passes them again.
// Cached data keys keep serving only within their age (4 s here): once every key is past it, no
// record is produced until KMS answers again (a key used past its age, or a fallback that skipped
// decryption, would keep records flowing). Unwraps are retried; afterwards every event is in
// Kafka, decoded field by field equal to its plain event (so decrypted with the right key), and
// nothing is dead-lettered.
import assert from "node:assert/strict";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { compareRecords, RecordCollector } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";
import { account, sealedItems } from "./support/accounting.ts";
import { startKmsProxy } from "./support/kms-proxy.ts";
import { recordScenario } from "./support/results.ts";

const EVENTS = 450;
const MAX_AGE_S = 4;
const MAX_USES = 20;
const THROTTLED_MS = 12_000;
const RESET_MS = 12_000;
/** A record carries its producer's clock: the time between taking a key and sending. */
const SEND_SLACK_MS = 3_000;

it("6 KMS throttled then unreachable: keys only within their age, retried, nothing lost, nothing undecrypted", {
  timeout: 300_000,
}, async (t) => {
  const deployment = await isolatedDeployment("f6-kms");
  const world = await provisionSqsWorld(deployment, 3, { queue: "moto-sns", keys: "aws-kms" });
  const proxy = await startKmsProxy(meshEndpoints.awsEndpoint);
  t.after(() => proxy.close());
  const base = sqsBridgeConfig(deployment, world, { visibilityTimeoutSeconds: 10, waitTimeSeconds: 1 }, { logLevel: "debug" });
  const bridge = await startBridgeProcess(deployment, {
    ...base,
    aws: { ...(base.aws as object), endpoint: proxy.endpoint },
    keys: { ...(base.keys as object), maxAgeSeconds: MAX_AGE_S, maxUses: MAX_USES },
  });
  t.after(() => bridge.kill());
  const collector = await RecordCollector.open(deployment);
  t.after(() => collector.close());

  const events = legacyEvents(world, EVENTS, 601);
  const publishing = publishToSqsWorld(world, events, { rate: 15, concurrency: 2 });
  await bridge.waitForMetric("meshbridge_source_messages_acked_total", 60, 120_000);
  const outageStart = Date.now();
  proxy.policy = () => "throttle";
  await sleep(THROTTLED_MS);
  proxy.policy = () => "reset";
  await sleep(RESET_MS);
  const outageEnd = Date.now();
  proxy.policy = () => "pass";

  assert.equal(await publishing, EVENTS, "SNS accepted every event");
  // Through SNS: no SQS message id to follow, only that SNS took each event.
  const accepted = new Map(events.map((event) => [event.eventId, undefined]));
  await bridge.waitForMetric("meshbridge_source_messages_acked_total", EVENTS, 180_000);
  const expected = expectedRecords(events, deployment.prefix);
  await collector.waitFor(() => new Set(collector.records.map((record) => record.ceId)).size >= expected.records.size, 60_000);
  // Messages received again: a lease extension that reached moto too late (seen once on a loaded
  // machine: 1 duplicate). Only these can be written twice.
  const redelivered = await bridge.metric("meshbridge_source_redeliveries_total");
  assert.equal(await bridge.stop(), 0, "the bridge stops cleanly");

  const windowStart = outageStart + MAX_AGE_S * 1000 + SEND_SLACK_MS;
  const producedInWindow = collector.records.filter((r) => r.timestampMs >= windowStart && r.timestampMs < outageEnd).length;
  const sum = (map: Map<string, number>): number => [...map.values()].reduce((total, value) => total + value, 0);
  const passed = [...proxy.passed.values()].reduce((total, times) => total + times.length, 0);
  const keyRetries = bridge.logs.filter((line) => line.includes('"key load failed; retrying"')).length;
  const decoded = await collector.decoded();
  const comparison = compareRecords(decoded, expected);
  const notes =
    `KMS throttled ${THROTTLED_MS / 1000} s (${sum(proxy.throttled)} Decrypts refused), reset ${RESET_MS / 1000} s (${sum(proxy.reset)}); ` +
    `${passed} Decrypts passed for 6 keys (age ${MAX_AGE_S} s, ${MAX_USES} uses); ${producedInWindow} records produced with every key past its age; ` +
    `${keyRetries} key-load retries; ${redelivered} messages received again; ${comparison.matched}/${expected.records.size} records equal to their plain events`;
  recordScenario(
    t,
    account({
      scenario: "6 KMS throttled, then unreachable / sqs",
      items: sealedItems(events, expected),
      accepted,
      catalog: collector.records,
      deadLetters: collector.deadLetters,
      // The bridge holds and retries, extending the visibility (10 s): a message comes back only
      // when an extension was late, and only such a message can be written twice.
      duplicateBound: redelivered,
      notes,
    }),
  );
  assert.ok(sum(proxy.throttled) + sum(proxy.reset) > 0, "the bridge asked KMS during the outage (and was refused)");
  assert.ok(keyRetries > 0, "key loads were retried");
  assert.equal(producedInWindow, 0, "records produced with a data key past its maximum age");
  assert.deepEqual(comparison.mismatched, [], "records differ from their plain events");
  assert.equal(collector.deadLetters.length, 0, "a KMS outage never dead-letters");
  // Each unwrapped key serves at most MAX_USES messages: at least ceil(uses / MAX_USES) Decrypts per key.
  const perKey = Math.ceil(EVENTS / 6 / MAX_USES);
  assert.ok(passed >= perKey * 6, `${passed} Decrypts for ${EVENTS} messages over 6 keys with ${MAX_USES} uses each`);
});
