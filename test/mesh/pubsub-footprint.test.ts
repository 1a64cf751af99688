// What a subscription costs: streams, sockets, timers, resident memory and idle CPU at 10, 100
// and 500 subscriptions, for the client's default streaming pull (5 streams per subscription),
// streaming pull with maxStreams 1, and meshbridge's pull pool. Each measurement runs in a
// child process of its own (this file, with FOOTPRINT_CHILD set). Numbers feed
// docs/decisions/0005-pubsub-consumption.md.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Subscription, Topic } from "@google-cloud/pubsub";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { createLogger } from "../../src/ops/log.ts";
import { InFlightBudget } from "../../src/pipeline/budget.ts";
import { defaultPubSubSourceOptions, PubSubSource } from "../../src/sources/pubsub/pubsub-source.ts";
import { createSubscriberApi } from "../../src/sources/pubsub/subscriber-api.ts";
import { meshPubSub, meshPubSubProject, uniqueName } from "../support/mesh.ts";
import { socketsTo } from "../support/sockets.ts";
import { startWith } from "../support/source-context.ts";

type Mode = "stock-default" | "stock-1-stream" | "pull-pool";

interface Footprint {
  readonly mode: Mode;
  readonly subscriptions: number;
  readonly streams: number;
  readonly sockets: number;
  readonly timers: number;
  readonly handles: number;
  readonly rssMiB: number;
  readonly rssDeltaMiB: number;
  /** Live JS objects added (after a full GC): what stays per subscription. */
  readonly heapDeltaMiB: number;
  readonly idleCpuPercent: number;
  readonly rpcPerSecond: number;
}

const SETTLE_MS = 3000;
const WINDOW_MS = 4000;

function resourceCounts(): { timers: number; handles: number } {
  const info = process.getActiveResourcesInfo();
  return { timers: info.filter((name) => name === "Timeout").length, handles: info.length };
}

/** Streaming-pull streams open in the client (its internal MessageStream trackers). */
function streamsOf(subscriptions: readonly Subscription[]): number {
  let total = 0;
  for (const subscription of subscriptions) {
    const internal = subscription as unknown as { _subscriber?: { _stream?: { _streams?: unknown[] } } };
    total += internal._subscriber?._stream?._streams?.length ?? 0;
  }
  return total;
}

async function child(mode: Mode, names: readonly string[]): Promise<Footprint> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = process.memoryUsage();
  let streams = 0;
  let rpcs = (): number => 0;
  let close: () => Promise<void>;
  if (mode === "pull-pool") {
    const api = createSubscriberApi(
      { projectId: meshPubSubProject, emulatorHost: meshEndpoints.pubsubEmulatorHost },
      { callTimeoutMs: 30_000 },
    );
    const source = new PubSubSource(
      api,
      { ...defaultPubSubSourceOptions, project: meshPubSubProject, subscriptions: names },
      createLogger("error"),
    );
    await startWith(source, new InFlightBudget(4000, 64 * 1024 * 1024), (batch) => {
      for (const message of batch) message.ack();
    });
    rpcs = () => source.stats.pulls;
    close = () => source.stop();
  } else {
    const pubsub = meshPubSub();
    const options = mode === "stock-1-stream" ? { streamingOptions: { maxStreams: 1 }, flowControl: { maxMessages: 10 } } : {};
    const subscriptions = names.map((name) => pubsub.subscription(name, options));
    for (const subscription of subscriptions) subscription.on("message", (message) => message.ack());
    await sleep(SETTLE_MS);
    streams = streamsOf(subscriptions);
    close = async () => {
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      await pubsub.close();
    };
  }
  await sleep(SETTLE_MS);
  const rpcsBefore = rpcs();
  const cpuBefore = process.cpuUsage();
  await sleep(WINDOW_MS);
  const cpu = process.cpuUsage(cpuBefore);
  const rpcPerSecond = ((rpcs() - rpcsBefore) * 1000) / WINDOW_MS;
  gc?.();
  const memory = process.memoryUsage();
  const rss = memory.rss;
  const counts = resourceCounts();
  const sockets = socketsTo(process.pid, meshEndpoints.pubsubEmulatorHost);
  const result: Footprint = {
    mode,
    subscriptions: names.length,
    streams,
    sockets,
    timers: counts.timers,
    handles: counts.handles,
    rssMiB: Math.round(rss / 1024 / 102.4) / 10,
    rssDeltaMiB: Math.round((rss - baseline.rss) / 1024 / 102.4) / 10,
    heapDeltaMiB: Math.round((memory.heapUsed - baseline.heapUsed) / 1024 / 102.4) / 10,
    idleCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / WINDOW_MS) * 1000) / 10,
    rpcPerSecond: Math.round(rpcPerSecond),
  };
  await Promise.race([close(), sleep(5000)]);
  return result;
}

