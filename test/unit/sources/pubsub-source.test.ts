// The Pub/Sub source against an in-memory SubscriberApi: ordering, budget, settlement, deletion.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "../../../src/ops/log.ts";
import { SourceMetrics } from "../../../src/ops/source-metrics.ts";
import { InFlightBudget } from "../../../src/pipeline/budget.ts";
import { defaultPubSubSourceOptions, PubSubSource, type PubSubSourceOptions } from "../../../src/sources/pubsub/pubsub-source.ts";
import type { PulledMessage, SubscriberApi, SubscriptionInfo } from "../../../src/sources/pubsub/subscriber-api.ts";
import type { SourceMessage } from "../../../src/sources/source.ts";
import { startWith } from "../../support/source-context.ts";

interface Stored {
  readonly id: string;
  readonly orderingKey: string;
  outstanding: boolean;
  deliveries: number;
}

/** Like the real service (not pstest): a pull may return several messages of one ordering key. */
class FakeApi implements SubscriberApi {
  readonly subs = new Map<string, Stored[]>();
  readonly calls = { pull: 0, ack: 0, modAck: 0, nackIds: 0 };
  #next = 0;

  create(name: string): void {
    this.subs.set(name, []);
  }

  publish(name: string, count: number, orderingKey = ""): string[] {
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const id = `m${this.#next++}`;
      this.subs.get(name)!.push({ id, orderingKey, outstanding: false, deliveries: 0 });
      ids.push(id);
    }
    return ids;
  }

  async pull(subscription: string, maxMessages: number): Promise<PulledMessage[]> {
    this.calls.pull++;
    await Promise.resolve();
    const stored = this.subs.get(subscription);
    if (stored === undefined) throw Object.assign(new Error("NOT_FOUND"), { code: 5 });
    const out: PulledMessage[] = [];
    for (const item of stored) {
      if (out.length >= maxMessages) break;
      if (item.outstanding) continue;
      item.outstanding = true;
      item.deliveries++;
      out.push({
        ackId: `${subscription}|${item.id}`,
        messageId: item.id,
        data: Buffer.from(item.id),
        attributes: {},
        publishTimeMs: Date.now(),
        orderingKey: item.orderingKey,
        deliveryAttempt: 0,
      });
    }
    return out;
  }

  async acknowledge(subscription: string, ackIds: readonly string[]): Promise<void> {
    this.calls.ack++;
    const stored = this.subs.get(subscription);
    if (stored === undefined) throw Object.assign(new Error("NOT_FOUND"), { code: 5 });
    const ids = new Set(ackIds.map((ackId) => ackId.slice(ackId.indexOf("|") + 1)));
    this.subs.set(
      subscription,
      stored.filter((item) => !ids.has(item.id)),
    );
  }

  async modifyAckDeadline(subscription: string, ackIds: readonly string[], seconds: number): Promise<void> {
    this.calls.modAck++;
    const stored = this.subs.get(subscription);
    if (stored === undefined) throw Object.assign(new Error("NOT_FOUND"), { code: 5 });
    if (seconds > 0) return;
    this.calls.nackIds += ackIds.length;
    const ids = new Set(ackIds.map((ackId) => ackId.slice(ackId.indexOf("|") + 1)));
    for (const item of stored) if (ids.has(item.id)) item.outstanding = false;
  }

  async getSubscription(subscription: string): Promise<SubscriptionInfo> {
    if (!this.subs.has(subscription)) throw Object.assign(new Error("NOT_FOUND"), { code: 5 });
    return {
      name: subscription,
      ackDeadlineSeconds: 10,
      labels: {},
      messageOrdering: false,
      exactlyOnceDelivery: subscription.endsWith("-eod"),
    };
  }

  async listSubscriptions(project: string): Promise<SubscriptionInfo[]> {
    return [...this.subs.keys()]
      .filter((name) => name.startsWith(`projects/${project}/`))
      .map((name) => ({
        name,
        ackDeadlineSeconds: 10,
        labels: {},
        messageOrdering: false,
        exactlyOnceDelivery: name.endsWith("-eod"),
      }));
  }

  async close(): Promise<void> {}

  remaining(): number {
    let total = 0;
    for (const stored of this.subs.values()) total += stored.length;
    return total;
  }
}

const path = (id: string): string => `projects/p/subscriptions/${id}`;
const quietLog = (lines: string[] = []) => createLogger("info", {}, (line) => lines.push(line));

function source(api: FakeApi, overrides: Partial<PubSubSourceOptions> = {}, lines: string[] = []) {
  return new PubSubSource(
    api,
    { ...defaultPubSubSourceOptions, project: "p", idleMinMs: 5, idleMaxMs: 20, ...overrides },
    quietLog(lines),
  );
}

