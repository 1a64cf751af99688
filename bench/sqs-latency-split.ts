// Where the SQS publish → Kafka ack time goes, A/B: bridges of one or more trees (or settings),
// each as a child with bench/latency-probe.ts preloaded, each on a queue of its own, fed open loop
// at the same rate (the simulator's RateLimiter, as bench/e2e-sqs.ts does) AT THE SAME TIME, so a
// loaded machine weighs on every variant alike; repeated for --rounds. Per variant and round: the
// bridge's histogram (meshbridge_publish_to_ack_seconds), the per-stage split
// (bench/latency-split.ts), CPU per event, and what the machine alone gives in the same round
// (bench/latency-bare.ts: bare produce and bare receive latency, a light process beside the
// bridges). Writes one JSON per run to --out.
//   node bench/sqs-latency-split.ts --variants variants.json --rate 300 --seconds 30 --rounds 3
// variants.json: {"main": {"root": "/tmp/main-tree"}, "mine": {"root": ".", "nodeArgs": [],
//   "sqs": {"receivers": 16}, "kafka": {}}} (sqs and kafka merge into the bridge's config).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { meshEndpoints } from "../infra/stack/ports.ts";
import { waitForIdle } from "./e2e-sqs.ts";
import { type LatencyProbe, latencySplit } from "./latency-split.ts";
import {
  BENCH_DIR,
  BENCH_DLQ,
  BENCH_PREFIX,
  histogramQuantile,
  parseMetrics,
  prepareCatalog,
  provisionBenchWorld,
  publish,
  readProc,
  sqsAws,
} from "./mesh.ts";

interface Variant {
  readonly root: string;
  readonly nodeArgs?: readonly string[];
  readonly sqs?: Readonly<Record<string, unknown>>;
  readonly kafka?: Readonly<Record<string, unknown>>;
}

const { values } = parseArgs({
  options: {
    variants: { type: "string" },
    rate: { type: "string", default: "300" },
    seconds: { type: "string", default: "30" },
    warm: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    out: { type: "string", default: join(BENCH_DIR, "latency-split") },
  },
});
if (values.variants === undefined) throw new Error("--variants FILE (JSON: name → {root, nodeArgs?, sqs?, kafka?}) is required");
const variants = JSON.parse(readFileSync(values.variants, "utf8")) as Record<string, Variant>;
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warm = Number(values.warm);
const outDir = resolve(values.out ?? ".");
mkdirSync(outDir, { recursive: true });
mkdirSync(BENCH_DIR, { recursive: true });
const probeFile = resolve(import.meta.dirname, "latency-probe.ts");

await prepareCatalog();
const runId = Date.now().toString(36);
const worlds = new Map<string, { world: Awaited<ReturnType<typeof provisionBenchWorld>>; sequence: number }>();
for (const name of Object.keys(variants)) {
  worlds.set(name, { world: await provisionBenchWorld(`mbsplit-${runId}-${name}`, 20), sequence: 0 });
}

