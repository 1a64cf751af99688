// `npm run bench [-- --quick]`: measures the bridge, the limits around it, and writes
// bench/results/latest.{json,md,png} (+ a CPU profile of the bridge when a target is missed).
// Everything runs in one go so that ratios are taken on the same machine in the same minutes.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createSqsClient } from "../src/sources/aws-clients.ts";
import { defaultPubSubSourceOptions } from "../src/sources/pubsub/pubsub-source.ts";
import { bareProduce, bareSqsDrain } from "./baselines.ts";
import { renderChart } from "./chart.ts";
import { measurePubSub, type PubSubBenchOptions, profilePubSubBridge } from "./e2e-pubsub.ts";
import { measureSqsE2e, PREFILL_CONCURRENCY, type SqsE2eOptions, timeDrain } from "./e2e-sqs.ts";
import { compareKafkaClients } from "./kafka-compare.ts";
import { Ledger, snapshotOffsets } from "./ledger.ts";
import {
  BENCH_DIR,
  BridgeChild,
  prepareCatalog,
  provisionBenchWorld,
  publish,
  queueDepth,
  RESULTS_DIR,
  SQS_SERVER,
  sqsAws,
} from "./mesh.ts";
import { measurePipelineCost } from "./pipeline-cost.ts";
import { profileBridge } from "./profile.ts";
import { FAIRNESS_PHASE, measureFairness } from "./pubsub-fairness.ts";
import { MAX_MESSAGES_PER_PULL, PULL_CONCURRENCY } from "./pubsub-mesh.ts";
import { composition, evaluateTargets, type Results, renderMarkdown, round } from "./report.ts";
import { measureTwoProcesses } from "./scale.ts";
import { measureTracingCost } from "./tracing-cost.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = values.quick === true;

/** Sizes of each mode: quick stays under 3 minutes, full under 20, on the shared dev machine. */
const plan = quick
  ? {
      pipelineIterations: 10_000,
      sqsWarmup: 6_000,
      prefill: 8_000,
      prefillMaxMs: 10_000,
      drainTimeoutMs: 30_000,
      latencySeconds: 6,
      produceEvents: 20_000,
      profilePrefill: 6_000,
      sweepMs: 20_000,
      budgetMs: 170_000,
      pubsub: {
        prefill: 15_000,
        prefillMaxMs: 15_000,
        drainTimeoutMs: 30_000,
        latencySeconds: 4,
        twoProcesses: false,
        subscriptionCounts: [10, 100, 500, 2000],
        settleMs: 3_000,
        minSettleMs: 3_000,
        stableMs: 3_000,
        idleWindowMs: 2_000,
      },
      pubsubProfilePrefill: 10_000,
      fairness: { flood: 8_000, floodTopUp: 2_000, rounds: 3, finishMs: 15_000 },
      kafkaClients: { records: 30_000, runs: 1, only: "^(platformatic/none/f4/imul|kafkajs/none/f4/|meshbridge-sink/lz4/)" },
    }
  : {
      pipelineIterations: 50_000,
      // ElasticMQ's JVM runs about half speed until it is warm: a drain of this many first.
      sqsWarmup: 20_000,
      prefill: 40_000,
      prefillMaxMs: 45_000,
      drainTimeoutMs: 120_000,
      latencySeconds: 20,
      produceEvents: 100_000,
      profilePrefill: 20_000,
      sweepMs: 120_000,
      budgetMs: 1_140_000,
      pubsub: {
        prefill: 40_000,
        prefillMaxMs: 45_000,
        drainTimeoutMs: 120_000,
        latencySeconds: 20,
        twoProcesses: true,
        subscriptionCounts: [0, 10, 100, 500, 2000],
        unpacedAt: 500,
        // At 500 idle subscriptions RSS climbs in steps for about 50 s before it levels off.
        settleMs: 90_000,
        minSettleMs: 20_000,
        stableMs: 20_000,
        idleWindowMs: 5_000,
      },
      pubsubProfilePrefill: 20_000,
      fairness: { flood: 30_000, floodTopUp: 6_000, rounds: 10, finishMs: 60_000 },
      kafkaClients: {
        records: 100_000,
        runs: 2,
        only: "^(platformatic/(none|lz4|gzip)/f4/imul|kafkajs/(none|gzip)/f4/|meshbridge-sink/lz4/)",
      },
    };
