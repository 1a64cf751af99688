// The dead-letter topic as `meshbridge dlq inspect|replay` read it: filters over the context
// headers, and a reader bounded by the topic's end offsets taken when it opens, so a run ends
// (records written after it started, a replay's own re-dead-letters included, wait for the next
// run) and knows its total for progress. Nothing here decrypts: the values stay ciphertext.
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { openRecordReader, type ReadRecord, type RecordReader } from "../../ops/kafka-reader.ts";
import { dlqHeader } from "../../pipeline/records.ts";
import type { KafkaSaslOptions } from "../../sink/options.ts";

export interface DlqFilter {
  readonly stage?: string;
  readonly errorClass?: string;
  readonly tenant?: string;
  /** The source as the dead letter names it: "sqs:<queue>" or "pubsub:<subscription>". */
  readonly source?: string;
  /** Only dead letters that failed at or after this time (epoch ms). */
  readonly sinceMs?: number;
  /** Only dead letters that failed before this time (epoch ms). */
  readonly untilMs?: number;
}

/** When the dead letter was written: its mb_failed_at header, else the record's timestamp. */
export function failedAtMs(record: ReadRecord): number {
  const header = record.headers.get(dlqHeader.failedAt);
  const parsed = header === undefined ? Number.NaN : Date.parse(header);
  return Number.isNaN(parsed) ? Number(record.timestamp) : parsed;
}

export function matchesFilter(record: ReadRecord, filter: DlqFilter): boolean {
  const h = record.headers;
  if (filter.stage !== undefined && h.get(dlqHeader.stage) !== filter.stage) return false;
  if (filter.errorClass !== undefined && h.get(dlqHeader.errorClass) !== filter.errorClass) return false;
  if (filter.tenant !== undefined && h.get(dlqHeader.tenant) !== filter.tenant) return false;
  if (filter.source !== undefined && h.get(dlqHeader.source) !== filter.source) return false;
  if (filter.sinceMs === undefined && filter.untilMs === undefined) return true;
  const at = failedAtMs(record);
  return (filter.sinceMs === undefined || at >= filter.sinceMs) && (filter.untilMs === undefined || at < filter.untilMs);
}

export function isFiltered(filter: DlqFilter): boolean {
  return Object.values(filter).some((value) => value !== undefined);
}

export interface DlqConnection {
  readonly bootstrapBrokers: readonly string[];
  readonly topic: string;
  readonly tls?: boolean | TlsConnectionOptions;
  readonly sasl?: KafkaSaslOptions;
}

/** One partition's share of a run: from `from` (inclusive) to `end` (exclusive). */
export interface PartitionRange {
  readonly partition: number;
  readonly from: bigint;
  readonly end: bigint;
}

/**
 * After this long without a record while a partition has not reached its end, the run ends
 * anyway: offsets without a record (transaction markers) would otherwise hold it forever.
 */
const IDLE_END_MS = 10_000;

export class DeadLetterReader {
  readonly topic: string;
  /** The partitions that had records to read when the reader opened. */
  readonly ranges: readonly PartitionRange[];
  readonly #reader: RecordReader;
  /** True when the last run ended by IDLE_END_MS rather than at the end offsets. */
  endedIdle = false;

  private constructor(topic: string, reader: RecordReader, ranges: readonly PartitionRange[]) {
    this.topic = topic;
    this.#reader = reader;
    this.ranges = ranges;
  }

  /**
   * `group` undefined: a throw-away group reading from the beginning, never committed (inspect).
   * Otherwise the group's committed offsets, the beginning where it has none (replay).
   */
  static async open(connection: DlqConnection, group: string | undefined): Promise<DeadLetterReader> {
    const reader = await openRecordReader({
      bootstrapBrokers: connection.bootstrapBrokers,
      topics: [connection.topic],
      groupId: group ?? `meshbridge-dlq-inspect-${process.pid}-${Date.now()}`,
      from: group === undefined ? "earliest" : "committed",
      tls: connection.tls,
      sasl: connection.sasl,
    }).catch((error: unknown) => {
      if (!(error instanceof Error) || !/unknown topic/i.test(error.message)) throw error;
      throw new Error(
        `dead-letter topic ${connection.topic} does not exist at ${connection.bootstrapBrokers.join(",")}: create it (meshbridge topics create) or name the right one (--topic, kafka.deadLetterTopic)`,
        { cause: error },
      );
    });
    try {
      const topic = connection.topic;
      const consumer = reader.consumer;
      const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
      const earliest = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? [];
      const partitions = ends.map((_, index) => index);
      const committed =
        group === undefined ? [] : ((await consumer.listCommittedOffsets({ topics: [{ topic, partitions }] })).get(topic) ?? []);
      const ranges: PartitionRange[] = [];
      for (const partition of partitions) {
        const start = earliest[partition] ?? 0n;
        const mark = committed[partition] ?? -1n;
        const from = mark < start ? start : mark;
        const end = ends[partition]!;
        if (from < end) ranges.push({ partition, from, end });
      }
      return new DeadLetterReader(topic, reader, ranges);
    } catch (error) {
      await reader.close();
      throw error;
    }
  }

  /** Records this run reads in total. */
  get total(): number {
    return this.ranges.reduce((sum, range) => sum + Number(range.end - range.from), 0);
  }

  /**
   * Each record of the ranges once, in offset order per partition. `last` tells the caller that
   * no further record is buffered right now (a good moment to flush a batch).
   */
  async *records(signal?: AbortSignal): AsyncGenerator<{ record: ReadRecord; last: boolean }> {
    const pending = new Map(this.ranges.map((range) => [range.partition, range]));
    if (pending.size === 0) return;
    const stream = this.#reader.stream;
    // Closed mid-read, the stream ends with an AbortError once the loop below leaves it, which
    // rejects close(): that is the end this run asked for, and unhandled it would crash the CLI.
    const stop = (): void => void stream.close().catch(ignoreError);
    signal?.addEventListener("abort", stop, { once: true });
    let idle = setTimeout(() => {
      this.endedIdle = true;
      stop();
    }, IDLE_END_MS);
    try {
      for await (const record of stream) {
        clearTimeout(idle);
        const range = pending.get(record.partition);
        if (range !== undefined && record.offset >= range.from && record.offset < range.end) {
          if (record.offset + 1n >= range.end) pending.delete(record.partition);
          yield { record, last: pending.size === 0 || stream.readableLength === 0 };
          if (pending.size === 0 || signal?.aborted === true) return;
        }
        idle = setTimeout(() => {
          this.endedIdle = true;
          stop();
        }, IDLE_END_MS);
      }
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener("abort", stop);
    }
  }

  /** Commits the group's progress: per partition, the offset of the next record to read. */
  async commit(next: ReadonlyMap<number, bigint>): Promise<void> {
    if (next.size === 0) return;
    const offsets = [...next].map(([partition, offset]) => ({ topic: this.topic, partition, offset, leaderEpoch: -1 }));
    await this.#reader.consumer.commit({ offsets });
  }

  close(): Promise<void> {
    return this.#reader.close();
  }
}

function ignoreError(): void {}
