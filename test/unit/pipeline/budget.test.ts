import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InFlightBudget } from "../../../src/pipeline/budget.ts";

describe("InFlightBudget", () => {
  it("admits up to the message limit, then makes later requests wait in arrival order", async () => {
    const budget = new InFlightBudget(20, 1_000_000);
    await budget.acquire(10);
    await budget.acquire(10);
    const order: string[] = [];
    const first = budget.acquire(10).then(() => order.push("first"));
    const second = budget.acquire(5).then(() => order.push("second"));
    assert.equal(budget.tryAcquire(1), false, "a newcomer cannot jump the queue");
    budget.release(5);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(order, [], "5 free slots do not admit the first waiter's 10, nor the second ahead of it");
    budget.release(10);
    await Promise.all([first, second]);
    assert.deepEqual(order, ["first", "second"]);
    assert.equal(budget.messages, 20);
  });

  it("bytes known only after receipt block later acquires until released", async () => {
    const budget = new InFlightBudget(1000, 100);
    await budget.acquire(1);
    budget.chargeBytes(150);
    let admitted = false;
    const waiting = budget.acquire(1).then(() => {
      admitted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(admitted, false);
    budget.release(1, 150);
    await waiting;
    assert.equal(budget.bytes, 0);
  });

  it("an empty budget admits one oversized request rather than wedging", async () => {
    const budget = new InFlightBudget(10, 10);
    await budget.acquire(50, 500);
    assert.equal(budget.messages, 50);
  });

  it("a wait ends with false and reserves nothing when its signal aborts; the line moves on", async () => {
    const budget = new InFlightBudget(10, 1 << 20);
    assert.equal(await budget.acquire(8), true);
    const stop = new AbortController();
    const stopped = budget.acquire(5, 0, stop.signal);
    const behind = budget.acquire(2);
    stop.abort();
    assert.equal(await stopped, false);
    assert.equal(await behind, true, "the waiter behind the aborted one is served");
    assert.equal(budget.messages, 10);
    assert.equal(await budget.acquire(1, 0, AbortSignal.abort()), false, "already aborted: no wait");
    assert.equal(budget.messages, 10);
  });
});