const RECEIVERS = 8; // the bridge's default sources.sqs[].receivers
const TENANTS = 20;
const TARGET_BYTES = 1024;

const started = performance.now();
const log = (line: string): void => {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
};
const errors: string[] = [];
async function step<T>(name: string, run: () => Promise<T>): Promise<T | null> {
  log(`${name} …`);
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    errors.push(`${name}: ${message.slice(0, 600)}`);
    log(`${name} FAILED: ${message.slice(0, 600)}`);
    return null;
  }
}

mkdirSync(BENCH_DIR, { recursive: true });
const profileDir = join(RESULTS_DIR, "profiles");
mkdirSync(profileDir, { recursive: true });
for (const file of readdirSync(profileDir)) if (file.endsWith(".cpuprofile")) rmSync(join(profileDir, file));
const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const cpu = cpus();

// 1. In-process pipeline cost (first: the bench process is fresh and the mesh idle).
const pipeline = await step("pipeline cost (in-process)", () => measurePipelineCost(plan.pipelineIterations));
const tracing = await step("tracing cost (in-process)", () => measureTracingCost(plan.pipelineIterations));

// 2–4. The local mesh: one legacy world for every SQS run, the catalog under the bench prefix.
const ledger = new Ledger();
const mesh = await step("mesh setup (schemas, topics, legacy world)", async () => {
  await prepareCatalog();
  const world = await provisionBenchWorld(`mbbench-${runId}`, TENANTS);
  return { world, from: await snapshotOffsets() };
});
const options: SqsE2eOptions | null =
  mesh === null
    ? null
    : {
        label: `mbbench-${runId}`,
        world: mesh.world,
        ledger,
        receivers: RECEIVERS,
        prefill: plan.prefill,
        prefillMaxMs: plan.prefillMaxMs,
        drainTimeoutMs: plan.drainTimeoutMs,
        latencySeconds: plan.latencySeconds,
        targetBytes: TARGET_BYTES,
        seed: 42,
        sequence: 0,
        log,
      };

if (options !== null)
  await step("warm ElasticMQ (a bare drain, not measured)", async () => {
    const world = await provisionBenchWorld(`mbbench-${runId}-warm`, TENANTS);
    const filled = await publish(world, {
      count: plan.sqsWarmup,
      rate: 0,
      seed: 4141, // not in the ledger: deleted on purpose
      firstSequence: 0,
      targetBytes: TARGET_BYTES,
      maxMs: options.prefillMaxMs,
      concurrency: PREFILL_CONCURRENCY,
    });
    const result = await bareSqsDrain(world.aws.queueUrl, filled.published, RECEIVERS, options.drainTimeoutMs);
    log(`warm-up drain: ${result.eventsPerSecond.toFixed(0)} events/s (not measured)`);
  });
const e2e = options === null ? null : await step("SQS end to end (saturation, latency)", () => measureSqsE2e(options));
const drain =
  options === null
    ? null
    : await step("bare SQS drain", async () => {
        // A world of its own: what a timed-out bare drain leaves behind must not feed later runs.
        const world = await provisionBenchWorld(`mbbench-${runId}-drain`, TENANTS);
        const filled = await publish(world, {
          count: options.prefill,
          rate: 0,
          seed: 4242, // not in the ledger: these are deleted on purpose
          firstSequence: 0,
          targetBytes: TARGET_BYTES,
          maxMs: options.prefillMaxMs,
          concurrency: PREFILL_CONCURRENCY,
        });
        const result = await bareSqsDrain(world.aws.queueUrl, filled.published, RECEIVERS, options.drainTimeoutMs, "lean");
        log(
          `bare drain (lean client): ${result.eventsPerSecond.toFixed(0)} events/s, ${result.cpuUsPerEvent.toFixed(1)} µs CPU/event, ${((result.cpuUsPerEvent * result.events) / Math.max(1, result.receives)).toFixed(0)} µs CPU/receive`,
        );
        // The same drain through the AWS SDK client, on the same queue refilled the same way: what
        // the lean client saves, in this run on this machine (docs/decisions/0017).
        const refilled = await publish(world, {
          count: options.prefill,
          rate: 0,
          seed: 4343, // not in the ledger: deleted on purpose
          firstSequence: options.prefill,
          targetBytes: TARGET_BYTES,
          maxMs: options.prefillMaxMs,
          concurrency: PREFILL_CONCURRENCY,
        });
        const sdk = await bareSqsDrain(world.aws.queueUrl, refilled.published, RECEIVERS, options.drainTimeoutMs, "sdk");
        log(
          `bare drain (AWS SDK client): ${sdk.eventsPerSecond.toFixed(0)} events/s, ${sdk.cpuUsPerEvent.toFixed(1)} µs CPU/event, ${((sdk.cpuUsPerEvent * sdk.events) / Math.max(1, sdk.receives)).toFixed(0)} µs CPU/receive`,
        );
        return { ...result, sdk };
      });
