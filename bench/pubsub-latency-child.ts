// Child of bench/pubsub-latency-probe.ts: one consumer of the probe's world, instrumented, in a
// process of its own. Mode "bridge": the real bridge (startBridge from the source tree at ROOT, so
// an older checkout can be compared) with a BatchTracer that times every pull and batch. Mode
// "bare": a bare pull loop (16 workers round robin, no back-off, ack at once), the emulator's and
// machine's floor. Prints "READY" once consuming and "COUNT n" as messages finish; on SIGTERM
// writes what it saw to OUT (JSON) and exits.
//
//   node bench/pubsub-latency-child.ts bridge ROOT CONFIG OUT
//   node bench/pubsub-latency-child.ts bare OUT SUBSCRIPTION...
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { BatchTracer, ReceiveSource } from "../src/ops/tracing/batch-tracer.ts";
import type { OutRecord, RecordSink } from "../src/pipeline/records.ts";
import type { PulledMessage } from "../src/sources/pubsub/subscriber-api.ts";
import type { SourceMessage } from "../src/sources/source.ts";
import { benchSubscriberApi } from "./pubsub-mesh.ts";

/** One pull: subscription, start and end (epoch ms), messages, oldest publish time (0: none). */
export type PullRow = readonly [subscription: string, startMs: number, endMs: number, messages: number, oldestPublishMs: number];

export interface ProbeDump {
  readonly pulls: PullRow[];
  /** Per message: publish → pull answer (ms). */
  readonly toPulled: number[];
  /** Per message: publish → pipeline got it (ms). */
  readonly toDelivered: number[];
  /** Per message: publish → its batch settled (Kafka acked, source ack queued) (ms). */
  readonly toDone: number[];
  /** Per batch: pipeline start → sink.send called (ms), and send → Kafka ack (ms). */
  readonly toSend: number[];
  readonly sendMs: number[];
  readonly cpuUs: number;
  /** Event-loop delay p50/p99/max (ms): how late this process ran what was ready (the machine's share). */
  readonly loopDelayMs: readonly number[];
}

const dump: ProbeDump = {
  pulls: [],
  toPulled: [],
  toDelivered: [],
  toDone: [],
  toSend: [],
  sendMs: [],
  cpuUs: 0,
  loopDelayMs: [],
};
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let done = 0;
const cpu0 = process.cpuUsage();
/** Messages published before this child started are left-overs of an earlier one: not counted. */
const sinceMs = Number(process.env.PROBE_SINCE_MS ?? 0);

function recordPull(name: string, startMs: number, pulled: readonly PulledMessage[]): void {
  const endMs = Date.now();
  let oldest = 0;
  for (const message of pulled) {
    if (message.publishTimeMs < sinceMs) continue;
    dump.toPulled.push(endMs - message.publishTimeMs);
    if (oldest === 0 || message.publishTimeMs < oldest) oldest = message.publishTimeMs;
  }
  dump.pulls.push([name, startMs, endMs, pulled.length, oldest]);
}

/** The pipeline calls sink.send synchronously inside process() when the keys are cached. */
let batchStartedMs: number | undefined;

const probeTracer: BatchTracer = {
  async process(batch: readonly SourceMessage[], run: () => Promise<void>): Promise<void> {
    const started = Date.now();
    for (const message of batch) if (message.publishedAtMs >= sinceMs) dump.toDelivered.push(started - message.publishedAtMs);
    batchStartedMs = started;
    let running: Promise<void>;
    try {
      running = run();
    } finally {
      batchStartedMs = undefined;
    }
    await running;
    const ended = Date.now();
    for (const message of batch) {
      if (message.publishedAtMs < sinceMs) continue;
      dump.toDone.push(ended - message.publishedAtMs);
      done++;
    }
  },
  sink(sink: RecordSink): RecordSink {
    return {
      send: async (records: readonly OutRecord[]) => {
        const started = Date.now();
        if (batchStartedMs !== undefined) dump.toSend.push(started - batchStartedMs);
        await sink.send(records);
        dump.sendMs.push(Date.now() - started);
      },
      checkRecordSize: (record) => sink.checkRecordSize(record),
    };
  },
  async receive<T extends readonly unknown[]>(source: ReceiveSource, call: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const result = await call();
    recordPull(source.name, started, result as unknown as readonly PulledMessage[]);
    return result;
  },
  async shutdown(): Promise<void> {},
};

function finish(out: string): void {
  const cpu = process.cpuUsage(cpu0);
  const loop = [loopDelay.percentile(50), loopDelay.percentile(99), loopDelay.max].map((ns) => Math.round(ns / 1e6));
  writeFileSync(out, JSON.stringify({ ...dump, cpuUs: cpu.user + cpu.system, loopDelayMs: loop }));
}

setInterval(() => process.stdout.write(`COUNT ${done}\n`), 200).unref();

const [mode, ...args] = process.argv.slice(2);
if (mode === "bridge") {
  const [root, configFile, out] = args as [string, string, string];
  const { loadConfig } = (await import(join(root, "src/cli/config.ts"))) as typeof import("../src/cli/config.ts");
  const { createLogger } = (await import(join(root, "src/ops/log.ts"))) as typeof import("../src/ops/log.ts");
  const { startBridge } = (await import(join(root, "src/cli/bridge.ts"))) as typeof import("../src/cli/bridge.ts");
  const config = loadConfig(configFile, process.env);
  const log = createLogger("warn", { service: "meshbridge-probe" });
  const bridge = await startBridge(config, log, new AbortController().signal, { tracer: probeTracer });
  process.stdout.write("READY\n");
  process.once("SIGTERM", () => {
    finish(out);
    void bridge.stop().finally(() => process.exit(0));
  });
} else if (mode === "bare") {
  const [out, ...subscriptions] = args as [string, ...string[]];
  const api = benchSubscriberApi();
  let stopping = false;
  let turn = 0;
  const acks = new Set<Promise<unknown>>();
  const worker = async (): Promise<void> => {
    while (!stopping) {
      const subscription = subscriptions[turn++ % subscriptions.length]!;
      const started = Date.now();
      const pulled = await api.pull(subscription, 100);
      recordPull(subscription.slice(subscription.lastIndexOf("/") + 1), started, pulled);
      if (pulled.length === 0) continue;
      for (const message of pulled) if (message.publishTimeMs >= sinceMs) done++;
      const ack: Promise<unknown> = api
        .acknowledge(
          subscription,
          pulled.map((message) => message.ackId),
        )
        .finally(() => acks.delete(ack));
      acks.add(ack);
    }
  };
  const workers = Array.from({ length: 16 }, worker);
  process.stdout.write("READY\n");
  process.once("SIGTERM", () => {
    stopping = true;
    finish(out);
    void Promise.allSettled(workers)
      .then(() => Promise.allSettled([...acks]))
      .then(() => api.close())
      .finally(() => process.exit(0));
  });
} else {
  throw new Error(`pubsub-latency-child: unknown mode ${String(mode)} (expected "bridge" or "bare")`);
}
