// Own logger and metrics against pino and prom-client (docs/decisions/0009): CPU per counter
// increment and histogram observation (the pipeline's per-batch and per-message calls), /metrics
// render time with a few hundred series, CPU per log line, and import time plus memory.
//
//   node bench/logs-metrics.ts [--baseline DIR] 2>/dev/null
//
// DIR holds the pre-0009 src/ops/log.ts and metrics.ts (`git show 9424fa0:src/ops/log.ts`), so
// the own implementation can be measured after src/ moved on; without it only src/ is measured.
// CPU: process.cpuUsage() over N calls, best of 5 after a warm-up. Import and memory: a fresh
// child process per sample (type stripping already loaded), median of 5, RSS and heap after a
// full GC.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import * as prom from "prom-client";
import { createLogger } from "../src/ops/log.ts";
import * as metricsNow from "../src/ops/metrics.ts";

const { values } = parseArgs({ options: { baseline: { type: "string" } } });

/** Best-of-5 CPU nanoseconds per call of `run(i)`. */
function nsPerCall(iterations: number, run: (i: number) => void): number {
  for (let i = 0; i < iterations; i++) run(i);
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) run(i);
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / iterations);
  }
  return best;
}

async function msPerCall(iterations: number, run: () => unknown): Promise<number> {
  for (let i = 0; i < 10; i++) await run();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) await run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000 / iterations);
  }
  return best;
}

const rows: string[][] = [];
const row = (what: string, implementation: string, value: number, unit: string): void => {
  rows.push([what, implementation, value < 10 ? value.toFixed(2) : value.toFixed(0), unit]);
};

interface HotPath {
  incNoLabels(by: number): void;
  incStage(stage: string): void;
  observe(seconds: number): void;
}

const stages = ["produce", "key", "map", "decrypt"];
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30];

function promClientHotPath(registry: prom.Registry): HotPath & { fill(): void } {
  const plain = new prom.Counter({ name: "x_total", help: "x", registers: [registry] });
  const staged = new prom.Counter({ name: "y_total", help: "y", labelNames: ["stage"], registers: [registry] });
  const histogram = new prom.Histogram({ name: "z_seconds", help: "z", buckets: latencyBuckets, registers: [registry] });
  const wide = new prom.Counter({
    name: "w_total",
    help: "w",
    labelNames: ["stage", "error_class"],
    registers: [registry],
  });
  const perSource = new prom.Histogram({
    name: "v_seconds",
    help: "v",
    labelNames: ["source"],
    buckets: latencyBuckets,
    registers: [registry],
  });
  return {
    incNoLabels: (by) => plain.inc(by),
    incStage: (stage) => staged.inc({ stage }),
    observe: (seconds) => histogram.observe(seconds),
    fill() {
      for (let i = 0; i < 200; i++) wide.inc({ stage: stages[i % 4]!, error_class: `Class${i}` });
      for (let i = 0; i < 10; i++) perSource.observe({ source: `s${i}` }, i / 10);
    },
  };
}

async function measureMetrics(label: string, module: typeof import("../src/ops/metrics.ts")): Promise<void> {
  const metrics = new module.BridgeMetrics();
  // The hot path's per-source counters are fields of a handle resolved once per source.
  const series = metrics.sources.forSource("sqs:bench").series;
  const hot: HotPath = {
    incNoLabels: (by) => {
      series.acked += by;
    },
    incStage: (stage) => metrics.retries.inc({ stage }),
    observe: (seconds) => series.latency.observe(seconds),
  };
  measureHotPath(label, hot);
  // A few hundred series: 200 dead-letter label pairs, 10 labelled histograms of 19 buckets.
  for (let i = 0; i < 200; i++) metrics.deadLettered.inc({ stage: stages[i % 4]!, error_class: `Class${i}` });
  const perSource = new module.Histogram("v_seconds", "v", latencyBuckets);
  metrics.register(perSource);
  for (let i = 0; i < 10; i++) perSource.observe(i / 10, { source: `s${i}` });
  row("render /metrics, ~430 series", label, await msPerCall(200, () => metrics.render()), "ms");
}

function measureHotPath(label: string, hot: HotPath): void {
  row(
    "counter inc, no labels",
    label,
    nsPerCall(2_000_000, (i) => hot.incNoLabels(i & 7)),
    "ns",
  );
  row(
    "counter inc, {stage}",
    label,
    nsPerCall(1_000_000, (i) => hot.incStage(stages[i & 3]!)),
    "ns",
  );
  row(
    "histogram observe",
    label,
    nsPerCall(2_000_000, (i) => hot.observe((i % 1000) / 1000)),
    "ns",
  );
}

