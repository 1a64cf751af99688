// End to end on the local mesh, Pub/Sub path: the real bridge as a child process (sources.pubsub,
// subscriptions found by discovery, the default pull pool: 16 Pull calls × 100 messages).
// Saturation: one subscription per tenant pre-filled through the simulator, then the bridge
// starts and drains them; events/s = source messages acked (bridge /metrics) ÷ time from ready to
// drained. Latency: the same bridge, fed open-loop at 50% and 80% of that rate; p50/p95/p99 from
// the bridge's histogram meshbridge_publish_to_ack_seconds (Pub/Sub publishTime → Kafka ack).
// Baseline: the bare pull pool on a pre-filled world of its own. Scale: two bridges on the same
// subscriptions. Every event the bridges get is in the ledger; what is still in the subscriptions
// afterwards is counted (not lost: it would be delivered).
import { setTimeout as sleep } from "node:timers/promises";
import type { PubSubWorldFile } from "../tools/simulator/pubsub-world.ts";
import { type BaselineResult, barePubSubDrain } from "./baselines.ts";
import type { DrainResult, LatencyResult } from "./e2e-sqs.ts";
import { latencyOfPhase, timeDrain } from "./e2e-sqs.ts";
import type { Ledger } from "./ledger.ts";
import { BridgeChild } from "./mesh.ts";
import { type ProfileSummary, profileDrain } from "./profile.ts";
import {
  benchSubscriberApi,
  deletePubSubBenchWorld,
  MAX_MESSAGES_PER_PULL,
  PULL_CONCURRENCY,
  provisionPubSubBenchWorld,
  publishPubSub,
  publishPubSubOpenLoop,
  pubsubSourceConfig,
  subscriptionBacklog,
} from "./pubsub-mesh.ts";
import { drainTogether, type ScaleResult } from "./scale.ts";
import { measureSubscriptionScale, type SubscriptionFootprint } from "./subscriptions.ts";

export interface PubSubBenchOptions {
  /** Unique per run: names of worlds, subscriptions and tenants start with it. */
  readonly label: string;
  readonly ledger: Ledger;
  readonly tenants: number;
  readonly prefill: number;
  readonly prefillMaxMs: number;
  readonly drainTimeoutMs: number;
  readonly latencySeconds: number;
  readonly targetBytes: number;
  readonly twoProcesses: boolean;
  readonly subscriptionCounts: readonly number[];
  /** One of subscriptionCounts, measured again with idle polling unpaced (full mode). */
  readonly unpacedAt?: number;
  readonly settleMs: number;
  readonly minSettleMs: number;
  readonly stableMs: number;
  readonly idleWindowMs: number;
  readonly log: (line: string) => void;
  /** Runs one part; a failure is recorded and yields null, the other parts still run. */
  readonly step: <T>(name: string, run: () => Promise<T>) => Promise<T | null>;
}

export interface PubSubResults {
  readonly saturation: DrainResult | null;
  readonly latency: readonly LatencyResult[];
  readonly peakRssMB: number | null;
  readonly drain: (BaselineResult & { readonly pulls: number; readonly emptyPulls: number }) | null;
  readonly twoProcesses: ScaleResult | null;
  readonly subscriptions: readonly SubscriptionFootprint[];
  /** Messages still in the e2e world's subscriptions after every bridge stopped (null: not counted). */
  readonly left: number | null;
}

/** Pre-fill concurrency: Publish calls in flight (the simulator serialises calls per topic). */
const PREFILL_CONCURRENCY = 16;
/** Seeds of the phases: event ids are unique per (seed, tenant, sequence). */
const SEED = { saturation: 501, latency50: 502, latency80: 503, scale: 504, drain: 505, profile: 506 } as const;

async function prefillPubSub(
  world: PubSubWorldFile,
  options: PubSubBenchOptions,
  phase: string | null,
  seed: number,
): Promise<number> {
  const ledger = options.ledger;
  const outcome = await publishPubSub(world, {
    count: options.prefill,
    rate: 0,
    seed,
    targetBytes: options.targetBytes,
    maxMs: options.prefillMaxMs,
    concurrency: PREFILL_CONCURRENCY,
    onPublished: phase === null ? undefined : (event, at) => ledger.expect(event, at, phase),
  });
  options.log(
    `${phase ?? "pubsub-drain"}: pre-filled ${outcome.published} events in ${outcome.seconds.toFixed(1)} s (${outcome.achievedRate.toFixed(0)}/s)`,
  );
  return outcome.published;
}