const produce = await step("bare produce", async () => {
  const result = await bareProduce(plan.produceEvents, 120_000);
  log(`bare produce: ${result.eventsPerSecond.toFixed(0)} events/s (${(result.records / result.seconds).toFixed(0)} records/s)`);
  return result;
});
const scale = options === null ? null : await step("scale: 2 bridge processes", () => measureTwoProcesses(options));
const pubsubOptions: PubSubBenchOptions = {
  label: `mbps-${runId}`,
  ledger,
  tenants: TENANTS,
  targetBytes: TARGET_BYTES,
  log,
  step,
  ...plan.pubsub,
};
const pubsub = await measurePubSub(pubsubOptions);
const fairness = await step("Pub/Sub fairness: 1 flooded subscription + 99 trickling", () =>
  measureFairness({ label: `mbps-${runId}`, ledger, targetBytes: TARGET_BYTES, log, ...plan.fairness }),
);
const kafkaClients = await step("Kafka client comparison (bench/kafka-clients.ts)", () =>
  compareKafkaClients(plan.kafkaClients.records, plan.kafkaClients.runs, plan.kafkaClients.only, 600_000),
);

const limit = drain === null || produce === null ? null : Math.min(drain.eventsPerSecond, produce.eventsPerSecond);
const pubsubLimit =
  pubsub.drain === null || produce === null ? null : Math.min(pubsub.drain.eventsPerSecond, produce.eventsPerSecond);
const latencyAt = (fraction: number) => e2e?.latency.find((l) => l.fractionOfSaturation === fraction);
const pubsubLatencyAt = (fraction: number) => pubsub.latency.find((l) => l.fractionOfSaturation === fraction);
const footprint = (count: number) => pubsub.subscriptions.find((f) => f.subscriptions === count && f.idlePacing);
const unpaced = pubsub.subscriptions.find((f) => !f.idlePacing);
const byCount = <T>(
  pick: (f: NonNullable<ReturnType<typeof footprint>>) => T,
): { 10: T | null; 100: T | null; 500: T | null; 2000: T | null } => {
  const at = (count: number): T | null => {
    const f = footprint(count);
    return f === undefined ? null : pick(f);
  };
  return { 10: at(10), 100: at(100), 500: at(500), 2000: at(2000) };
};
// The bridge's warm CPU per event (after the first 20% of the drain), as the bare loops are warm.
const warmCpu = (d: { cpuUsPerEvent: number; steadyCpuUsPerEvent: number | null } | null | undefined): number | null =>
  d === null || d === undefined ? null : (d.steadyCpuUsPerEvent ?? d.cpuUsPerEvent);
/** CPU µs per ReceiveMessage call of a bare drain (its deletes included). */
const perReceive = (d: { cpuUsPerEvent: number; events: number; receives: number } | null | undefined): number | null =>
  d === null || d === undefined || d.receives === 0 ? null : round((d.cpuUsPerEvent * d.events) / d.receives, 0);
