// Scenario 8: a transient failure on one event of a Pub/Sub ordering key. The bridge unwraps its
// data keys through KMS (a proxy in front of moto); the first unwrap of one tenant's second key
// version is throttled for 10 s, so the first event of that tenant sealed with it waits and is
// retried. Later events of its ordering key (some sealed with the first version, whose key is at
// hand) must not be produced ahead of it: order violations 0, in each partition (offsets) and
// across topics (produce times), and nothing lost. On Google's emulator where installed (it hands
// out several messages of a key at once), else pstest.
import assert from "node:assert/strict";
import { join } from "node:path";
import { it } from "node:test";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { startBridgeProcess } from "../support/bridge.ts";
import { expectedRecords } from "../support/expected.ts";
import type { CollectedRecord } from "../support/records.ts";
import { legacyEvents } from "../support/worlds.ts";
import type { FeedLedger } from "./support/feeders.ts";
import { feedPubSub } from "./support/feeders.ts";
import { wrapStaticKeys } from "./support/kms-keys.ts";
import { startKmsProxy } from "./support/kms-proxy.ts";
import { recordScenario } from "./support/results.ts";
import { accountFeed, provisionTwoClouds, twoCloudConfig } from "./support/two-clouds.ts";

const EVENTS = 600;
const FAIL_MS = 10_000;

/** Per ordering key, events whose first record was produced before that of an earlier event of the key. */
function produceOrderViolations(records: readonly CollectedRecord[], ledger: FeedLedger, eventOf: Map<string, string>): string[] {
  const firstAt = new Map<string, number>();
  for (const record of records) {
    const eventId = eventOf.get(record.ceId);
    if (eventId === undefined) continue;
    firstAt.set(eventId, Math.min(firstAt.get(eventId) ?? Number.POSITIVE_INFINITY, record.timestampMs));
  }
  const byGroup = new Map<string, { position: number; at: number; eventId: string }[]>();
  for (const [eventId, order] of ledger.ordered) {
    const at = firstAt.get(eventId);
    if (at === undefined) continue;
    byGroup.set(order.group, [...(byGroup.get(order.group) ?? []), { position: order.position, at, eventId }]);
  }
  const violations: string[] = [];
  for (const [group, entries] of byGroup) {
    entries.sort((a, b) => a.position - b.position);
    let latest = entries[0];
    for (const entry of entries.slice(1)) {
      if (latest !== undefined && entry.at < latest.at) {
        violations.push(
          `${group}: ${entry.eventId} (#${entry.position}) produced before ${latest.eventId} (#${latest.position})`,
        );
      }
      if (latest === undefined || entry.at > latest.at) latest = entry;
    }
  }
  return violations;
}

it("8 Pub/Sub: a transient failure on one event of an ordering key holds the later ones", { timeout: 300_000 }, async (t) => {
  const run = await provisionTwoClouds("f8-order", {
    sqsTenants: 1,
    pubsubTenants: 2,
    orderedEvery: 1,
    orderingKeysPerTenant: 2,
  });
  t.after(() => run.close());
  const wrapped = await wrapStaticKeys(run.gcp.keys.bridgeKeyFile, join(run.deployment.directory, "gcp.kms-keys.json"));
  const proxy = await startKmsProxy(meshEndpoints.awsEndpoint);
  t.after(() => proxy.close());
  const victim = run.gcp.tenants[0]!;
  let failingUntil = 0;
  proxy.policy = (tenant, blob) => {
    const key = wrapped.byBlob.get(blob);
    if (tenant !== victim || key?.version !== 2) return "pass";
    if (failingUntil === 0) failingUntil = Date.now() + FAIL_MS;
    return Date.now() < failingUntil ? "throttle" : "pass";
  };
  const base = twoCloudConfig(run, { pubsub: { maxMessagesPerPull: 50 } });
  const { sqs: _sqs, ...sources } = base.sources as Record<string, unknown>;
  const bridge = await startBridgeProcess(run.deployment, {
    ...base,
    sources,
    aws: { ...(base.aws as object), endpoint: proxy.endpoint },
    keys: { provider: "aws-kms", file: wrapped.file },
  });
  t.after(() => bridge.kill());

  const feed = feedPubSub(run.gcp, legacyEvents(run.gcp, EVENTS, 801), 40, run.pubsubHost);
  await feed.done;
  await bridge.waitForMetric("meshbridge_source_messages_acked_total", feed.ledger.accepted.size, 180_000);
  await run.collector.waitFor(() => false, 3_000);
  assert.equal(await bridge.stop(), 0, "the bridge stops cleanly");

  const accounting = accountFeed(run, run.gcp, feed.ledger, {
    scenario: "8 transient failure in an ordering key / pubsub",
    duplicateBound: 0,
  });
  const eventOf = new Map(
    [...expectedRecords(feed.ledger.offered, run.deployment.prefix).records].map(([ceId, record]) => [ceId, record.eventId]),
  );
  const acrossTopics = produceOrderViolations(run.collector.records, feed.ledger, eventOf);
  const throttled = proxy.throttled.get(victim) ?? 0;
  const row = {
    ...accounting,
    result: {
      ...accounting.result,
      orderViolations: accounting.result.orderViolations + acrossTopics.length,
      notes: `${throttled} Decrypts of ${victim} v2 throttled over ${FAIL_MS / 1000} s; ${acrossTopics.length} produce-order violations across topics; ${accounting.result.sent} events on ${new Set([...feed.ledger.ordered.values()].map((o) => o.group)).size} keys`,
    },
    orderViolationsSeen: [...accounting.orderViolationsSeen, ...acrossTopics],
  };
  recordScenario(t, row);
  assert.ok(throttled > 0, "the victim's key unwrap was throttled (the failure happened)");
});