test("ordering keys: one message per key in the pipeline at a time, in order; keys in parallel", async () => {
  const api = new FakeApi();
  api.create(path("ordered"));
  const published = new Map<string, string[]>();
  for (let round = 0; round < 20; round++) {
    for (const key of ["a", "b", "c"]) {
      published.set(key, [...(published.get(key) ?? []), ...api.publish(path("ordered"), 1, key)]);
    }
  }
  const budget = new InFlightBudget(1000, 64 * 1024 * 1024);
  const src = source(api, { subscriptions: ["ordered"] });
  const seen = new Map<string, string[]>();
  const inPipeline = new Map<string, number>();
  let maxParallelKeys = 0;
  await startWith(src, budget, (batch: readonly SourceMessage[]) => {
    for (const message of batch) {
      const key = message.orderingKey!;
      assert.equal(inPipeline.get(key) ?? 0, 0, `two messages of key ${key} in the pipeline at once`);
      inPipeline.set(key, 1);
      maxParallelKeys = Math.max(maxParallelKeys, [...inPipeline.values()].filter((v) => v > 0).length);
      seen.set(key, [...(seen.get(key) ?? []), message.id]);
      setTimeout(() => {
        inPipeline.set(key, 0);
        message.ack();
      }, Math.random() * 3);
    }
  });
  const deadline = Date.now() + 5000;
  while (api.remaining() > 0 && Date.now() < deadline) await sleep(10);
  await src.stop();
  assert.equal(api.remaining(), 0, "every message acked");
  for (const key of ["a", "b", "c"]) assert.deepEqual(seen.get(key), published.get(key), `key ${key} out of order`);
  assert.ok(maxParallelKeys >= 2, `keys should proceed in parallel (max ${maxParallelKeys})`);
  assert.equal(budget.messages, 0, "budget given back");
  assert.equal(budget.bytes, 0);
});

test("a nack brings the message back and releases the held ones of its key for redelivery", async () => {
  const api = new FakeApi();
  api.create(path("s"));
  const ids = api.publish(path("s"), 5, "k");
  const budget = new InFlightBudget(100, 64 * 1024 * 1024);
  const src = source(api, { subscriptions: ["s"] });
  const seen: string[] = [];
  let nacked = false;
  await startWith(src, budget, (batch) => {
    for (const message of batch) {
      seen.push(message.id);
      if (message.id === ids[1] && !nacked) {
        nacked = true;
        message.nack();
      } else setImmediate(() => message.ack());
    }
  });
  const deadline = Date.now() + 5000;
  while (api.remaining() > 0 && Date.now() < deadline) await sleep(10);
  await src.stop();
  assert.equal(api.remaining(), 0);
  // m0, m1 (nacked; m2..m4 were held and handed back), then m1..m4 again in order.
  assert.deepEqual(seen, [ids[0], ids[1], ids[1], ids[2], ids[3], ids[4]]);
  assert.equal(api.calls.nackIds, 4, "the nacked message and its three held successors");
  assert.equal(budget.messages, 0);
});

test("shared budget: in flight never above it; a flooded subscription leaves room for the others", async () => {
  const api = new FakeApi();
  api.create(path("flood"));
  api.publish(path("flood"), 3000);
  for (let index = 0; index < 9; index++) api.create(path(`t${index}`));
  const budget = new InFlightBudget(200, 64 * 1024 * 1024);
  const src = source(api, {
    subscriptions: ["flood", ...Array.from({ length: 9 }, (_, index) => `t${index}`)],
    maxInFlightPerSubscription: 100,
    maxMessagesPerPull: 50,
  });
  let maxInFlight = 0;
  const trickleLatency: number[] = [];
  const sentAt = new Map<string, number>();
  await startWith(src, budget, (batch) => {
    maxInFlight = Math.max(maxInFlight, budget.messages);
    for (const message of batch) {
      const sent = sentAt.get(message.id);
      if (sent !== undefined) trickleLatency.push(Date.now() - sent);
      // A slow pipeline: 20 ms per message of the flood.
      setTimeout(() => message.ack(), sent === undefined ? 20 : 1);
    }
  });
  for (let round = 0; round < 10; round++) {
    for (let index = 0; index < 9; index++) {
      const [id] = api.publish(path(`t${index}`), 1);
      sentAt.set(id!, Date.now());
    }
    await sleep(30);
  }
  await sleep(100);
  await src.stop();
  assert.ok(maxInFlight <= 200, `in flight ${maxInFlight} above the budget`);
  assert.equal(trickleLatency.length, 90, "every trickling message delivered while the flood has a backlog");
  assert.ok(api.subs.get(path("flood"))!.length > 0, "the flood still had a backlog");
  const worst = Math.max(...trickleLatency);
  assert.ok(worst < 150, `trickle latency up to ${worst} ms behind a flooded subscription`);
  assert.equal(budget.messages, 0);
});