const sqsComposition = composition(
  warmCpu(e2e?.saturation),
  drain?.cpuUsPerEvent ?? null,
  pipeline?.kb1.wholeUs ?? null,
  produce?.cpuUsPerEvent ?? null,
);
const pubsubComposition = composition(
  warmCpu(pubsub.saturation),
  pubsub.drain?.cpuUsPerEvent ?? null,
  pipeline?.kb1.wholeUs ?? null,
  produce?.cpuUsPerEvent ?? null,
);
const results: Results = {
  machine: {
    cores: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    node: process.version,
    date: new Date().toISOString(),
    memoryGB: Math.round(totalmem() / 2 ** 30),
    kernel: `Linux ${release()}`,
    note: "The local mesh (Kafka, Apicurio, ElasticMQ, moto, Pub/Sub emulator) runs on the same machine and may be shared with other work: absolute numbers are noisy; ratios are taken within this one run.",
  },
  mode: quick ? "quick" : "full",
  durationSeconds: 0,
  pipeline: {
    us_per_event_1kb: round(pipeline?.kb1.wholeUs, 2),
    floor_us_per_event_1kb: round(pipeline?.kb1.floorUs, 2),
    whole_over_floor_1kb: round(pipeline?.kb1.wholeOverFloor, 2),
    us_per_event_4kb: round(pipeline?.kb4.wholeUs, 2),
    floor_us_per_event_4kb: round(pipeline?.kb4.floorUs, 2),
    whole_over_floor_4kb: round(pipeline?.kb4.wholeOverFloor, 2),
    stages_us_1kb: pipeline === null ? null : roundAll(pipeline.kb1.stagesUs),
    stages_us_4kb: pipeline === null ? null : roundAll(pipeline.kb4.stagesUs),
    pipeline_overhead_us_1kb: round(pipeline?.kb1.pipelineOverheadUs, 2),
    records_per_event: round(pipeline?.kb1.recordsPerEvent, 3),
    iterations: plan.pipelineIterations,
    method: pipeline?.method ?? "",
  },
  tracing: {
    off_us_per_event_1kb: round(tracing?.offUs, 2),
    off_again_us_per_event_1kb: round(tracing?.offAgainUs, 2),
    on_us_per_event_1kb: round(tracing?.onUs, 2),
    on_over_off: round(tracing?.onOverOff, 3),
    off_noise: round(tracing?.offNoise, 3),
    method: tracing?.method ?? "",
  },
  e2e: {
    sqs: {
      server: SQS_SERVER,
      events_per_s: round(e2e?.saturation.eventsPerSecond, 0),
      live_events_per_s: round(e2e?.liveEventsPerSecond, 0),
      drain_events_per_s: round(drain?.eventsPerSecond, 0),
      drain_client: "lean",
      drain_cpu_us_per_receive: perReceive(drain),
      drain_sdk_events_per_s: round(drain?.sdk.eventsPerSecond, 0),
      drain_sdk_cpu_us_per_event: round(drain?.sdk.cpuUsPerEvent, 1),
      drain_sdk_cpu_us_per_receive: perReceive(drain?.sdk),
      fraction_of_limit: e2e === null || limit === null ? null : round(e2e.saturation.eventsPerSecond / limit, 3),
      p50_ms_at_50pct: round(latencyAt(0.5)?.p50Ms, 0),
      p95_ms_at_50pct: round(latencyAt(0.5)?.p95Ms, 0),
      p99_ms_at_50pct: round(latencyAt(0.5)?.p99Ms, 0),
      latency_at_50pct_includes_backlog: latencyAt(0.5)?.backlogAtStart ?? null,
      p50_ms_at_80pct: round(latencyAt(0.8)?.p50Ms, 0),
      p95_ms_at_80pct: round(latencyAt(0.8)?.p95Ms, 0),
      p99_ms_at_80pct: round(latencyAt(0.8)?.p99Ms, 0),
      cpu_us_per_event: round(e2e?.saturation.cpuUsPerEvent, 0),
      cpu_us_per_event_warm: round(warmCpu(e2e?.saturation), 1),
      composition_ratio: sqsComposition.ratio,
      composition_terms: sqsComposition.terms,
      peak_rss_mb: round(e2e?.peakRssMB, 0),
      latency_phases: e2e === null ? [] : e2e.latency.map((l) => ({ ...l, achievedRate: round(l.achievedRate, 0) })),
      latency_by_record_timestamp_ms: {},
      prefilled: e2e?.saturation.published ?? null,
    },
    pubsub: {
      events_per_s: round(pubsub.saturation?.eventsPerSecond, 0),
      drain_events_per_s: round(pubsub.drain?.eventsPerSecond, 0),
      fraction_of_limit:
        pubsub.saturation === null || pubsubLimit === null ? null : round(pubsub.saturation.eventsPerSecond / pubsubLimit, 3),
      p50_ms_at_50pct: round(pubsubLatencyAt(0.5)?.p50Ms, 0),
      p95_ms_at_50pct: round(pubsubLatencyAt(0.5)?.p95Ms, 0),
      p99_ms_at_50pct: round(pubsubLatencyAt(0.5)?.p99Ms, 0),
      latency_at_50pct_includes_backlog: pubsubLatencyAt(0.5)?.backlogAtStart ?? null,
      p50_ms_at_80pct: round(pubsubLatencyAt(0.8)?.p50Ms, 0),
      p95_ms_at_80pct: round(pubsubLatencyAt(0.8)?.p95Ms, 0),
      p99_ms_at_80pct: round(pubsubLatencyAt(0.8)?.p99Ms, 0),
      cpu_us_per_event: round(pubsub.saturation?.cpuUsPerEvent, 0),
      cpu_us_per_event_warm: round(warmCpu(pubsub.saturation), 1),
      composition_ratio: pubsubComposition.ratio,
      composition_terms: pubsubComposition.terms,
      peak_rss_mb: round(pubsub.peakRssMB, 0),
      latency_phases: pubsub.latency.map((l) => ({ ...l, achievedRate: round(l.achievedRate, 0) })),
      latency_by_record_timestamp_ms: {},
      prefilled: pubsub.saturation?.published ?? null,
      drain_cpu_us_per_event: round(pubsub.drain?.cpuUsPerEvent, 1),
      fairness:
        fairness === null
          ? null
          : {
              trickling_subscriptions: fairness.trickling,
              rounds: fairness.rounds,
              flood_published: fairness.floodPublished,
              flood_backlog_at_trickle_end: fairness.floodBacklogAtTrickleEnd,
              trickle_ms_by_record_timestamp: null,
            },
      subscriptions: TENANTS,
      pull_concurrency: PULL_CONCURRENCY,
      max_messages_per_pull: MAX_MESSAGES_PER_PULL,
    },
    produce_only_events_per_s: round(produce?.eventsPerSecond, 0),
    produce_only_records_per_s: produce === null ? null : round(produce.records / produce.seconds, 0),
    produce_only_cpu_us_per_event: round(produce?.cpuUsPerEvent, 1),
    drain_cpu_us_per_event: round(drain?.cpuUsPerEvent, 1),
  },
  scale: {
    one_process_events_per_s: round(e2e?.saturation.eventsPerSecond, 0),
    two_process_events_per_s: round(scale?.eventsPerSecond, 0),
    two_process_cpu_us_per_event: round(scale?.cpuUsPerEvent, 0),
    two_process_peak_rss_mb: scale === null ? null : scale.peakRssMB.map((v) => Math.round(v)),
    two_process_lost: null,
    pubsub_one_process_events_per_s: round(pubsub.saturation?.eventsPerSecond, 0),
    pubsub_two_process_events_per_s: round(pubsub.twoProcesses?.eventsPerSecond, 0),
    pubsub_two_process_cpu_us_per_event: round(pubsub.twoProcesses?.cpuUsPerEvent, 0),
    pubsub_two_process_peak_rss_mb: pubsub.twoProcesses === null ? null : pubsub.twoProcesses.peakRssMB.map((v) => Math.round(v)),
    pubsub_two_process_lost: null,
  },
  subscriptions: {
    rss_mb: byCount((f) => Math.round(f.rssMB)),
    peak_rss_mb: byCount((f) => Math.round(f.peakRssMB)),
    sockets: byCount((f) => f.emulatorSockets),
    sockets_total: byCount((f) => f.sockets),
    streams: byCount((f) => f.streams),
    idle_cpu_percent: byCount((f) => Math.round(f.idleCpuPercent * 10) / 10),
    discovered: byCount((f) => f.discovered),
    settled_after_s: byCount((f) => Math.round(f.settledAfterMs / 1000)),
    levelled_off: byCount((f) => f.levelledOff),
    rss_mb_no_subscriptions: round(footprint(0)?.rssMB, 0),
    heap_used_mb: byCount((f) => (f.heapUsedMB === null ? null : Math.round(f.heapUsedMB))),
    idle_pulls_per_second: defaultPubSubSourceOptions.idlePullsPerSecond,
    unpaced:
      unpaced === undefined
        ? null
        : {
            subscriptions: unpaced.subscriptions,
            rss_mb: Math.round(unpaced.rssMB),
            heap_used_mb: unpaced.heapUsedMB === null ? null : Math.round(unpaced.heapUsedMB),
            idle_cpu_percent: Math.round(unpaced.idleCpuPercent * 10) / 10,
            levelled_off: unpaced.levelledOff,
          },
    note: "The bridge (child process, Pub/Sub source only) with N idle subscriptions found by discovery (one topic; the subscriptions carry labels, one label per step). RSS = VmRSS from /proc once it settled (sampled every 5 s; settled = no growth above 2% for 20 s, at least 20 s, at most 90 s — it may still be growing then, which the table says: V8 sizes the heap to the idle polling's allocation rate, and under CPU contention it grows further; quick mode reads it after 5 s, before it settles, so reads low at 500); sockets = established connections to the emulator (ss, as test/mesh/pubsub-footprint.test.ts counts them); sockets_total = every socket descriptor (Kafka, ops HTTP server, emulator); streams = 0 by construction: the pull pool makes unary Pull calls only (≤ 16 in flight over one channel), no StreamingPull stream at any count (the stock client opens 5 per subscription); idle CPU = utime+stime over a window, % of one core. Idle polling is paced as a whole once a subscription has backed off to idleMaxMs (idlePullsPerSecond, default 100: at 500 idle subscriptions each is asked every 5 s); in full mode the largest count is measured again unpaced (idlePullsPerSecond 0: each idle subscription asked every idleMaxMs = 1 s, ≈ 500 pulls/s) to show what the pacing saves; heap = nodejs_heap_size_used_bytes from the bridge's /metrics when RSS was read (live objects and not yet collected garbage).",
  },
  kafka_clients: kafkaClients,
  lost: null,
  loss: {
    definition:
      "Every legacy event the SQS queue or Pub/Sub accepted during a bridge run is in the ledger with the catalog records it must become (its ce_ids, computed by mapping the plain event in-process; Pub/Sub worlds have tenant ids of their own, so the two paths never share an event id). After all bridges stopped, the bench topics are read back from the offsets taken before the first run. An event is not found when one of its records is missing and no dead-letter record carries it. Per path, lost = not found − messages still waiting: in the SQS queue after a sweeping bridge ran (SQS's approximate count; exact when it is 0), in the Pub/Sub subscriptions after the last bridge stopped (counted by pulling without acknowledging until empty, then handing back). Events that map to no record (system_ping) are covered by the queue or subscriptions running empty. Events of the bare-drain baselines are deleted/acked on purpose and not counted.",
    phases: [],
    undelivered: null,
    queue_left: null,
    pubsub_left: null,
    lost_by_path: null,
  },
  targets: [],
  profile: null,
  profiles: [],
  method: {
    "pipeline cost": pipeline?.method ?? "not run",
    saturation:
      "SQS on ElasticMQ, warmed first by a bare drain that is not measured (a cold JVM serves about half as fast). Queue pre-filled through the simulator (SendMessageBatch of 10 straight to the queue, each message in the form SNS delivers it: half raw envelopes, half SNS Notification JSON; 1 KB events, 20 tenants), then `node src/cli/main.ts run` is spawned (8 receivers, static keys); events/s = meshbridge_source_messages_acked_total from its /metrics ÷ time from /readyz to drained. CPU µs/event = utime+stime (all threads) from /proc/<pid>/stat over that window ÷ events (cpu_us_per_event), and over the drain after its first 20% (cpu_us_per_event_warm: a fresh process spends its first seconds compiling its hot code, which the long-running bench process running the bare loops has done); peak RSS = VmHWM. Composition = the bridge's warm CPU µs/event ÷ (bare drain CPU + pipeline whole + bare produce CPU, per event, each measured alone in this run); the bare drain uses the bridge's own SQS data-plane client (the lean AWS JSON 1.0 client, drain_client), so the ratio compares like with like; the same drain through the AWS SDK client follows on the same queue refilled (drain_sdk_*: what the lean client saves, per event and per receive, in this run); the bare loops run in the bench process (process.cpuUsage); the end-to-end CPU target reads the warm value too.",
    latency:
      "Same bridge, open-loop publisher (the simulator's RateLimiter; SendMessageBatch of up to 10, a partial batch at least every 20 ms, 64 in flight) at 50% and 80% of the measured saturation; percentiles from the bridge's histogram meshbridge_publish_to_ack_seconds (SQS SentTimestamp → after Kafka acked, acks=all), difference of snapshots around each phase, interpolated within buckets (bounds 5, 10, 25, 50, 100, 250, 500 ms …). Cross-check: Kafka record timestamp (set by the producer as it builds the batch) − time the publisher got the queue's answer, per event; it can read low, because the queue may hand a message to a receiver before its SendMessageBatch answer reaches the publisher.",
    baselines:
      "Bare drain: 8 receivers looping ReceiveMessage(10) + DeleteMessageBatch (not awaited before the next receive, as the bridge's settle queue does) on a queue of the same kind (own legacy world, pre-filled the same way), in the bench process. Bare produce: the pipeline's real records for 1 KB events (pre-encoded) through KafkaSink + ProduceCoalescer (idempotent, acks=all, lz4), one send per 10 events, 400 sends outstanding (the 4000-event in-flight budget).",
    scale:
      "Two bridge processes on one pre-filled queue (SQS) or on the same 20 pre-filled subscriptions (Pub/Sub); events/s = sum of acked over both ÷ time from both ready to drained.",
    fairness:
      "Pub/Sub, 100 tenants (one topic and subscription each): one subscription flooded (a backlog published before the bridge starts, topped up every round), 99 trickling (one event each per 1 s round); the bridge with maxInFlightPerSubscription 200. Trickle latency = Kafka record timestamp − publish time, per event, from the ledger (the flood is in the ledger too, under a phase of its own). test/mesh/pubsub-fairness.test.ts asserts that the trickle is served while the flood still has a backlog.",
    pubsub:
      "20 tenants, one Pub/Sub topic and one unordered subscription each (pstest hands out one message per ordering key at a time, which would measure the emulator), 1 KB events pre-filled through the simulator's publisher (Publish calls of 100); the bridge (`sources.pubsub`, discovery by label, pull pool 16 × 100, the defaults) spawned as for SQS; events/s, CPU and RSS as for SQS. Latency: open-loop publisher (fixed schedule; every 10 ms tick publishes what is due, one Publish call per topic, ≤ 64 calls in flight; the client library batches the same way by default) at 50% and 80% of the measured saturation; percentiles from meshbridge_publish_to_ack_seconds (Pub/Sub publishTime → Kafka ack), as for SQS. Bare drain: the same pull pool without the bridge (16 unary Pull calls in flight, 100 per pull, round robin over the 20 subscriptions, acknowledge per pull not awaited), on a world of its own, pre-filled the same way, in the bench process.",
    isolation:
      "Bridges write to the catalog under the topic prefix 'mbbench.' (own topics, subjects and DLQ; withTopicPrefix adds one object per output event) and read a queue of their own; the Pub/Sub worlds live in the emulator project 'meshbridge-bench' under names and tenant ids of the run's own, and are deleted after their runs.",
  },
  errors,
};

