// The source core's settle batcher with a recording adapter: batch limits per (target,
// operation), the flush timer, retries of failed calls and entries, giving up, flush().
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { silentLogger } from "../../../../src/ops/log.ts";
import {
  ACK,
  RELEASE,
  type SettleAdapter,
  SettleBatcher,
  type SettleOperation,
} from "../../../../src/sources/core/settle-batcher.ts";

interface Call {
  readonly target: string;
  readonly operation: SettleOperation;
  readonly ids: string[];
}

class RecordingAdapter implements SettleAdapter<string> {
  readonly calls: Call[] = [];
  readonly maxPerCall: number;
  /** Per call: throw this, or fail these entries; undefined = success. */
  readonly script: (Error | string[] | undefined)[] = [];

  constructor(maxPerCall: number) {
    this.maxPerCall = maxPerCall;
  }

  async send(target: string, operation: SettleOperation, entries: readonly string[]): Promise<readonly string[]> {
    this.calls.push({ target, operation, ids: [...entries] });
    const next = this.script.shift();
    if (next instanceof Error) throw next;
    return next === undefined ? [] : entries.filter((entry) => next.includes(entry));
  }

  retryable(error: unknown): boolean {
    return !(error instanceof Error && error.message === "gone");
  }

  describe(operation: SettleOperation): string {
    return `op ${operation}`;
  }
}

const fast = { flushMs: 10, maxAttempts: 3, backoff: { initialMs: 1, maxMs: 2 } };
const ids = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

describe("SettleBatcher", () => {
  it("sends a full batch at once, never more than maxPerCall entries per call", async () => {
    const adapter = new RecordingAdapter(10);
    const settled: string[] = [];
    const batcher = new SettleBatcher(adapter, silentLogger, (entry) => settled.push(entry), { ...fast, flushMs: 60_000 });
    for (const id of ids("a", 25)) batcher.ack("q", id);
    assert.deepEqual(
      adapter.calls.map((call) => call.ids.length),
      [10, 10],
      "two full batches go out without waiting for the timer",
    );
    await batcher.flush();
    assert.deepEqual(
      adapter.calls.map((call) => call.ids.length),
      [10, 10, 5],
    );
    assert.equal(settled.length, 25, "every acked entry reported settled once");
  });

  it("keeps targets and operations apart: one call per (target, operation)", async () => {
    const adapter = new RecordingAdapter(1000);
    const batcher = new SettleBatcher(adapter, silentLogger, () => {}, fast);
    batcher.ack("q1", "a");
    batcher.ack("q2", "b");
    batcher.release("q1", "c");
    batcher.extend("q1", "d", 60);
    batcher.extend("q1", "e", 60);
    batcher.extend("q1", "f", 120);
    batcher.extend("q1", "g", 0); // at least 1 s: an extension never releases
    await batcher.flush();
    const calls = adapter.calls.map((call) => `${call.target} ${call.operation} ${call.ids.join(",")}`).sort();
    assert.deepEqual(calls, ["q1 -1 a", "q1 0 c", "q1 1 g", "q1 120 f", "q1 60 d,e", "q2 -1 b"]);
    assert.equal(ACK, -1);
    assert.equal(RELEASE, 0);
  });

  it("flushes a partial batch on its timer", async () => {
    const adapter = new RecordingAdapter(10);
    const batcher = new SettleBatcher(adapter, silentLogger, () => {}, { ...fast, flushMs: 20 });
    batcher.ack("q", "a");
    assert.equal(adapter.calls.length, 0, "waits for company first");
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(adapter.calls.length, 1);
    assert.deepEqual(adapter.calls[0]!.ids, ["a"]);
  });

  it("retries a failed call, then only the entries that failed, on the shared backoff", async () => {
    const adapter = new RecordingAdapter(10);
    adapter.script.push(new Error("throttled"), ["b"], undefined);
    const settled: string[] = [];
    const batcher = new SettleBatcher(adapter, silentLogger, (entry) => settled.push(entry), fast);
    for (const id of ["a", "b", "c"]) batcher.ack("q", id);
    await batcher.flush();
    assert.deepEqual(
      adapter.calls.map((call) => call.ids),
      [["a", "b", "c"], ["a", "b", "c"], ["b"]],
    );
    assert.deepEqual(settled.sort(), ["a", "b", "c"]);
    assert.equal(batcher.stats.dropped, 0);
    assert.equal(batcher.stats.failedCalls, 1);
  });

  it("gives up after maxAttempts, and at once on a non-retryable error; the entries still count as settled", async () => {
    const adapter = new RecordingAdapter(10);
    adapter.script.push(new Error("down"), new Error("down"), new Error("down"), new Error("gone"));
    const settled: string[] = [];
    const batcher = new SettleBatcher(adapter, silentLogger, (entry) => settled.push(entry), fast);
    batcher.release("q", "a");
    await batcher.flush();
    assert.equal(adapter.calls.length, 3, "maxAttempts calls, no more");
    batcher.ack("q", "b");
    await batcher.flush();
    assert.equal(adapter.calls.length, 4, "a non-retryable error is not retried");
    assert.equal(batcher.stats.dropped, 2);
    assert.deepEqual(settled, ["a", "b"], "given up on: the lease timeout brings the message back");
  });

  it("does not report extensions as settled", async () => {
    const adapter = new RecordingAdapter(10);
    const settled: string[] = [];
    const batcher = new SettleBatcher(adapter, silentLogger, (entry) => settled.push(entry), fast);
    batcher.extend("q", "a", 30);
    await batcher.flush();
    assert.equal(adapter.calls.length, 1);
    assert.deepEqual(settled, []);
  });
});
