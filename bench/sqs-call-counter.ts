// Preloaded into a bridge child by bench/sqs-bridge-cpu.ts (NODE_OPTIONS=--import): counts the
// SQS data-plane calls the source makes (receives and the messages they brought, delete and
// visibility batches and their entries, by wrapping LeanSqsClient's methods) and every HTTP
// request through node:http (diagnostics_channel), and writes them to MB_COUNT_FILE at exit.
// Measurement only: not loaded by the bridge otherwise.
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const root = process.env.MB_COUNT_ROOT;
const file = process.env.MB_COUNT_FILE;
export interface SqsCallCounts {
  receives: number;
  emptyReceives: number;
  received: number;
  deleteCalls: number;
  deleted: number;
  visibilityCalls: number;
  visibilityEntries: number;
  httpRequests: number;
  deleteSizes: Record<string, number>;
  writes: Record<string, { calls: number; bytes: number }>;
  gcMs: Record<string, number>;
}
const counts: SqsCallCounts = {
  receives: 0,
  emptyReceives: 0,
  received: 0,
  deleteCalls: 0,
  deleted: 0,
  visibilityCalls: 0,
  visibilityEntries: 0,
  httpRequests: 0,
  deleteSizes: {},
  /** Socket writes and bytes written by remote port (SQS server, Kafka, registry, ops scrapes). */
  writes: {},
  /** Main-thread GC pauses, ms, by kind. */
  gcMs: {},
};

/** Counts socket writes per remote port into `into` (also used by the bench process for bare produce). */
export function countSocketWrites(into: Record<string, { calls: number; bytes: number }>): () => void {
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    const chunk = args[0] as string | Uint8Array;
    const port = String(this.remotePort);
    const entry = into[port] ?? { calls: 0, bytes: 0 };
    into[port] = entry;
    entry.calls++;
    entry.bytes += typeof chunk === "string" ? chunk.length : chunk.byteLength;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof write;
  return () => {
    Socket.prototype.write = write;
  };
}
if (root !== undefined && file !== undefined) {
  countSocketWrites(counts.writes);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = String((entry as { detail?: { kind?: number } }).detail?.kind ?? "?");
      counts.gcMs[kind] = Math.round((counts.gcMs[kind] ?? 0) + entry.duration);
    }
  }).observe({ entryTypes: ["gc"] });
  subscribe("http.client.request.start", () => {
    counts.httpRequests++;
  });
  const module = (await import(pathToFileURL(`${root}/src/sources/sqs/data-plane/lean-data-plane.ts`).href)) as {
    LeanSqsClient: { prototype: Record<string, (...args: unknown[]) => Promise<unknown>> };
  };
  const proto = module.LeanSqsClient.prototype;
  const receive = proto.receive!;
  proto.receive = async function (this: unknown, ...args: unknown[]) {
    const messages = (await receive.apply(this, args)) as unknown[];
    counts.receives++;
    if (messages.length === 0) counts.emptyReceives++;
    counts.received += messages.length;
    return messages;
  };
  const deleteBatch = proto.deleteBatch!;
  proto.deleteBatch = function (this: unknown, ...args: unknown[]) {
    const entries = args[1] as unknown[];
    counts.deleteCalls++;
    counts.deleted += entries.length;
    counts.deleteSizes[entries.length] = (counts.deleteSizes[entries.length] ?? 0) + 1;
    return deleteBatch.apply(this, args);
  };
  const changeVisibilityBatch = proto.changeVisibilityBatch!;
  proto.changeVisibilityBatch = function (this: unknown, ...args: unknown[]) {
    counts.visibilityCalls++;
    counts.visibilityEntries += (args[1] as unknown[]).length;
    return changeVisibilityBatch.apply(this, args);
  };
  process.on("exit", () => writeFileSync(file, JSON.stringify(counts)));
}
