// The source core's lease set: one heartbeat extends the leases near their deadline, the budget
// is charged and given back, drain() waits for every lease and releases the rest at grace end.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InFlightBudget } from "../../../../src/pipeline/budget.ts";
import { type Lease, LeaseSet } from "../../../../src/sources/core/lease-set.ts";

interface TestLease extends Lease {
  readonly name: string;
}

const lease = (name: string, deadlineAtMs: number, bytes = 10): TestLease => ({ name, bytes, deadlineAtMs, settled: false });

function leaseSet(extended: string[], released: string[]) {
  const set: LeaseSet<TestLease> = new LeaseSet<TestLease>({
    heartbeatMs: 20,
    extendWithinMs: 1000,
    extend: (item, nowMs) => {
      extended.push(item.name);
      item.deadlineAtMs = nowMs + 60_000;
    },
    release: (item) => {
      released.push(item.name);
      item.settled = true;
      set.finish(item);
    },
  });
  return set;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("LeaseSet", () => {
  it("one heartbeat extends only unsettled leases within extendWithinMs of their deadline, once each", async () => {
    const extended: string[] = [];
    const set = leaseSet(extended, []);
    const budget = new InFlightBudget(100, 1 << 20);
    set.start(budget);
    const now = Date.now();
    const due = lease("due", now + 500);
    const later = lease("later", now + 30_000);
    const settled = { ...lease("settled", now + 100), settled: true };
    for (const item of [due, later, settled]) set.add(item);
    await tick(100);
    assert.deepEqual(extended, ["due"], "extended once: its new deadline is far away");
    assert.ok(due.deadlineAtMs > now + 50_000);
    for (const item of [due, later, settled]) set.finish(item);
    await set.drain();
  });

  it("charges each lease's bytes and gives back its slot and bytes once on finish", async () => {
    const set = leaseSet([], []);
    const budget = new InFlightBudget(100, 1 << 20);
    set.start(budget);
    await budget.acquire(2);
    const a = lease("a", Date.now() + 60_000, 7);
    const b = lease("b", Date.now() + 60_000, 5);
    set.add(a);
    set.add(b);
    assert.equal(budget.bytes, 12);
    assert.equal(set.finish(a), true);
    assert.equal(set.finish(a), false, "a second finish is a no-op");
    assert.equal(budget.messages, 1);
    assert.equal(budget.bytes, 5);
    set.finish(b);
    assert.equal(budget.messages, 0);
    assert.equal(budget.bytes, 0);
    await set.drain();
  });

  it("drain() waits until every lease is finished", async () => {
    const set = leaseSet([], []);
    set.start(new InFlightBudget(100, 1 << 20));
    const a = lease("a", Date.now() + 60_000);
    set.add(a);
    let drained = false;
    const draining = set.drain().then(() => {
      drained = true;
    });
    await tick(50);
    assert.equal(drained, false);
    set.finish(a);
    await draining;
    assert.equal(drained, true);
  });

  it("when the grace period ends, drain() releases every unsettled lease (settled ones wait for their call)", async () => {
    const released: string[] = [];
    const set = leaseSet([], released);
    set.start(new InFlightBudget(100, 1 << 20));
    const open = lease("open", Date.now() + 60_000);
    const acking = { ...lease("acking", Date.now() + 60_000), settled: true };
    set.add(open);
    set.add(acking);
    const grace = new AbortController();
    const draining = set.drain(grace.signal);
    grace.abort();
    await tick(10);
    assert.deepEqual(released, ["open"]);
    assert.equal(set.size, 1, "the acked lease stays until its call is over");
    set.finish(acking);
    await draining;
  });
});
