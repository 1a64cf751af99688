// The one backoff policy: doubling ceilings with jitter in the upper half, capped; a sleep that
// a stop signal cuts short.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay, sleep } from "../../../../src/sources/core/backoff.ts";

describe("backoffDelay", () => {
  const policy = { initialMs: 100, maxMs: 1000 };

  it("doubles the ceiling per attempt, caps it at maxMs, and stays in the ceiling's upper half", () => {
    const ceilings = [100, 200, 400, 800, 1000, 1000, 1000];
    for (const [index, ceiling] of ceilings.entries()) {
      for (let sample = 0; sample < 200; sample++) {
        const delay = backoffDelay(policy, index + 1);
        assert.ok(
          delay >= ceiling / 2 && delay <= ceiling,
          `attempt ${index + 1}: ${delay} outside [${ceiling / 2}, ${ceiling}]`,
        );
      }
    }
  });

  it("jitters: receivers that failed together do not retry together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(policy, 4)));
    assert.ok(delays.size > 10, `only ${delays.size} distinct delays in 50`);
  });

  it("survives huge attempt numbers (no overflow past maxMs)", () => {
    assert.ok(backoffDelay(policy, 10_000) <= 1000);
    assert.ok(backoffDelay(policy, 0) <= 100, "attempt 0 counts as the first");
  });
});

describe("sleep", () => {
  it("resolves true after the whole wait", async () => {
    const started = performance.now();
    assert.equal(await sleep(30), true);
    assert.ok(performance.now() - started >= 25);
  });

  it("resolves false at once when the signal aborts during the wait", async () => {
    const stop = new AbortController();
    const started = performance.now();
    setTimeout(() => stop.abort(), 20);
    assert.equal(await sleep(10_000, stop.signal), false);
    assert.ok(performance.now() - started < 1000, "the 10 s wait was cut short");
  });

  it("resolves false without waiting when the signal is already aborted", async () => {
    const started = performance.now();
    assert.equal(await sleep(10_000, AbortSignal.abort()), false);
    assert.ok(performance.now() - started < 5000, "the 10 s wait never started");
  });
});