// A target of a path missed: profile that path's bridge under load, to say which stage costs
// most. Both paths are CPU-bound now (SQS on ElasticMQ serves thousands of messages per second).
results.targets = evaluateTargets(results);
const missedOn = (prefix: string): boolean => results.targets.some((t) => t.verdict === "not met" && t.name.startsWith(prefix));
let pubsubProfileLeft = 0;
if (missedOn("Pub/Sub") && pubsub.saturation !== null) {
  const profiled = await step("CPU profile of the Pub/Sub bridge under load", async () => {
    const { left, ...summary } = await profilePubSubBridge({ ...pubsubOptions, prefill: plan.pubsubProfilePrefill }, profileDir);
    pubsubProfileLeft = left ?? 0;
    return { path: "pubsub", ...summary };
  });
  if (profiled !== null) results.profiles.push(profiled);
}
if (missedOn("SQS") && options !== null) {
  const profiled = await step("CPU profile of the SQS bridge under load", async () => ({
    path: "sqs",
    ...(await profileBridge({ ...options, prefill: plan.profilePrefill }, profileDir)),
  }));
  if (profiled !== null) results.profiles.push(profiled);
}
results.profile = results.profiles[0] ?? null;

// Loss: runs that timed out leave messages in the queue; a sweeping bridge delivers them (bounded
// time), then everything the bridges wrote is read back.
if (mesh !== null && options !== null) {
  await step("sweep: deliver what timed-out runs left in the queue", async () => {
    const sqs = createSqsClient(sqsAws);
    const left = await queueDepth(sqs, mesh.world.aws.queueUrl).finally(() => sqs.destroy());
    if (left === 0) return;
    const bridge = await BridgeChild.start({
      label: `${options.label}-sweep`,
      queueUrl: mesh.world.aws.queueUrl,
      keyFile: mesh.world.keys.bridgeKeyFile,
      receivers: RECEIVERS,
    });
    try {
      // Bounded by what is left of the run's time budget: what it does not deliver stays in the
      // queue and is subtracted as still queued (not lost) below.
      const sweepMs = Math.max(10_000, Math.min(plan.sweepMs, plan.budgetMs - (performance.now() - started) - 45_000));
      await timeDrain([bridge], left, sweepMs);
    } finally {
      await bridge.stop();
    }
  });
  await step("loss accounting (reading the bench topics back)", async () => {
    const { read } = await ledger.collect(mesh.from);
    const sqs = createSqsClient(sqsAws);
    try {
      results.loss.queue_left = await queueDepth(sqs, mesh.world.aws.queueUrl);
    } finally {
      sqs.destroy();
    }
    const phases = ledger.phases.map((phase) => ledger.account(phase));
    results.loss.phases = phases.map(({ latencyMs, ...rest }) => rest);
    // Still queued is not lost (it will be delivered); without a sweep to the end it is only
    // known as a count (SQS approximate; Pub/Sub counted by pulling), so it is subtracted as a
    // count, per path: what waits in a subscription cannot excuse an SQS event, nor the reverse.
    const notFound = (prefix: string): number =>
      phases.filter((p) => p.phase.startsWith(prefix)).reduce((sum, p) => sum + p.lost, 0);
    const sqsNotFound = notFound("sqs-");
    const pubsubNotFound = notFound("pubsub-");
    results.loss.pubsub_left = pubsub.left === null ? null : pubsub.left + pubsubProfileLeft + (fairness?.left ?? 0);
    results.loss.undelivered = sqsNotFound + pubsubNotFound;
    results.loss.lost_by_path = {
      sqs: Math.max(0, sqsNotFound - (results.loss.queue_left ?? 0)),
      pubsub: Math.max(0, pubsubNotFound - (results.loss.pubsub_left ?? 0)),
    };
    results.lost = results.loss.lost_by_path.sqs + results.loss.lost_by_path.pubsub;
    results.scale.two_process_lost = phases.find((p) => p.phase === "sqs-scale-2")?.lost ?? null;
    results.scale.pubsub_two_process_lost = phases.find((p) => p.phase === "pubsub-scale-2")?.lost ?? null;
    for (const p of phases) {
      if (p.phase.startsWith("sqs-latency")) results.e2e.sqs.latency_by_record_timestamp_ms[p.phase] = p.latencyMs;
      if (p.phase.startsWith("pubsub-latency")) results.e2e.pubsub.latency_by_record_timestamp_ms[p.phase] = p.latencyMs;
      if (p.phase === FAIRNESS_PHASE.trickle && results.e2e.pubsub.fairness !== null)
        results.e2e.pubsub.fairness.trickle_ms_by_record_timestamp = p.latencyMs;
    }
    log(
      `loss: read ${read} records; lost ${results.lost} (SQS ${results.loss.lost_by_path.sqs}, Pub/Sub ${results.loss.lost_by_path.pubsub}); queue left ${results.loss.queue_left}; subscriptions left ${results.loss.pubsub_left}`,
    );
  });
}
results.targets = evaluateTargets(results);
results.durationSeconds = Math.round((performance.now() - started) / 1000);

mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(RESULTS_DIR, "latest.md"), renderMarkdown(results));
await step("chart", async () => writeFileSync(join(RESULTS_DIR, "latest.png"), await renderChart(results)));
log(`done in ${results.durationSeconds} s: bench/results/latest.{json,md,png}`);
for (const t of results.targets)
  log(`target ${t.verdict.padEnd(12)} ${t.name}: ${t.value === null ? "—" : round(t.value, 2)} ${t.unit} (goal ${t.target})`);
process.exit(0);

function roundAll(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}
