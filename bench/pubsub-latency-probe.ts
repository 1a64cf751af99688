// Where the Pub/Sub publish → Kafka ack tail goes (decision 0027). One world of 20 subscriptions
// on the mesh's pstest, fed open-loop at RATE events/s for SECONDS; each variant consumes it in a
// child process of its own (bench/pubsub-latency-child.ts), and the variants run interleaved,
// round after round, so that a loaded machine weighs on all of them alike. Variants: "bare" (a
// bare pull loop: the emulator's and machine's floor), "base" (the bridge from BASE_ROOT, e.g. an
// export of main), "new" (the bridge of this tree), "new:key=value,..." (this tree with
// sources.pubsub settings changed). Prints per variant and round: publish → pulled / delivered /
// done percentiles, the pulls (duration, per-subscription gaps, messages per pull, empty ones,
// back-offs while messages waited) and the pipeline's split (start → send, send → Kafka ack).
//
//   node bench/pubsub-latency-probe.ts [--rate 2000] [--seconds 20] [--rounds 2] [--base /tmp/base] bare base new
// An older tree for "base": mkdir /tmp/base && git archive COMMIT | tar -x -C /tmp/base &&
// ln -s "$PWD/node_modules" /tmp/base/node_modules. Results are printed, not written to bench/results.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { demoCatalogModule } from "../catalog/index.ts";
import { meshEndpoints } from "../infra/stack/ports.ts";
import { BENCH_DIR, BENCH_DLQ, BENCH_PREFIX, prepareCatalog, sqsAws } from "./mesh.ts";
import type { ProbeDump } from "./pubsub-latency-child.ts";
import { deletePubSubBenchWorld, provisionPubSubBenchWorld, publishPubSubOpenLoop, pubsubSourceConfig } from "./pubsub-mesh.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "20" },
    rounds: { type: "string", default: "2" },
    base: { type: "string", default: "/tmp/pslat-base" },
    tenants: { type: "string", default: "20" },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const variants = positionals.length > 0 ? positionals : ["bare", "base", "new"];
const repoRoot = join(import.meta.dirname, "..");
const label = `pslat-${Date.now().toString(36)}`;
mkdirSync(BENCH_DIR, { recursive: true });

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const pcts = (values: readonly number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${quantile(sorted, 0.5)}/${quantile(sorted, 0.95)}/${quantile(sorted, 0.99)}`;
};

function bridgeConfig(name: string, worldLabel: string, keyFile: string, overrides: Record<string, unknown>): string {
  const config = {
    catalog: { module: demoCatalogModule },
    kafka: { bootstrapBrokers: [meshEndpoints.kafkaBootstrap], deadLetterTopic: BENCH_DLQ, topicPrefix: BENCH_PREFIX },
    registry: { url: meshEndpoints.registryUrl },
    aws: { region: sqsAws.region, endpoint: sqsAws.endpoint },
    keys: { provider: "static", file: keyFile },
    sources: { sqs: [], pubsub: { ...pubsubSourceConfig([worldLabel]), ...overrides } },
    http: { port: 0, host: "127.0.0.1" },
    log: { level: "warn" },
    shutdownGraceSeconds: 10,
  };
  const file = join(BENCH_DIR, `${name}.bridge.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function parseOverrides(spec: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of spec.split(",").filter((p) => p !== "")) {
    const [key, value] = pair.split("=");
    out[key!] = value === "true" ? true : value === "false" ? false : Number(value);
  }
  return out;
}

interface Child {
  readonly count: () => number;
  readonly ready: Promise<void>;
  stop(): Promise<ProbeDump>;
}

function startChild(args: string[], out: string): Child {
  const child = spawn(process.execPath, [join(repoRoot, "bench/pubsub-latency-child.ts"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, PROBE_SINCE_MS: String(Date.now()), AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let count = 0;
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    child.once("exit", (code) => reject(new Error(`probe child exited ${code} before it was ready`)));
  });
  child.stdout.setEncoding("utf8");
  let buffered = "";
  child.stdout.on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "READY") resolveReady();
      else if (line.startsWith("COUNT ")) count = Number(line.slice(6));
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    count: () => count,
    ready,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      return JSON.parse(readFileSync(out, "utf8")) as ProbeDump;
    },
  };
}

