import assert from "node:assert/strict";
import { test } from "node:test";
import { PullScheduler, type Slot, unscheduledSlot } from "../../../src/sources/pubsub/pull-scheduler.ts";

const slot = (name: string): Slot => unscheduledSlot(name);

function scheduler(now: { ms: number }, cap = 100, idlePullsPerSecond = 0, emptyPullsBeforeIdle = 2, busyWindowMs = 1000) {
  return new PullScheduler(
    {
      emptyPullsBeforeIdle,
      busyWindowMs,
      idleMinMs: 100,
      idleMaxMs: 1000,
      idlePullsPerSecond,
      maxInFlightPerSubscription: cap,
      tickMs: 10,
    },
    () => now.ms,
  );
}

test("round robin: a subscription with a backlog gets one turn per round, like every other", async () => {
  const now = { ms: 0 };
  const s = scheduler(now);
  const slots = ["flood", "a", "b", "c"].map(slot);
  for (const x of slots) s.add(x);
  const order: string[] = [];
  for (let turn = 0; turn < 12; turn++) {
    const next = await s.take();
    assert.ok(next);
    order.push(next.name);
    // The flooded one always has messages; the others one each time too.
    s.pulled(next, 1);
  }
  assert.deepEqual(order, ["flood", "a", "b", "c", "flood", "a", "b", "c", "flood", "a", "b", "c"]);
});

test("an empty pull waits min, then doubling up to max; a settle wakes it at once", async () => {
  const now = { ms: 0 };
  const s = scheduler(now);
  const a = slot("a");
  s.add(a);
  const waits: number[] = [];
  for (let round = 0; round < 6; round++) {
    const got = await s.take();
    assert.equal(got, a);
    s.pulled(a, 0);
    waits.push(a.dueAtMs - now.ms);
    now.ms = a.dueAtMs - 1;
    s.tick();
    assert.equal(s.readyCount, 0, "not ready before it is due");
    now.ms = a.dueAtMs;
    s.tick();
    assert.equal(s.readyCount, 1);
  }
  assert.deepEqual(waits, [100, 200, 400, 800, 1000, 1000]);
  const got = await s.take();
  assert.equal(got, a);
  s.pulled(a, 0);
  assert.equal(a.state, "idle");
  s.settled(a);
  assert.equal(a.state, "ready");
  assert.equal(a.idleMs, 0);
});

test("a subscription at its cap is parked until a settle takes it below", async () => {
  const now = { ms: 0 };
  const s = scheduler(now, 10);
  const a = slot("a");
  s.add(a);
  const got = await s.take();
  assert.equal(s.room(a, 100), 10);
  a.inFlight = 10;
  s.pulled(got!, 10);
  assert.equal(a.state, "parked");
  assert.equal(s.room(a, 100), 0);
  a.inFlight = 9;
  s.settled(a);
  assert.equal(a.state, "ready");
  assert.equal(s.room(a, 100), 1);
});

test("removed slots are skipped; take() waits for a ready one; close() wakes waiters with undefined", async () => {
  const now = { ms: 0 };
  const s = scheduler(now);
  const a = slot("a");
  const b = slot("b");
  s.add(a);
  s.add(b);
  s.remove(a);
  assert.equal((await s.take())?.name, "b");
  const waiting = s.take();
  const c = slot("c");
  s.add(c);
  assert.equal((await waiting)?.name, "c");
  const blocked = s.take();
  s.close();
  assert.equal(await blocked, undefined);
  assert.equal(await s.take(), undefined);
});

test("idle pulls are paced as a whole: N long-idle subscriptions wait at least N / idlePullsPerSecond", async () => {
  const now = { ms: 0 };
  const s = scheduler(now, 100, 100);
  const slots = Array.from({ length: 500 }, (_, i) => slot(`s${i}`));
  for (const x of slots) s.add(x);
  const emptyRound = async (): Promise<void> => {
    for (let i = 0; i < slots.length; i++) s.pulled((await s.take())!, 0);
    now.ms = Math.max(...slots.map((x) => x.dueAtMs));
    s.tick();
  };
  // The backoff ramp (100, 200, 400, 800 ms) is not paced: a subscription that just ran dry
  // stays responsive.
  await emptyRound();
  assert.deepEqual(new Set(slots.map((x) => x.dueAtMs)), new Set([100]));
  for (let round = 0; round < 3; round++) await emptyRound();
  // At the ceiling, the k-th to go idle waits max(idleMaxMs, k × 10 ms): k idle at 100 pulls/s.
  const start = now.ms;
  for (let i = 0; i < slots.length; i++) {
    const next = await s.take();
    assert.equal(next, slots[i]);
    s.pulled(next!, 0);
  }
  assert.equal(s.idleCount, 500);
  assert.deepEqual(
    slots.map((x) => x.dueAtMs - start),
    slots.map((_, i) => Math.max(1000, (i + 1) * 10)),
  );
  // So in any second, at most 100 of them are due to pull again — not 500.
  for (let from = start + 1000; from < start + 5000; from += 250) {
    const due = slots.filter((x) => x.dueAtMs > from && x.dueAtMs <= from + 1000).length;
    assert.ok(due <= 100, `${due} idle pulls due in (${from}, ${from + 1000}] ms`);
  }
});

