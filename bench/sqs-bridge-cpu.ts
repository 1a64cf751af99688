// The SQS bridge's CPU per event end to end, alone, against the bare drain (docs/decisions/0025):
// the saturation drain of bench/e2e-sqs.ts (1 KB events pre-filled on ElasticMQ through the
// simulator, 20 tenants, the real bridge as a child process, 8 receivers) and the bare drain of
// bench/baselines.ts, repeated `--runs` times, each run taking every `--trees` checkout in turn
// (A/B interleaved in the same minutes: e.g. a checkout of main beside this one). Per bridge run
// the SQS calls it made are counted by bench/sqs-call-counter.ts (preloaded).
// CPU µs/event = the bridge's utime + stime (/proc) from ready to drained ÷ events acked; warm =
// after the first 20 % of the drain. Needs the local mesh.
//
//   node bench/sqs-bridge-cpu.ts [--events N] [--runs N] [--trees DIR,DIR…] [--profile DIR]
//                                [--flags "A;B"] [--budgets "4000;500"] [--no-bare]

import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { CreateQueueCommand, DeleteQueueCommand } from "@aws-sdk/client-sqs";
import { repoRoot } from "../infra/stack/ports.ts";
import { createSqsClient } from "../src/sources/aws-clients.ts";
import { queueName } from "../src/sources/sqs/discovery.ts";
import type * as Baselines from "./baselines.ts";
import type * as E2e from "./e2e-sqs.ts";
import type * as Mesh from "./mesh.ts";
import { BENCH_DIR, prepareCatalog, provisionBenchWorld, publish, sqsAws } from "./mesh.ts";
import type * as Profile from "./profile.ts";
import { countSocketWrites, type SqsCallCounts } from "./sqs-call-counter.ts";

const argument = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const events = Number(argument("--events") ?? 20_000);
const runs = Number(argument("--runs") ?? 2);
const trees = (argument("--trees") ?? repoRoot).split(",");
const profileDir = argument("--profile");
/** Node flags for each tree's bridge, ";"-separated in --trees order (e.g. "--max-semi-space-size=64"). */
const flags = (argument("--flags") ?? "").split(";");
/** The bridge's budget.maxMessages for each tree, ";"-separated in --trees order (empty: the default). */
const budgets = (argument("--budgets") ?? "").split(";");
const bareOnly = process.argv.includes("--no-bare");
const RECEIVERS = 8;
const TENANTS = 20;
const DRAIN_TIMEOUT_MS = 180_000;

interface Tree {
  readonly root: string;
  readonly mesh: typeof Mesh;
  readonly e2e: typeof E2e;
  readonly baselines: typeof Baselines;
  readonly profile: typeof Profile;
}
const load = async (root: string): Promise<Tree> => ({
  root,
  mesh: (await import(pathToFileURL(join(root, "bench/mesh.ts")).href)) as typeof Mesh,
  e2e: (await import(pathToFileURL(join(root, "bench/e2e-sqs.ts")).href)) as typeof E2e,
  baselines: (await import(pathToFileURL(join(root, "bench/baselines.ts")).href)) as typeof Baselines,
  profile: (await import(pathToFileURL(join(root, "bench/profile.ts")).href)) as typeof Profile,
});
const loaded = await Promise.all(trees.map(load));

await prepareCatalog();
const label = `sqscpu-${Date.now().toString(36)}`;
const world = await provisionBenchWorld(label, TENANTS);
let sequence = 0;
// Each drain on a fresh queue: a receive cut short by a stop leaves its messages invisible for
// the visibility timeout, and a later drain would wait for them.
const control = createSqsClient(sqsAws);
let queueUrl = world.aws.queueUrl;
let queues = 0;
const fill = async (count: number, seed: number): Promise<number> => {
  if (queueUrl !== world.aws.queueUrl) await control.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  const created = await control.send(new CreateQueueCommand({ QueueName: `${queueName(world.aws.queueUrl)}-${++queues}` }));
  queueUrl = created.QueueUrl!;
  const outcome = await publish(
    { ...world, aws: { ...world.aws, queueUrl } },
    { count, rate: 0, seed, firstSequence: sequence, targetBytes: 1024, maxMs: 300_000, concurrency: 8 },
  );
  sequence += count;
  return outcome.published;
};

// Warm ElasticMQ and each tree's bare loop (JIT) first; not reported.
for (const tree of loaded) {
  const filled = await fill(4000, 1);
  await tree.baselines.bareSqsDrain(queueUrl, filled, RECEIVERS, DRAIN_TIMEOUT_MS);
}

/** Main-thread GC pauses (ms by kind) from now until the returned function is called. */
function observeGc(): () => Promise<Record<string, number>> {
  const ms: Record<string, number> = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = String((entry as { detail?: { kind?: number } }).detail?.kind ?? "?");
      ms[kind] = Math.round((ms[kind] ?? 0) + entry.duration);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    return ms;
  };
}