const childSpec = process.env.FOOTPRINT_CHILD;
if (childSpec !== undefined) {
  const { mode, names } = JSON.parse(childSpec) as { mode: Mode; names: string[] };
  const result = await child(mode, names);
  process.stdout.write(`FOOTPRINT ${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  const pubsub = meshPubSub();
  let topic: Topic;
  const names: string[] = [];

  before(async () => {
    [topic] = await pubsub.createTopic(uniqueName("footprint"));
    const prefix = uniqueName("footprint-sub");
    for (let start = 0; start < 500; start += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async (_, offset) => {
          const [subscription] = await topic.createSubscription(`${prefix}-${start + offset}`);
          names[start + offset] = subscription.name;
        }),
      );
    }
  });

  after(async () => {
    for (let start = 0; start < names.length; start += 25) {
      await Promise.all(
        names.slice(start, start + 25).map((name) =>
          pubsub
            .subscription(name)
            .delete()
            .catch(() => undefined),
        ),
      );
    }
    await topic?.delete();
    await pubsub.close();
  });

  async function measure(mode: Mode, count: number): Promise<Footprint> {
    const proc = spawn(process.execPath, ["--expose-gc", new URL(import.meta.url).pathname], {
      env: { ...process.env, FOOTPRINT_CHILD: JSON.stringify({ mode, names: names.slice(0, count) }) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const killer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
    await new Promise((resolve) => proc.on("exit", resolve));
    clearTimeout(killer);
    const line = out.split("\n").find((text) => text.startsWith("FOOTPRINT "));
    assert.ok(line, `${mode} x ${count}: the child reported nothing`);
    return JSON.parse(line.slice("FOOTPRINT ".length)) as Footprint;
  }

  // A measurement (about 100 s, sensitive to machine load), not a check to run on every change:
  // `npm run bench` reports the same footprint; MB_FOOTPRINT=1 runs this test.
  const skip = process.env.MB_FOOTPRINT === "1" ? false : "measurement: MB_FOOTPRINT=1 to run (npm run bench reports it)";
  test("footprint per subscription at 10, 100, 500: stock streaming pull vs the pull pool", {
    timeout: 600_000,
    skip,
  }, async () => {
    const results: Footprint[] = [];
    for (const count of [10, 100, 500]) {
      for (const mode of ["stock-default", "stock-1-stream", "pull-pool"] as const) results.push(await measure(mode, count));
    }
    console.log("mode            subs  streams  sockets  timers  handles  RSS MiB  ΔRSS MiB  Δheap MiB  idle CPU %  pull RPC/s");
    for (const r of results) {
      console.log(
        `${r.mode.padEnd(15)} ${String(r.subscriptions).padStart(4)}  ${String(r.streams).padStart(7)}  ${String(r.sockets).padStart(7)}  ${String(r.timers).padStart(6)}  ${String(r.handles).padStart(7)}  ${String(r.rssMiB).padStart(7)}  ${String(r.rssDeltaMiB).padStart(8)}  ${String(r.heapDeltaMiB).padStart(9)}  ${String(r.idleCpuPercent).padStart(10)}  ${String(r.rpcPerSecond).padStart(10)}`,
      );
    }
    const pool = results.filter((r) => r.mode === "pull-pool");
    const stock = results.filter((r) => r.mode === "stock-default");
    // The pool's cost does not grow with the subscriptions: no streams, one connection, the same timers.
    for (const r of pool) {
      assert.equal(r.streams, 0);
      assert.ok(r.sockets <= 2, `pool: ${r.sockets} sockets at ${r.subscriptions} subscriptions`);
    }
    assert.ok(pool[2]!.timers - pool[0]!.timers <= 2, "pool timers grow with the subscriptions");
    // What stays per subscription is a small record (the RSS delta is GC headroom from polling).
    assert.ok(pool[2]!.heapDeltaMiB < 10, `pool: ${pool[2]!.heapDeltaMiB} MiB of live objects at 500 subscriptions`);
    // The stock client opens five streams per subscription (what the pool avoids).
    assert.equal(stock[0]!.streams, 50);
  });
}