test("a deleted subscription is released once, quietly; the others go on", async () => {
  const api = new FakeApi();
  for (const id of ["keep", "tenant-a", "tenant-b"]) api.create(path(id));
  const lines: string[] = [];
  const budget = new InFlightBudget(100, 64 * 1024 * 1024);
  const src = source(
    api,
    { subscriptions: ["keep"], discovery: [{ project: "p", prefix: "tenant-" }], discoveryIntervalMs: 50 },
    lines,
  );
  const delivered: string[] = [];
  await startWith(src, budget, (batch) => {
    for (const message of batch) {
      delivered.push(message.source);
      // Settles long after its subscription is gone.
      setTimeout(() => message.ack(), 100);
    }
  });
  assert.equal(src.stats.subscriptions, 3);
  api.publish(path("tenant-a"), 3);
  await sleep(50);
  api.subs.delete(path("tenant-a"));
  api.create(path("tenant-c"));
  api.publish(path("tenant-c"), 2);
  api.publish(path("keep"), 2);
  await sleep(400);
  await src.stop();
  assert.deepEqual(delivered.sort(), [
    "pubsub:keep",
    "pubsub:keep",
    "pubsub:tenant-a",
    "pubsub:tenant-a",
    "pubsub:tenant-a",
    "pubsub:tenant-c",
    "pubsub:tenant-c",
  ]);
  assert.ok(!src.subscriptionNames().includes(path("tenant-a")));
  assert.ok(src.subscriptionNames().includes(path("tenant-c")));
  const warnings = lines.filter((line) => line.includes('"level":"warn"') || line.includes('"level":"error"'));
  assert.deepEqual(warnings, [], "no warnings for a deleted subscription");
  assert.equal(budget.messages, 0, "budget given back for the deleted subscription's messages too");
});

test("configured subscription missing at start-up is a start-up error", async () => {
  const api = new FakeApi();
  const src = source(api, { subscriptions: ["nope"] });
  await assert.rejects(
    startWith(src, new InFlightBudget(10, 1024 * 1024), () => {}),
    /NOT_FOUND/,
  );
});

test("a configured exactly-once subscription stops the start, naming it", async () => {
  const api = new FakeApi();
  api.create(path("plain"));
  api.create(path("tenant-eod"));
  const src = source(api, { subscriptions: ["plain", "tenant-eod"] });
  await assert.rejects(
    startWith(src, new InFlightBudget(10, 1024 * 1024), () => {}),
    /projects\/p\/subscriptions\/tenant-eod has exactly-once delivery enabled/,
  );
});

test("a discovered exactly-once subscription is not consumed; one warning over many scans", async () => {
  const api = new FakeApi();
  api.create(path("tenant-a"));
  api.create(path("tenant-eod"));
  api.publish(path("tenant-eod"), 3);
  const lines: string[] = [];
  const src = source(api, { discovery: [{ project: "p", prefix: "tenant-" }], discoveryIntervalMs: 10 }, lines);
  await startWith(src, new InFlightBudget(10, 1024 * 1024), () => {});
  try {
    await sleep(100);
    assert.deepEqual(src.subscriptionNames(), [path("tenant-a")]);
    assert.equal(lines.filter((line) => line.includes("exactly-once") && line.includes("tenant-eod")).length, 1);
    assert.equal(api.remaining(), 3, "the exactly-once subscription's messages stay on it");
  } finally {
    await src.stop();
  }
});

test("metrics per subscription: states (subscribed, failing, removed by discovery), in flight, backlog lower bound", async () => {
  const api = new FakeApi();
  for (const id of ["keep", "tenant-a"]) api.create(path(id));
  const metrics = new SourceMetrics();
  const transitions: string[] = [];
  metrics.onStateChange((meter, from) =>
    transitions.push(`${meter.id} ${from}→${meter.state}${meter.failure ? ` ${meter.failure}` : ""}`),
  );
  const src = source(api, {
    subscriptions: ["keep"],
    discovery: [{ project: "p", prefix: "tenant-" }],
    discoveryIntervalMs: 50,
    maxMessagesPerPull: 2,
  });
  const held: SourceMessage[] = [];
  await src.start({
    deliver: (batch) => held.push(...batch),
    budget: new InFlightBudget(100, 64 * 1024 * 1024),
    signal: new AbortController().signal,
    metrics,
  });
  try {
    const keep = metrics.forSource("pubsub:keep");
    const tenant = metrics.forSource("pubsub:tenant-a");
    api.publish(path("keep"), 5);
    await until(() => held.length === 5);
    const lines: string[] = [];
    metrics.render(lines);
    assert.ok(lines.includes('meshbridge_source_in_flight_messages{source="pubsub/keep"} 5'));
    assert.ok((keep.backlog ?? 0) >= 5, `backlog of a subscription with 5 held: ${keep.backlog}`);
    for (const message of held) message.ack();
    await until(() => keep.backlog === 0, "an empty pull: nothing held, nothing waiting");

    // A configured subscription deleted: failing (asked again later); a discovered one: removed.
    api.subs.delete(path("keep"));
    api.subs.delete(path("tenant-a"));
    await until(() => keep.state === "failing" && tenant.state === "removed");
    assert.equal(keep.failure, "NOT_FOUND");
    assert.deepEqual(transitions.sort(), [
      "pubsub/keep starting→subscribed",
      "pubsub/keep subscribed→failing NOT_FOUND",
      "pubsub/tenant-a starting→subscribed",
      "pubsub/tenant-a subscribed→removed",
    ]);
  } finally {
    await src.stop();
  }
});

async function until(predicate: () => boolean, what = "condition", timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(5);
  }
}
