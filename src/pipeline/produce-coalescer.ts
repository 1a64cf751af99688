// Group commit in front of the Kafka sink. The sink sends one produce operation at a time (to
// keep per-key order across sends); while one is in flight, the records of every batch that
// arrives are gathered and go out together in the next one. Under load this turns many small
// source batches (10 SQS messages each) into few large produce requests, with no linger timer
// adding latency when the pipeline is idle.
import { KafkaPermanentError, KafkaSendError, type RejectedRecord } from "../sink/errors.ts";
import type { KafkaRecord } from "../sink/types.ts";
import type { PermanentError } from "./errors.ts";
import type { RecordSink } from "./records.ts";

interface Waiter {
  readonly records: readonly KafkaRecord[];
  /** Index of this waiter's first record in the pending records (shifts as groups leave). */
  offset: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export interface CoalescerLimits {
  /** A group is closed at this many records; later batches wait for the next one. */
  readonly maxRecords: number;
}

export class ProduceCoalescer implements RecordSink {
  readonly #sink: RecordSink;
  readonly #limits: CoalescerLimits;
  #group: Waiter[] = [];
  #groupRecords: KafkaRecord[] = [];
  #sending = false;

  constructor(sink: RecordSink, limits: CoalescerLimits = { maxRecords: 5000 }) {
    this.#sink = sink;
    this.#limits = limits;
  }

  checkRecordSize(record: KafkaRecord): PermanentError | undefined {
    return this.#sink.checkRecordSize(record);
  }

  send(records: readonly KafkaRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#group.push({ records, offset: this.#groupRecords.length, resolve, reject });
      for (const record of records) this.#groupRecords.push(record);
      if (!this.#sending) this.#flush();
    });
  }

  #flush(): void {
    if (this.#group.length === 0) {
      this.#sending = false;
      return;
    }
    this.#sending = true;
    // Take whole waiters up to the record limit (at least one, however large).
    let take = 0;
    let count = 0;
    while (take < this.#group.length && (take === 0 || count + this.#group[take]!.records.length <= this.#limits.maxRecords)) {
      count += this.#group[take]!.records.length;
      take++;
    }
    const waiters = this.#group.splice(0, take);
    const records = this.#groupRecords.splice(0, count);
    for (const waiter of this.#group) waiter.offset -= count;
    this.#sink.send(records).then(
      () => {
        for (const waiter of waiters) waiter.resolve();
        this.#flush();
      },
      (error: unknown) => {
        for (const waiter of waiters) {
          const local = localError(error, waiter);
          if (local === undefined) waiter.resolve();
          else waiter.reject(local);
        }
        this.#flush();
      },
    );
  }
}

/**
 * The group's failure as seen by one waiter: its own refused and written records, re-indexed;
 * undefined when every record of the waiter was written (it succeeded, whatever happened to the
 * others).
 */
function localError(error: unknown, waiter: Waiter): unknown {
  if (!(error instanceof KafkaPermanentError) && !(error instanceof KafkaSendError)) return error;
  const start = waiter.offset;
  const end = start + waiter.records.length;
  const written: number[] = [];
  for (const index of error.written) if (index >= start && index < end) written.push(index - start);
  if (error instanceof KafkaSendError) {
    if (written.length === waiter.records.length) return undefined;
    if (written.length === 0 && error.written.length === 0) return error;
    return new KafkaSendError(error.message, { cause: error, written });
  }
  const mine: RejectedRecord[] = error.rejected
    .filter((rejected) => rejected.index >= start && rejected.index < end)
    .map((rejected) => ({ index: rejected.index - start, error: rejected.error }));
  if (mine.length === 0 && written.length === waiter.records.length) return undefined;
  return new KafkaPermanentError(error.message, mine, error.nothingWritten, { cause: error, written });
}