async function run(name: string, round: number): Promise<Record<string, unknown>> {
  const variant = variants[name]!;
  const root = resolve(variant.root);
  const state = worlds.get(name)!;
  const world = state.world;
  const label = `mbsplit-${runId}-${name}-${round}`;
  const config = {
    catalog: { module: join(root, "catalog/index.ts") },
    kafka: {
      bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
      deadLetterTopic: BENCH_DLQ,
      topicPrefix: BENCH_PREFIX,
      ...variant.kafka,
    },
    registry: { url: meshEndpoints.registryUrl },
    aws: { region: sqsAws.region, endpoint: sqsAws.endpoint },
    keys: { provider: "static", file: world.keys.bridgeKeyFile },
    // As bench/mesh.ts BridgeChild configures the SQS source.
    sources: {
      sqs: [{ queueUrl: world.aws.queueUrl, receivers: 8, waitTimeSeconds: 2, visibilityTimeoutSeconds: 60, ...variant.sqs }],
    },
    http: { port: 0, host: "127.0.0.1" },
    log: { level: "info" },
    shutdownGraceSeconds: 10,
  };
  const configFile = join(BENCH_DIR, `${label}.bridge.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const probeOut = join(outDir, `${label}.probe.json`);
  const child = spawn(
    process.execPath,
    [...(variant.nodeArgs ?? []), "--import", probeFile, join(root, "src/cli/main.ts"), "run", "--config", configFile],
    {
      cwd: root,
      env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", MB_PROBE_OUT: probeOut },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let tail = "";
  let port: number | undefined;
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-6000);
    port ??= Number(/"opsPort":(\d+)/.exec(tail)?.[1]) || undefined;
  });
  const exited = new Promise((done) => child.once("exit", done));
  const readyBy = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > readyBy) {
      child.kill("SIGKILL");
      throw new Error(`bridge ${label} not ready: ${tail}`);
    }
    if (
      port !== undefined &&
      (await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      break;
    await sleep(100);
  }
  const metrics = async () => parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
  const feed = async (forSeconds: number) => {
    const count = Math.round(rate * forSeconds);
    const outcome = await publish(world, {
      count,
      rate,
      seed: 42,
      firstSequence: state.sequence,
      targetBytes: 1024,
      maxMs: forSeconds * 1500,
      concurrency: 64,
    });
    state.sequence += count;
    return outcome;
  };
  try {
    await feed(warm); // JIT, connections, key cache
    await waitForIdle(null, world.aws.queueUrl, 30_000);
    const before = await metrics();
    const cpuBefore = readProc(child.pid ?? -1).cpuUs;
    const from = Date.now();
    const outcome = await feed(seconds);
    const to = Date.now();
    const cpuAfter = readProc(child.pid ?? -1).cpuUs;
    for (let i = 0; i < 300 && (await metrics()).acked - before.acked < outcome.published; i++) await sleep(200);
    const after = await metrics();
    child.kill("SIGTERM");
    await exited;
    const q = (p: number): number =>
      Math.round((histogramQuantile(before.latencyBuckets, after.latencyBuckets, p) ?? Number.NaN) * 1000);
    const probe = JSON.parse(readFileSync(probeOut, "utf8")) as LatencyProbe;
    return {
      name,
      round,
      offeredPerSecond: rate,
      achievedPerSecond: Math.round(outcome.achievedRate),
      acked: after.acked - before.acked,
      histogramMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99) },
      cpuUsPerEvent: Math.round((cpuAfter - cpuBefore) / Math.max(1, outcome.published)),
      loop: probe.loop,
      ...latencySplit(probe, from, to),
    };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** The bare loops for about as long as a round's bridges run. */
async function bare(round: number): Promise<unknown> {
  const file = join(outDir, `bare-${runId}-${round}.json`);
  const child = spawn(process.execPath, [resolve(import.meta.dirname, "latency-bare.ts"), String(warm + seconds + 15), file], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const code = await new Promise((done) => child.once("exit", done));
  return code === 0 ? JSON.parse(readFileSync(file, "utf8")) : { failed: code };
}

const names = Object.keys(variants);
for (let round = 1; round <= Number(values.rounds); round++) {
  const [machine, ...results] = await Promise.all([bare(round), ...names.map((name) => run(name, round))]);
  process.stdout.write(`bare round ${round}: ${JSON.stringify(machine)}\n`);
  for (const result of results as Record<string, unknown>[]) {
    result.bare = machine;
    writeFileSync(join(outDir, `${result.name}-${round}.result.json`), JSON.stringify(result, null, 1));
    const s = result as unknown as ReturnType<typeof latencySplit> & { name: string; histogramMs: { p50: number; p99: number } };
    process.stdout.write(
      `${s.name} round ${round}: histogram p50 ${s.histogramMs.p50} p99 ${s.histogramMs.p99} ms; queue p99 ${s.stages.queue.p99}, pipeline p99 ${s.stages.pipeline.p99}, wait for send p99 ${s.stages.waitForSend.p99}, Kafka p99 ${s.stages.kafka.p99} ms; GC ${s.gc.totalMs} ms (max ${s.gc.maxMs})\n`,
    );
  }
}
