// Where an SQS message's publish → Kafka ack time goes, from what bench/latency-probe.ts wrote:
// per message, SentTimestamp → receive returned (the queue; split by whether the receive that
// returned it was already waiting when it was sent), → records handed to the sink (pipeline),
// → sent to Kafka (waiting for the send before to be acknowledged), → acknowledged (Kafka).

export interface ProbeBatch {
  deliverAt: number;
  sinkAt: number;
  flushAt: number;
  kafkaAckAt: number;
  doneAt: number;
  /** Per message: SentTimestamp, when the receive that returned it was issued, when it returned. */
  published: number[];
  issued: number[];
  received: number[];
}

export interface LatencyProbe {
  batches: ProbeBatch[];
  /** [issued at, returned at, messages, other receives out]. */
  receives: [number, number, number, number][];
  /** [sent at, acknowledged at, records, other sends out]. */
  kafka: [number, number, number, number][];
  /** [started at, ms, kind]. */
  gc: [number, number, number][];
  /** [at, ms late]. */
  stalls: [number, number][];
  loop: { p50: number; p99: number; max: number };
}

export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number =>
    sorted.length === 0 ? Number.NaN : round1(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export interface LatencySplit {
  /** Milliseconds per message, for the messages sent within the window. */
  readonly stages: {
    readonly total: Percentiles;
    readonly queue: Percentiles;
    readonly queueReceiverWaiting: Percentiles;
    readonly queueNoReceiverWaiting: Percentiles;
    readonly pipeline: Percentiles;
    readonly waitForSend: Percentiles;
    readonly kafka: Percentiles;
  };
  /** % of messages returned by a receive that was already out when they were sent. */
  readonly receiverWaitingPercent: number;
  readonly receives: {
    readonly perSecond: number;
    readonly meanMessages: number;
    /** Receives by messages returned, 0..10. */
    readonly byMessages: number[];
    readonly ms: Percentiles;
  };
  readonly kafkaSends: { readonly count: number; readonly meanRecords: number; readonly ms: Percentiles };
  readonly gc: {
    readonly pauses: number;
    readonly totalMs: number;
    readonly maxMs: number;
    readonly byKind: Record<string, number>;
  };
  readonly stalls: { readonly over20ms: number; readonly over50ms: number; readonly maxMs: number };
}

/** The split for messages whose SentTimestamp falls in [fromMs, toMs]. */
export function latencySplit(probe: LatencyProbe, fromMs: number, toMs: number): LatencySplit {
  const total: number[] = [];
  const queue: number[] = [];
  const waiting: number[] = [];
  const notWaiting: number[] = [];
  const pipeline: number[] = [];
  const waitForSend: number[] = [];
  const kafka: number[] = [];
  for (const b of probe.batches) {
    for (let i = 0; i < b.published.length; i++) {
      const sent = b.published[i]!;
      if (sent < fromMs || sent > toMs) continue;
      total.push(b.doneAt - sent);
      const inQueue = b.received[i]! - sent;
      queue.push(inQueue);
      (b.issued[i]! <= sent ? waiting : notWaiting).push(inQueue);
      pipeline.push(b.sinkAt - b.received[i]!);
      if (b.kafkaAckAt === 0) continue; // no record (a filtered event): nothing was sent
      waitForSend.push(b.flushAt - b.sinkAt);
      kafka.push(b.kafkaAckAt - b.flushAt);
    }
  }
  const inWindow = <T extends readonly number[]>(rows: readonly T[], at: (row: T) => number): T[] =>
    rows.filter((row) => at(row) >= fromMs && at(row) <= toMs);
  const receives = inWindow(probe.receives, (r) => r[1]);
  const byMessages = new Array<number>(11).fill(0);
  for (const r of receives) byMessages[r[2]] = (byMessages[r[2]] ?? 0) + 1;
  const sends = inWindow(probe.kafka, (k) => k[1]);
  const gc = inWindow(probe.gc, (g) => g[0]);
  const byKind: Record<string, number> = {};
  for (const g of gc) byKind[String(g[2])] = (byKind[String(g[2])] ?? 0) + 1;
  const stalls = inWindow(probe.stalls, (s) => s[0]);
  const seconds = (toMs - fromMs) / 1000;
  return {
    stages: {
      total: percentiles(total),
      queue: percentiles(queue),
      queueReceiverWaiting: percentiles(waiting),
      queueNoReceiverWaiting: percentiles(notWaiting),
      pipeline: percentiles(pipeline),
      waitForSend: percentiles(waitForSend),
      kafka: percentiles(kafka),
    },
    receiverWaitingPercent: round1((100 * waiting.length) / Math.max(1, total.length)),
    receives: {
      perSecond: round1(receives.length / seconds),
      meanMessages: round1(receives.reduce((sum, r) => sum + r[2], 0) / Math.max(1, receives.length)),
      byMessages,
      ms: percentiles(receives.map((r) => r[1] - r[0])),
    },
    kafkaSends: {
      count: sends.length,
      meanRecords: round1(sends.reduce((sum, k) => sum + k[2], 0) / Math.max(1, sends.length)),
      ms: percentiles(sends.map((k) => k[1] - k[0])),
    },
    gc: {
      pauses: gc.length,
      totalMs: round1(gc.reduce((sum, g) => sum + g[1], 0)),
      maxMs: round1(gc.reduce((max, g) => Math.max(max, g[1]), 0)),
      byKind,
    },
    stalls: {
      over20ms: stalls.filter((s) => s[1] > 20).length,
      over50ms: stalls.filter((s) => s[1] > 50).length,
      maxMs: round1(stalls.reduce((max, s) => Math.max(max, s[1]), 0)),
    },
  };
}