const f1 = (n: number | null | undefined): string => (n === null || n === undefined ? "?" : n.toFixed(1));
for (let run = 1; run <= runs; run++) {
  for (const [index, tree] of loaded.entries()) {
    const budget = budgets[index] ? Number(budgets[index]) : undefined;
    const name = `${String.fromCharCode(65 + index)} (${tree.root}${flags[index] ? ` ${flags[index]}` : ""}${budget === undefined ? "" : ` budget ${budget}`})`;
    const published = await fill(events, 100 + run);
    const countFile = join(BENCH_DIR, `${label}-${run}-${index}.counts.json`);
    process.env.NODE_OPTIONS = `--import ${pathToFileURL(join(repoRoot, "bench/sqs-call-counter.ts")).href} ${flags[index] ?? ""}`;
    process.env.MB_COUNT_ROOT = tree.root;
    process.env.MB_COUNT_FILE = countFile;
    const profiling = profileDir !== undefined && run === runs;
    const bridgeLabel = `${label}-${run}-${index}`;
    const bridge = await tree.mesh.BridgeChild.start({
      label: bridgeLabel,
      queueUrl,
      keyFile: world.keys.bridgeKeyFile,
      receivers: RECEIVERS,
      ...(budget === undefined ? {} : { budget: { maxMessages: budget } }),
      ...(profiling ? { cpuProfileDir: profileDir } : {}),
    });
    delete process.env.NODE_OPTIONS;
    const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
    const window = { fromUs: nowUs(), toUs: 0 };
    let drain: Awaited<ReturnType<typeof E2e.timeDrain>>;
    try {
      const before = await bridge.metrics();
      drain = await tree.e2e.timeDrain([bridge], published - before.acked, DRAIN_TIMEOUT_MS, [before]);
      window.toUs = nowUs();
    } finally {
      await bridge.stop();
    }
    const counts = JSON.parse(readFileSync(countFile, "utf8")) as SqsCallCounts;
    rmSync(countFile);
    const acked = drain.acked;
    const per = (n: number): string => (n / Math.max(1, acked)).toFixed(3);
    console.log(
      `run ${run} ${name} bridge: ${acked} events in ${drain.seconds.toFixed(1)} s (${(acked / drain.seconds).toFixed(0)}/s), ` +
        `${f1(drain.cpuUs / Math.max(1, acked))} µs CPU/event (warm ${f1(drain.steadyCpuUsPerEvent)})${drain.timedOut ? " TIMED OUT" : ""}`,
    );
    console.log(
      `  calls: receives ${counts.receives} (${counts.emptyReceives} empty, ${(counts.received / Math.max(1, counts.receives - counts.emptyReceives)).toFixed(2)} msgs per non-empty), ` +
        `deletes ${counts.deleteCalls} (${(counts.deleted / Math.max(1, counts.deleteCalls)).toFixed(2)} per call; sizes ${JSON.stringify(counts.deleteSizes)}), ` +
        `visibility ${counts.visibilityCalls} calls / ${counts.visibilityEntries} entries, http ${counts.httpRequests}; ` +
        `per event: receive ${per(counts.receives)}, delete ${per(counts.deleteCalls)}, visibility ${per(counts.visibilityCalls)}, http ${per(counts.httpRequests)}`,
    );
    if (profiling) {
      const file = join(profileDir, `${bridgeLabel}.cpuprofile`);
      const summary = tree.profile.summarizeProfile(file, acked, window);
      console.log(`  profile ${file}: ${JSON.stringify(summary.byCategory.slice(0, 8))}`);
      for (const f of summary.topFunctions) console.log(`    ${f.pct}% ${f.name} ${f.where}`);
    }
    console.log(`  socket writes by port: ${JSON.stringify(counts.writes)}; GC ms by kind ${JSON.stringify(counts.gcMs)}`);
    if (bareOnly) continue;
    const refilled = await fill(events, 200 + run);
    const gc = observeGc();
    const bare = await tree.baselines.bareSqsDrain(queueUrl, refilled, RECEIVERS, DRAIN_TIMEOUT_MS);
    const bareGcMs = await gc();
    console.log(
      `run ${run} ${name} bare drain: ${bare.events} events, ${bare.eventsPerSecond.toFixed(0)}/s, ${f1(bare.cpuUsPerEvent)} µs CPU/event, ` +
        `${bare.receives} receives (${(bare.events / Math.max(1, bare.receives)).toFixed(2)} per receive); GC ${JSON.stringify(bareGcMs)}`,
    );
    const produceWrites: Record<string, { calls: number; bytes: number }> = {};
    const restore = countSocketWrites(produceWrites);
    const produceGc = observeGc();
    const produced = await tree.baselines.bareProduce(events, DRAIN_TIMEOUT_MS).finally(restore);
    console.log(
      `run ${run} ${name} bare produce: ${produced.events} events, ${produced.eventsPerSecond.toFixed(0)}/s, ${f1(produced.cpuUsPerEvent)} µs CPU/event; writes ${JSON.stringify(produceWrites)}; GC ${JSON.stringify(await produceGc())}`,
    );
  }
}
