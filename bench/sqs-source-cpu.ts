// The SQS source alone against the bare drain, in this process (docs/decisions/0025): the real
// SqsSource (8 receivers, the bridge's lean client and in-flight budget) whose deliver acks every
// batch `--hold` ms later (0: at once; more stands in for the pipeline and Kafka), interleaved
// with the bare drain of bench/baselines.ts, for each `--trees` checkout in turn. CPU µs/event =
// process.cpuUsage (user + system) ÷ events acked (deleted). Needs the local mesh.
//
//   node bench/sqs-source-cpu.ts [--events N] [--runs N] [--hold MS] [--trees DIR,DIR…]

import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CreateQueueCommand, DeleteQueueCommand } from "@aws-sdk/client-sqs";
import { repoRoot } from "../infra/stack/ports.ts";
import type * as Log from "../src/ops/log.ts";
import type * as Budget from "../src/pipeline/budget.ts";
import type * as AwsClients from "../src/sources/aws-clients.ts";
import { createSqsClient } from "../src/sources/aws-clients.ts";
import { queueName } from "../src/sources/sqs/discovery.ts";
import type * as SqsSourceModule from "../src/sources/sqs/sqs-source.ts";
import type * as Baselines from "./baselines.ts";
import { provisionBenchWorld, publish, sqsAws } from "./mesh.ts";

const argument = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const events = Number(argument("--events") ?? 10_000);
const runs = Number(argument("--runs") ?? 2);
const holdMs = Number(argument("--hold") ?? 0);
const trees = (argument("--trees") ?? repoRoot).split(",");
/** Directory for CPU profiles of the last run's source and bare drains (the inspector's Profiler). */
const profileDir = argument("--profile");
const session = new Session();
session.connect();
async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (file === undefined) return work();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
  }
}
const RECEIVERS = 8;
const TIMEOUT_MS = 180_000;

const at = (root: string, path: string): string => pathToFileURL(join(root, path)).href;
const loaded = await Promise.all(
  trees.map(async (root) => ({
    root,
    aws: (await import(at(root, "src/sources/aws-clients.ts"))) as typeof AwsClients,
    source: (await import(at(root, "src/sources/sqs/sqs-source.ts"))) as typeof SqsSourceModule,
    budget: (await import(at(root, "src/pipeline/budget.ts"))) as typeof Budget,
    log: (await import(at(root, "src/ops/log.ts"))) as typeof Log,
    baselines: (await import(at(root, "bench/baselines.ts"))) as typeof Baselines,
  })),
);
type Tree = (typeof loaded)[number];

const world = await provisionBenchWorld(`sqssrc-${Date.now().toString(36)}`, 20);
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

async function sourceDrain(tree: Tree, expected: number): Promise<{ events: number; seconds: number; cpuUs: number }> {
  const config = { ...sqsAws, maxSockets: 256 };
  const sqs = tree.aws.createSqsClient(config);
  const lean = tree.aws.createLeanSqsClient(sqs, config);
  const source = new tree.source.SqsSource(
    sqs,
    { queueUrl, receivers: RECEIVERS, waitTimeSeconds: 2, visibilityTimeoutSeconds: 60 },
    tree.log.silentLogger,
    lean,
  );
  const budget = new tree.budget.InFlightBudget(4000, 64 * 1024 * 1024);
  const stop = new AbortController();
  let acked = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const settle = (batch: readonly { ack(): void }[]): void => {
    for (const message of batch) message.ack();
    acked += batch.length;
    if (acked >= expected) done();
  };
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await source.start({
    budget,
    signal: stop.signal,
    deliver: (batch) => {
      if (holdMs === 0) settle(batch);
      else setTimeout(() => settle(batch), holdMs);
    },
  });
  const timer = setTimeout(done, TIMEOUT_MS);
  await finished;
  clearTimeout(timer);
  stop.abort();
  await source.stop();
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - started) / 1000;
  sqs.destroy();
  lean.close();
  return { events: acked, seconds, cpuUs: cpu.user + cpu.system };
}

for (const tree of loaded) {
  // fill() first: it replaces queueUrl.
  const filled = await fill(3000, 1);
  await tree.baselines.bareSqsDrain(queueUrl, filled, RECEIVERS, TIMEOUT_MS);
  await sourceDrain(tree, await fill(3000, 2));
}
for (let run = 1; run <= runs; run++) {
  for (const [index, tree] of loaded.entries()) {
    const name = `${String.fromCharCode(65 + index)}`;
    const profile = (what: string): string | undefined =>
      profileDir !== undefined && run === runs ? join(profileDir, `${what}-${name}.cpuprofile`) : undefined;
    const filled = await fill(events, 100 + run);
    const s = await profiled(profile("source"), () => sourceDrain(tree, filled));
    const refilled = await fill(events, 200 + run);
    const bare = await profiled(profile("bare"), () => tree.baselines.bareSqsDrain(queueUrl, refilled, RECEIVERS, TIMEOUT_MS));
    console.log(
      `run ${run} ${name}: source ${(s.cpuUs / Math.max(1, s.events)).toFixed(1)} µs/event (${s.events} in ${s.seconds.toFixed(1)} s, ${(s.events / s.seconds).toFixed(0)}/s); ` +
        `bare ${bare.cpuUsPerEvent.toFixed(1)} µs/event (${bare.eventsPerSecond.toFixed(0)}/s)   [${tree.root}]`,
    );
  }
}