if (values.baseline !== undefined) {
  await measureMetrics("own (before)", await import(resolve(values.baseline, "metrics.ts")));
}
await measureMetrics("src/ops (now)", metricsNow);
{
  const registry = new prom.Registry();
  const raw = promClientHotPath(registry);
  measureHotPath("prom-client bare", raw);
  raw.fill();
  row("render /metrics, ~430 series", "prom-client bare", await msPerCall(200, () => registry.metrics()), "ms");
}

// --- logs: one warn line with the fields the pipeline's dead-letter line carries --------------
const fields = {
  source: "sqs:tenants",
  messageId: "8f14e45f-ceea-467f-a0e2-6d2b2b1c9a51",
  tenant: "tenant-0042",
  stage: "map",
  errorClass: "MapperFailed",
  error: "orders.v1 mapper: field total is not a number",
};
const discard = (_line: string): void => {};
/** CPU per line written to stderr, yielding every 500 lines so asynchronous writes complete. */
async function nsPerLineToStderr(lines: number, run: () => void): Promise<number> {
  const pass = async (): Promise<void> => {
    for (let i = 0; i < lines; i += 500) {
      for (let j = 0; j < 500; j++) run();
      await new Promise((done) => setImmediate(done));
    }
  };
  await pass();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const start = process.cpuUsage();
    await pass();
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / lines);
  }
  return best;
}

const logRows = async (label: string, make: typeof createLogger): Promise<void> => {
  const toStderr = make("info", { service: "meshbridge" });
  row(
    "log line to stderr (run with 2>/dev/null)",
    label,
    await nsPerLineToStderr(100_000, () => toStderr.warn("dead-lettered", fields)),
    "ns",
  );
  const log = make("info", { service: "meshbridge" }, discard);
  row(
    "log line, formatting only",
    label,
    nsPerCall(200_000, () => log.warn("dead-lettered", fields)),
    "ns",
  );
  const below = make("warn", { service: "meshbridge" }, discard);
  row(
    "log call below the level",
    label,
    nsPerCall(2_000_000, () => below.debug("batch settled", fields)),
    "ns",
  );
};
if (values.baseline !== undefined) {
  await logRows("own (before)", (await import(resolve(values.baseline, "log.ts"))).createLogger);
}
await logRows("src/ops (now)", createLogger);
{
  const bare = pino(
    {
      base: { service: "meshbridge" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (level) => ({ level }) },
    },
    { write: discard },
  );
  row(
    "log line, formatting only",
    "pino bare",
    nsPerCall(200_000, () => bare.warn(fields, "dead-lettered")),
    "ns",
  );
}

// --- import time and memory, each in a fresh process ---------------------------------------
const node = process.execPath;
const probe = (specifier: string): { importMs: number; rssMb: number; heapMb: number } => {
  const samples: { importMs: number; rssMb: number; heapMb: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const script = `await import(${JSON.stringify(resolve("bench/empty-module.ts"))});const t=performance.now();${specifier ? `await import(${JSON.stringify(specifier)});` : ""}const ms=performance.now()-t;globalThis.gc();const m=process.memoryUsage();console.log(JSON.stringify({importMs:ms,rssMb:m.rss/2**20,heapMb:m.heapUsed/2**20}))`;
    const out = execFileSync(node, ["--expose-gc", "--input-type=module", "-e", script], { encoding: "utf8" });
    samples.push(JSON.parse(out) as { importMs: number; rssMb: number; heapMb: number });
  }
  const median = (key: "importMs" | "rssMb" | "heapMb"): number => samples.map((s) => s[key]).sort((a, b) => a - b)[2]!;
  return { importMs: median("importMs"), rssMb: median("rssMb"), heapMb: median("heapMb") };
};
const modules: [string, string][] = [
  ["bare node (with type stripping loaded)", ""],
  ["prom-client", "prom-client"],
  ["pino", "pino"],
  ["src/ops/metrics.ts (now)", resolve("src/ops/metrics.ts")],
  ["src/ops/log.ts (now)", resolve("src/ops/log.ts")],
];
if (values.baseline !== undefined) {
  modules.push(["own metrics.ts (before)", resolve(values.baseline, "metrics.ts")]);
  modules.push(["own log.ts (before)", resolve(values.baseline, "log.ts")]);
}
for (const [label, specifier] of modules) {
  const { importMs, rssMb, heapMb } = probe(specifier);
  row("import", label, importMs, "ms");
  row("RSS after import + GC", label, rssMb, "MB");
  row("heap used after import + GC", label, heapMb, "MB");
}

console.log("| what | implementation | value | unit |\n| --- | --- | ---: | --- |");
for (const cells of rows) console.log(`| ${cells.join(" | ")} |`);
