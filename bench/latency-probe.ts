// Preload for a bridge child (node --import bench/latency-probe.ts src/cli/main.ts run …): the
// time each SQS message spends in each stage, how full each receive came back, the Kafka sends,
// GC pauses and event-loop stalls, written as JSON to $MB_PROBE_OUT when the process exits.
// It wraps prototype methods of the tree the child runs (found from its main script), so it
// measures any tree of the same layout (main and a branch, side by side). A measuring tool for
// bench/sqs-latency-split.ts only: it costs CPU per batch and is never part of the bridge.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { monitorEventLoopDelay, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import type { LatencyProbe, ProbeBatch } from "./latency-split.ts";

const out = process.env.MB_PROBE_OUT;
if (out === undefined) throw new Error("latency probe: set MB_PROBE_OUT to the file to write");
const root = join(dirname(process.argv[1] ?? "."), "../..");
const { Pipeline } = (await import(join(root, "src/pipeline/pipeline.ts"))) as typeof import("../src/pipeline/pipeline.ts");
const { ProduceCoalescer } = (await import(
  join(root, "src/pipeline/produce-coalescer.ts")
)) as typeof import("../src/pipeline/produce-coalescer.ts");
const { KafkaSink } = (await import(join(root, "src/sink/kafka-sink.ts"))) as typeof import("../src/sink/kafka-sink.ts");
const { LeanSqsClient } = (await import(
  join(root, "src/sources/sqs/data-plane/lean-data-plane.ts")
)) as typeof import("../src/sources/sqs/data-plane/lean-data-plane.ts");

const now = (): number => performance.timeOrigin + performance.now();
const probe: LatencyProbe = { batches: [], receives: [], kafka: [], gc: [], stalls: [], loop: { p50: 0, p99: 0, max: 0 } };

// Receives: when each was issued, when it returned, how many messages, how many others were out.
const issuedById = new Map<string, number>();
let receivesOut = 0;
const receive = LeanSqsClient.prototype.receive;
LeanSqsClient.prototype.receive = async function (this: InstanceType<typeof LeanSqsClient>, request, signal) {
  const issuedAt = now();
  const others = receivesOut++;
  try {
    const messages = await receive.call(this, request, signal);
    probe.receives.push([issuedAt, now(), messages.length, others]);
    for (const m of messages) if (m.MessageId !== undefined) issuedById.set(m.MessageId, issuedAt);
    return messages;
  } finally {
    receivesOut--;
  }
};

// Batches: delivered to the pipeline → records handed to the sink (the coalescer) → sent to
// Kafka (the coalescer's flush) → acknowledged → settled. process() runs synchronously up to the
// sink's send, so the batch being processed is known there.
let current: ProbeBatch | undefined;
const batchOf = new WeakMap<object, ProbeBatch>();
const processBatch = Pipeline.prototype.process;
Pipeline.prototype.process = function (this: InstanceType<typeof Pipeline>, batch) {
  const info: ProbeBatch = {
    deliverAt: now(),
    sinkAt: 0,
    flushAt: 0,
    kafkaAckAt: 0,
    doneAt: 0,
    published: batch.map((m) => m.publishedAtMs),
    issued: batch.map((m) => issuedById.get(m.id) ?? 0),
    received: batch.map((m) => (m as { readonly receivedAtMs?: number }).receivedAtMs ?? 0),
  };
  for (const m of batch) issuedById.delete(m.id);
  current = info;
  const processing = processBatch.call(this, batch);
  current = undefined;
  return processing.finally(() => {
    info.doneAt = now();
    probe.batches.push(info);
  });
};

const coalesce = ProduceCoalescer.prototype.send;
ProduceCoalescer.prototype.send = function (this: InstanceType<typeof ProduceCoalescer>, records) {
  if (current !== undefined && current.sinkAt === 0) {
    current.sinkAt = now();
    for (const record of records) batchOf.set(record, current);
  }
  return coalesce.call(this, records);
};

let sendsOut = 0;
const send = KafkaSink.prototype.send;
KafkaSink.prototype.send = function (this: InstanceType<typeof KafkaSink>, records) {
  const flushAt = now();
  const batches = new Set<ProbeBatch>();
  for (const record of records) {
    const info = batchOf.get(record);
    if (info !== undefined) batches.add(info);
  }
  for (const info of batches) info.flushAt = flushAt;
  const others = sendsOut++;
  const sending = send.call(this, records);
  sending.then(
    () => {
      sendsOut--;
      const at = now();
      probe.kafka.push([flushAt, at, records.length, others]);
      for (const info of batches) info.kafkaAckAt = at;
    },
    () => {
      sendsOut--;
    },
  );
  return sending;
};

// GC pauses (kind: 1 scavenge, 4 mark-compact, 8 incremental, 16 weak callbacks).
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as PerformanceEntry & { readonly detail?: { readonly kind?: number } }).detail?.kind ?? 0;
    probe.gc.push([performance.timeOrigin + entry.startTime, entry.duration, kind]);
  }
}).observe({ entryTypes: ["gc"] });

// Event-loop stalls: a 10 ms timer; how late it fired beyond 5 ms, and when.
let expectedAt = now() + 10;
setInterval(() => {
  const at = now();
  if (at - expectedAt > 5) probe.stalls.push([at, at - expectedAt]);
  expectedAt = at + 10;
}, 10).unref();
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

process.on("exit", () => {
  probe.loop = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
  writeFileSync(out, JSON.stringify(probe));
});