test("a few idle subscriptions are not slowed down by the pacing: the backoff rules", async () => {
  const now = { ms: 0 };
  const s = scheduler(now, 100, 100);
  const a = slot("a");
  s.add(a);
  const waits: number[] = [];
  for (let round = 0; round < 5; round++) {
    assert.equal(await s.take(), a);
    s.pulled(a, 0);
    waits.push(a.dueAtMs - now.ms);
    now.ms = a.dueAtMs;
    s.tick();
  }
  assert.deepEqual(waits, [100, 200, 400, 800, 1000]);
});

test("a subscription that just had messages is not backed off by its first empty pulls; a message resets that", async () => {
  const now = { ms: 0 };
  const s = scheduler(now);
  const busy = slot("busy");
  const other = slot("other");
  s.add(busy);
  s.add(other);
  const take = async (expected: Slot): Promise<void> => assert.equal(await s.take(), expected);
  await take(busy);
  s.pulled(busy, 5);
  await take(other);
  s.pulled(other, 5);
  // Two empty pulls in a row: each time straight back in line, behind the others (round robin).
  for (let empty = 1; empty <= 2; empty++) {
    await take(busy);
    s.pulled(busy, 0);
    assert.equal(busy.state, "ready", `empty pull ${empty} of a busy subscription: no wait`);
    assert.equal(busy.idleMs, 0);
    await take(other);
    s.pulled(other, 5);
  }
  // The third starts the backoff, from idleMinMs.
  await take(busy);
  s.pulled(busy, 0);
  assert.equal(busy.state, "idle");
  assert.equal(busy.dueAtMs - now.ms, 100);
  // Messages again: the grace is whole again.
  now.ms = busy.dueAtMs;
  s.tick();
  await take(other);
  s.pulled(other, 5);
  await take(busy);
  s.pulled(busy, 3);
  await take(other);
  s.pulled(other, 5);
  await take(busy);
  s.pulled(busy, 0);
  assert.equal(busy.state, "ready");
});

test("a subscription that never had messages waits at its first empty pull (idle ones cost no extra pulls)", async () => {
  const now = { ms: 0 };
  const s = scheduler(now);
  const idle = slot("idle");
  s.add(idle);
  assert.equal(await s.take(), idle);
  s.pulled(idle, 0);
  assert.equal(idle.state, "idle");
  assert.equal(idle.dueAtMs, 100);
});

test("emptyPullsBeforeIdle 0: the first empty pull after messages waits idleMinMs (the former rule)", async () => {
  const now = { ms: 0 };
  const s = scheduler(now, 100, 0, 0, 0);
  const a = slot("a");
  s.add(a);
  assert.equal(await s.take(), a);
  s.pulled(a, 5);
  assert.equal(await s.take(), a);
  s.pulled(a, 0);
  assert.equal(a.state, "idle");
  assert.equal(a.dueAtMs, 100);
});

test("within busyWindowMs of its last messages a subscription waits idleMinMs, without doubling; after it, doubling", async () => {
  const now = { ms: 1 };
  const s = scheduler(now, 100, 0, 0, 1000);
  const a = slot("a");
  s.add(a);
  assert.equal(await s.take(), a);
  s.pulled(a, 5);
  const waits: number[] = [];
  for (let round = 0; round < 12; round++) {
    assert.equal(await s.take(), a);
    s.pulled(a, 0);
    waits.push(a.dueAtMs - now.ms);
    now.ms = a.dueAtMs;
    s.tick();
  }
  // Messages at t=1: empty pulls until t=1001 wait 100 ms each; then the backoff doubles.
  assert.deepEqual(waits, [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 200, 400]);
});

test("busyWindowMs 0: doubling from the first empty pull after messages (the former rule)", async () => {
  const now = { ms: 1 };
  const s = scheduler(now, 100, 0, 0, 0);
  const a = slot("a");
  s.add(a);
  assert.equal(await s.take(), a);
  s.pulled(a, 5);
  const waits: number[] = [];
  for (let round = 0; round < 4; round++) {
    assert.equal(await s.take(), a);
    s.pulled(a, 0);
    waits.push(a.dueAtMs - now.ms);
    now.ms = a.dueAtMs;
    s.tick();
  }
  assert.deepEqual(waits, [100, 200, 400, 800]);
});