function summarise(variant: string, round: number, published: number, offeredSeconds: number, dump: ProbeDump): void {
  const bySubscription = new Map<string, ProbeDump["pulls"][number][]>();
  for (const row of dump.pulls) {
    const rows = bySubscription.get(row[0]);
    if (rows === undefined) bySubscription.set(row[0], [row]);
    else rows.push(row);
  }
  const gaps: number[] = [];
  const waitedBackoff: number[] = [];
  let emptyThenWaited = 0;
  let messagesAfterBackoff = 0;
  for (const rows of bySubscription.values()) {
    rows.sort((a, b) => a[1] - b[1]);
    for (let i = 1; i < rows.length; i++) {
      const previous = rows[i - 1]!;
      const row = rows[i]!;
      const gap = row[1] - previous[2];
      gaps.push(gap);
      // Asked again late although a message was already waiting when the previous pull answered.
      if (row[3] > 0 && row[4] > 0 && row[4] <= previous[2] && gap >= 50) {
        if (previous[3] === 0) emptyThenWaited++;
        messagesAfterBackoff += row[3];
        waitedBackoff.push(gap);
      }
    }
  }
  const durations = dump.pulls.map((row) => row[2] - row[1]);
  const full = dump.pulls.filter((row) => row[3] > 0);
  const empty = dump.pulls.length - full.length;
  const waitBefore = full.map((row) => Math.max(0, row[1] - row[4]));
  const spanMs =
    dump.pulls.length === 0 ? 1 : Math.max(...dump.pulls.map((r) => r[2])) - Math.min(...dump.pulls.map((r) => r[1]));
  const inFlight = durations.reduce((a, b) => a + b, 0) / Math.max(1, spanMs);
  console.log(
    [
      `${variant} r${round}: published ${published} in ${offeredSeconds.toFixed(1)} s; got ${dump.toPulled.length}`,
      `  publish→pulled p50/95/99 ${pcts(dump.toPulled)} ms; →delivered ${pcts(dump.toDelivered)}; →done (Kafka acked) ${pcts(dump.toDone)}`,
      `  pulls ${dump.pulls.length} (${empty} empty), ${(full.reduce((a, r) => a + r[3], 0) / Math.max(1, full.length)).toFixed(1)} msgs per non-empty pull, call ms p50/95/99 ${pcts(durations)}, mean in flight ${inFlight.toFixed(1)}`,
      `  per-subscription gap between pulls p50/95/99 ${pcts(gaps)} ms; oldest message's wait before its pull started p50/95/99 ${pcts(waitBefore)}`,
      `  asked ≥ 50 ms late with a message already waiting: ${waitedBackoff.length} pulls (${emptyThenWaited} after an empty pull), ${messagesAfterBackoff} messages, gap p50/99 ${pcts(waitedBackoff)}`,
      `  pipeline start→send p50/95/99 ${pcts(dump.toSend)} ms; send→Kafka ack ${pcts(dump.sendMs)}; CPU ${(dump.cpuUs / Math.max(1, dump.toPulled.length)).toFixed(0)} µs/event; event-loop delay p50/99/max ${dump.loopDelayMs.join("/")} ms`,
    ].join("\n"),
  );
}

await prepareCatalog();
const world = await provisionPubSubBenchWorld(label, Number(values.tenants));
const subscriptions = Object.values(world.pubsub.tenants).map((route) => route.subscription);
try {
  let seed = 700;
  for (let round = 1; round <= rounds; round++) {
    // Rotated each round: no variant always runs first, or right after the bare loop.
    const order = variants.map((_, i) => variants[(i + round - 1) % variants.length]!);
    for (const variant of order) {
      const out = join(BENCH_DIR, `${label}-${variant.replace(/[^a-z0-9]+/gi, "_")}-${round}.json`);
      const [kind, spec] = variant.split(":") as [string, string | undefined];
      const args =
        kind === "bare"
          ? ["bare", out, ...subscriptions]
          : [
              "bridge",
              kind === "base" ? values.base : repoRoot,
              bridgeConfig(`${label}-${kind}`, world.pubsub.label, world.keys.bridgeKeyFile, parseOverrides(spec ?? "")),
              out,
            ];
      const child = startChild(args, out);
      await child.ready;
      const outcome = await publishPubSubOpenLoop(world, {
        count: Math.round(rate * seconds),
        rate,
        seed: seed++,
        targetBytes: 1024,
        maxMs: seconds * 1500,
        concurrency: 64,
      });
      const deadline = Date.now() + 60_000;
      while (child.count() < outcome.published && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      summarise(variant, round, outcome.published, outcome.seconds, await child.stop());
    }
  }
} finally {
  await deletePubSubBenchWorld(world).catch(() => undefined);
}
