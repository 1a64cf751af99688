import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { ProduceCoalescer } from "../../../src/pipeline/produce-coalescer.ts";
import type { OutRecord, RecordSink } from "../../../src/pipeline/records.ts";
import { KafkaPermanentError, KafkaSendError } from "../../../src/sink/errors.ts";

const record = (n: number): OutRecord => ({ topic: "t", key: String(n), value: Buffer.from([n]) });

class GatedSink implements RecordSink {
  readonly sends: OutRecord[][] = [];
  readonly #gates: (() => void)[] = [];
  fail: unknown;
  send(records: readonly OutRecord[]): Promise<void> {
    this.sends.push([...records]);
    return new Promise((resolve, reject) =>
      this.#gates.push(() => {
        if (this.fail === undefined) resolve();
        else reject(this.fail);
      }),
    );
  }
  openNext(): void {
    this.#gates.shift()?.();
  }
  checkRecordSize(): PermanentError | undefined {
    return undefined;
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("ProduceCoalescer", () => {
  it("sends at once when idle, and gathers everything that arrives meanwhile into the next send, in order", async () => {
    const sink = new GatedSink();
    const coalescer = new ProduceCoalescer(sink);
    const a = coalescer.send([record(1)]);
    const b = coalescer.send([record(2), record(3)]);
    const c = coalescer.send([record(4)]);
    assert.equal(sink.sends.length, 1);
    sink.openNext();
    await a;
    await tick();
    assert.equal(sink.sends.length, 2);
    assert.deepEqual(
      sink.sends[1]!.map((r) => r.key),
      ["2", "3", "4"],
    );
    sink.openNext();
    await Promise.all([b, c]);
  });

  it("respects the record limit per send", async () => {
    const sink = new GatedSink();
    const coalescer = new ProduceCoalescer(sink, { maxRecords: 2 });
    const sends = [
      coalescer.send([record(1)]),
      coalescer.send([record(2)]),
      coalescer.send([record(3)]),
      coalescer.send([record(4)]),
    ];
    for (let i = 0; i < 4; i++) {
      sink.openNext();
      await tick();
    }
    await Promise.all(sends);
    assert.deepEqual(
      sink.sends.map((s) => s.length),
      [1, 2, 1],
    );
  });

  it("a permanent refusal reaches only the callers whose records were refused, re-indexed", async () => {
    const sink = new GatedSink();
    const coalescer = new ProduceCoalescer(sink);
    const first = coalescer.send([record(0)]);
    const second = coalescer.send([record(1), record(2)]);
    const third = coalescer.send([record(3)]);
    sink.openNext();
    await first;
    await tick();
    sink.fail = new KafkaPermanentError("refused", [{ index: 1, error: new PermanentError("RecordTooLarge", "too big") }], false);
    sink.openNext();
    const [secondResult, thirdResult] = await Promise.allSettled([second, third]);
    assert.equal(secondResult.status, "rejected");
    const error = (secondResult as PromiseRejectedResult).reason as KafkaPermanentError;
    assert.deepEqual(
      error.rejected.map((r) => r.index),
      [1],
      "record 2 is the second caller's index 1",
    );
    const other = (thirdResult as PromiseRejectedResult).reason as KafkaPermanentError;
    assert.deepEqual(other.rejected, [], "the third caller's records were not refused: send again");
  });

  it("a transient failure that wrote some records: callers with all theirs written succeed, the others learn theirs", async () => {
    const sink = new GatedSink();
    const coalescer = new ProduceCoalescer(sink);
    const first = coalescer.send([record(0)]);
    const second = coalescer.send([record(1), record(2)]);
    const third = coalescer.send([record(3), record(4)]);
    const fourth = coalescer.send([record(5)]);
    sink.openNext();
    await first;
    await tick();
    // The group is records 1..5 (indexes 0..4): 1, 2 and 4 were written.
    sink.fail = new KafkaSendError("dead-letter topic unavailable", { written: [0, 1, 3] });
    sink.openNext();
    const [secondResult, thirdResult, fourthResult] = await Promise.allSettled([second, third, fourth]);
    assert.equal(secondResult.status, "fulfilled", "both of its records were written");
    assert.equal(thirdResult.status, "rejected");
    const partial = (thirdResult as PromiseRejectedResult).reason as KafkaSendError;
    assert.ok(partial instanceof KafkaSendError);
    assert.deepEqual(partial.written, [1], "record 4 is the third caller's index 1");
    const none = (fourthResult as PromiseRejectedResult).reason as KafkaSendError;
    assert.deepEqual(none.written, [], "nothing of the fourth caller was written");
  });
});