/** Waits (bounded) until the bridges acked `total` messages since they started. */
async function waitForAcked(bridges: readonly BridgeChild[], total: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const acked = (await Promise.all(bridges.map((b) => b.metrics()))).reduce((sum, m) => sum + m.acked, 0);
    if (acked >= total) return true;
    await sleep(200);
  }
  return false;
}

export async function measurePubSub(options: PubSubBenchOptions): Promise<PubSubResults> {
  const { log, step } = options;
  let saturation: DrainResult | null = null;
  const latency: LatencyResult[] = [];
  let peakRssMB: number | null = null;
  let twoProcesses: ScaleResult | null = null;
  let left: number | null = null;

  const world = await step("Pub/Sub world (20 tenants, one topic and subscription each)", () =>
    provisionPubSubBenchWorld(`${options.label}-e2e`, options.tenants),
  );
  if (world !== null) {
    const source = pubsubSourceConfig([world.pubsub.label]);
    await step("Pub/Sub end to end (saturation, latency)", async () => {
      const published = await prefillPubSub(world, options, "pubsub-saturation", SEED.saturation);
      const bridge = await BridgeChild.start({
        label: `${options.label}-e2e`,
        keyFile: world.keys.bridgeKeyFile,
        pubsub: source,
      });
      let total = published;
      try {
        const before = await bridge.metrics();
        const drain = await timeDrain([bridge], published - before.acked, options.drainTimeoutMs, [before]);
        saturation = {
          published,
          acked: drain.acked + before.acked,
          seconds: drain.seconds,
          eventsPerSecond: drain.acked / drain.seconds,
          cpuUsPerEvent: drain.cpuUs / Math.max(1, drain.acked),
          steadyCpuUsPerEvent: drain.steadyCpuUsPerEvent,
          peakRssMB: bridge.proc().peakRssMB,
          timedOut: drain.timedOut,
        };
        log(
          `pubsub saturation: ${saturation.eventsPerSecond.toFixed(0)} events/s, ${saturation.cpuUsPerEvent.toFixed(0)} µs CPU/event (warm: ${saturation.steadyCpuUsPerEvent?.toFixed(0) ?? "?"}; ${before.acked} acked before ready)${drain.timedOut ? " (drain timed out)" : ""}`,
        );
        if (drain.timedOut) {
          // Where it stalled: received ≫ acked points at the pipeline or Kafka, received ≈ acked at the pulls.
          const m = drain.last[0]!;
          log(
            `pubsub saturation timed out: received ${m.received}, acked ${m.acked}, in flight ${m.inFlight}, produced ${m.produced}, retries ${m.retries}, nacked ${m.nacked}; bridge log tail: ${bridge.stderrTail.slice(-1500)}`,
          );
        }
        for (const [fraction, seed] of [
          [0.5, SEED.latency50],
          [0.8, SEED.latency80],
        ] as const) {
          // A backlog would be measured as latency: start each phase with everything acked.
          const idle = await waitForAcked([bridge], total, 30_000);
          if (!idle) log(`pubsub latency at ${fraction * 100}%: backlog not drained after 30 s; the phase includes it`);
          const rate = Math.max(1, Math.round(saturation.eventsPerSecond * fraction));
          const phase = `pubsub-latency-${Math.round(fraction * 100)}`;
          const snapshot = await bridge.metrics();
          const outcome = await publishPubSubOpenLoop(world, {
            count: Math.round(rate * options.latencySeconds),
            rate,
            seed,
            targetBytes: options.targetBytes,
            maxMs: options.latencySeconds * 1500,
            concurrency: 64,
            onPublished: (event, at) => options.ledger.expect(event, at, phase),
          });
          total += outcome.published;
          const caughtUp = await timeDrain([bridge], outcome.published, 30_000, [snapshot]);
          const result = latencyOfPhase(snapshot, caughtUp.last[0]!, fraction, rate, outcome, !idle);
          latency.push(result);
          log(
            `${phase}: offered ${rate}/s, achieved ${outcome.achievedRate.toFixed(0)}/s (publisher at most ${outcome.maxLagMs.toFixed(0)} ms behind schedule); p50 ${result.p50Ms?.toFixed(0)} ms, p95 ${result.p95Ms?.toFixed(0)} ms, p99 ${result.p99Ms?.toFixed(0)} ms`,
          );
        }
        // Finish what is in flight before stopping (a stop nacks it: redelivered, not lost).
        await waitForAcked([bridge], total, 30_000);
        peakRssMB = bridge.proc().peakRssMB;
      } finally {
        const code = await bridge.stop();
        if (code !== 0) log(`bridge ${bridge.label} exited ${code}: ${bridge.stderrTail.slice(-500)}`);
      }
    });

    if (options.twoProcesses) {
      twoProcesses = await step("Pub/Sub scale: 2 bridge processes on the same subscriptions", async () => {
        const published = await prefillPubSub(world, options, "pubsub-scale-2", SEED.scale);
        const bridges = await Promise.all(
          [1, 2].map((n) =>
            BridgeChild.start({ label: `${options.label}-scale-${n}`, keyFile: world.keys.bridgeKeyFile, pubsub: source }),
          ),
        );
        try {
          const result = await drainTogether(bridges, published, options.drainTimeoutMs);
          log(`pubsub 2 processes: ${result.eventsPerSecond.toFixed(0)} events/s${result.timedOut ? " (drain timed out)" : ""}`);
          return result;
        } finally {
          await Promise.all(bridges.map((b) => b.stop()));
        }
      });
    }
  }

  const drain = await step("bare Pub/Sub drain (pull pool without the bridge)", async () => {
    // A world of its own: what a timed-out bare drain leaves behind must not feed later runs.
    const drainWorld = await provisionPubSubBenchWorld(`${options.label}-drain`, options.tenants);
    try {
      const filled = await prefillPubSub(drainWorld, options, null, SEED.drain);
      const api = benchSubscriberApi();
      try {
        const result = await barePubSubDrain(
          api,
          Object.values(drainWorld.pubsub.tenants).map((route) => route.subscription),
          filled,
          { concurrency: PULL_CONCURRENCY, maxMessagesPerPull: MAX_MESSAGES_PER_PULL, timeoutMs: options.drainTimeoutMs },
        );
        log(
          `bare Pub/Sub drain: ${result.eventsPerSecond.toFixed(0)} events/s (${result.pulls} pulls, ${result.emptyPulls} empty)`,
        );
        return result;
      } finally {
        await api.close();
      }
    } finally {
      await deletePubSubBenchWorld(drainWorld);
    }
  });

  const keyFile = world?.keys.bridgeKeyFile;
  const subscriptions =
    keyFile === undefined
      ? []
      : ((await step(
          `Pub/Sub subscriptions: bridge footprint at ${options.subscriptionCounts.join("/")} idle subscriptions`,
          () =>
            measureSubscriptionScale({
              label: `${options.label}`,
              keyFile,
              counts: options.subscriptionCounts,
              unpacedAt: options.unpacedAt,
              settleMs: options.settleMs,
              minSettleMs: options.minSettleMs,
              stableMs: options.stableMs,
              windowMs: options.idleWindowMs,
              log,
            }),
        )) ?? []);

  if (world !== null) {
    left = await step("Pub/Sub: messages still in the subscriptions", () => subscriptionBacklog(world));
    if (left !== null) log(`pubsub: ${left} messages still in the subscriptions after the runs`);
    await deletePubSubBenchWorld(world).catch(() => undefined);
  }
  return { saturation, latency, peakRssMB, drain, twoProcesses, subscriptions, left };
}

/** A CPU profile of the Pub/Sub bridge draining a pre-filled world (CPU-bound, unlike SQS on moto). */
export async function profilePubSubBridge(
  options: PubSubBenchOptions,
  directory: string,
): Promise<ProfileSummary & { readonly left: number | null }> {
  const world = await provisionPubSubBenchWorld(`${options.label}-prof`, options.tenants);
  let left: number | null = null;
  try {
    const published = await prefillPubSub(world, options, "pubsub-profile", SEED.profile);
    const summary = await profileDrain(
      { label: `${options.label}-profile`, keyFile: world.keys.bridgeKeyFile, pubsub: pubsubSourceConfig([world.pubsub.label]) },
      published,
      options.drainTimeoutMs,
      directory,
    );
    // Counted before the world goes: still queued is not lost.
    left = await subscriptionBacklog(world);
    if (left !== 0) options.log(`pubsub profile: ${left} messages left in its subscriptions`);
    return { ...summary, left };
  } finally {
    await deletePubSubBenchWorld(world);
  }
}
