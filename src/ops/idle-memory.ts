// Gives memory back while the bridge is idle. Idle Pub/Sub polling (empty unary pulls; measured
// through grpc-js, which the source no longer uses: docs/decisions/0028) allocates a few MB/s of short-lived garbage: enough that V8 grows its young generation
// to the maximum and the old one to several times the live set (RSS 150 → 300 MB at 2,000 idle
// subscriptions), yet too much for V8's own memory reducer, which waits for an allocation rate
// below 1 MB/s. So after every interval in which no message arrived, one memory-reducing full GC
// (V8's "last-resort" flavour: shrinks the young generation, releases free pages). Under traffic
// it never runs; measured in docs/decisions/0019-pipeline-and-idle-memory.md.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "./log.ts";

type GcFunction = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

let gc: GcFunction | undefined;

/** V8's gc() in a context of its own (the main one keeps no global gc). Loaded once, when first needed. */
function memoryReducingGc(): GcFunction {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as GcFunction;
  }
  return gc;
}

export interface IdleMemoryTrimOptions {
  /** 0: never. */
  readonly intervalMs: number;
  /** A count that grows with every message received (any source). */
  readonly activity: () => number;
  readonly log: Logger;
}

/** Starts the idle check; returns what stops it. The timer never keeps the process alive. */
export function startIdleMemoryTrim(options: IdleMemoryTrimOptions): () => void {
  if (options.intervalMs <= 0) return () => {};
  let seen = options.activity();
  let trims = 0;
  const timer = setInterval(() => {
    const now = options.activity();
    if (now !== seen) {
      seen = now;
      return;
    }
    const before = process.cpuUsage();
    memoryReducingGc()({ type: "major", execution: "sync", flavor: "last-resort" });
    const used = process.cpuUsage(before);
    // The first one, then every hundredth: enough to see it happen and what it costs.
    if (trims++ % 100 === 0) {
      options.log.debug("idle: memory-reducing GC", {
        cpuMs: Math.round((used.user + used.system) / 1000),
        rssBytes: process.memoryUsage.rss(),
        trims,
      });
    }
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
