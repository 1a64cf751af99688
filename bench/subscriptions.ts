// Subscription scale: the real bridge (child process) with 0, 10, 100, 500 and 2,000 discovered idle
// Pub/Sub subscriptions. Resident memory from /proc after it settled, connections to the
// emulator (`ss`, as test/mesh/pubsub-footprint.test.ts counts them) and every socket it holds,
// idle CPU over a window. Streams: the pull pool makes unary Pull calls only, so it opens no
// StreamingPull stream at any count (the stock client would open 5 per subscription).
import { setTimeout as sleep } from "node:timers/promises";
import { meshEndpoints } from "../infra/stack/ports.ts";
import { socketsTo } from "../test/support/sockets.ts";
import { createPubSubClient } from "../tools/local-mesh/pubsub-client.ts";
import { BridgeChild, countSockets } from "./mesh.ts";
import { BENCH_PUBSUB_PROJECT, pubsubSourceConfig } from "./pubsub-mesh.ts";

export interface SubscriptionFootprint {
  readonly subscriptions: number;
  /** False for the extra run with idlePullsPerSecond 0 (every idle subscription polled each idleMaxMs). */
  readonly idlePacing: boolean;
  /** What the bridge's Pub/Sub source said it found at start-up. */
  readonly discovered: number | null;
  readonly rssMB: number;
  readonly peakRssMB: number;
  /** V8 heap in use when RSS was read (live objects plus garbage not yet collected). */
  readonly heapUsedMB: number | null;
  /** Established connections to the Pub/Sub emulator. */
  readonly emulatorSockets: number;
  /** Every socket descriptor of the process (Kafka, registry, ops HTTP server, Pub/Sub). */
  readonly sockets: number;
  /** StreamingPull streams: none by construction (unary Pull calls only). */
  readonly streams: 0;
  /** How long it ran before RSS was read, and whether RSS had levelled off by then. */
  readonly settledAfterMs: number;
  readonly levelledOff: boolean;
  readonly idleCpuPercent: number;
}

export interface SubscriptionScaleOptions {
  readonly label: string;
  /** Any valid key file (the subscriptions stay idle). */
  readonly keyFile: string;
  /** Ascending, e.g. [0, 10, 100, 500]. */
  readonly counts: readonly number[];
  /** One of counts: measured again with idle polling unpaced, to show what the pacing saves. */
  readonly unpacedAt?: number;
  /**
   * Settling: RSS sampled every 5 s until it has not grown by more than 2% for `stableMs`
   * (at least `minSettleMs`, at most `settleMs`). With 500 idle subscriptions it climbs in
   * steps for about a minute (V8 heap headroom from the idle polling) before it levels off.
   */
  readonly settleMs: number;
  readonly minSettleMs: number;
  readonly stableMs: number;
  readonly windowMs: number;
  readonly log: (line: string) => void;
}

const LABEL_KEY = "meshbridge-bench";
const SAMPLE_MS = 5000;
/** Timers may fire a little early against performance.now(). */
const SLACK_MS = 100;

async function settleRss(
  bridge: BridgeChild,
  options: SubscriptionScaleOptions,
): Promise<{ readonly afterMs: number; readonly levelledOff: boolean }> {
  const started = performance.now();
  let level = bridge.proc().rssMB;
  let levelSince = started;
  for (;;) {
    await sleep(Math.min(SAMPLE_MS, options.settleMs));
    const now = performance.now();
    const rss = bridge.proc().rssMB;
    if (rss > level * 1.02) {
      level = rss;
      levelSince = now;
    }
    const stable = now - levelSince >= options.stableMs - SLACK_MS;
    if ((stable && now - started >= options.minSettleMs - SLACK_MS) || now - started >= options.settleMs - SLACK_MS)
      return { afterMs: now - started, levelledOff: stable };
  }
}

/** One bridge over the given labels' subscriptions: RSS once settled, then a window of idle CPU. */
async function measureOne(
  options: SubscriptionScaleOptions,
  count: number,
  labels: readonly string[],
  overrides: { readonly idlePullsPerSecond?: number },
): Promise<SubscriptionFootprint> {
  const unpaced = overrides.idlePullsPerSecond === 0;
  const bridge = await BridgeChild.start({
    label: `${options.label}-fp-${count}${unpaced ? "-unpaced" : ""}`,
    keyFile: options.keyFile,
    pubsub: { ...pubsubSourceConfig(labels), ...overrides },
  });
  try {
    const settle = await settleRss(bridge, options);
    const before = bridge.proc();
    await sleep(options.windowMs);
    const after = bridge.proc();
    const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(await bridge.metricsText());
    // pino writes the fields before the message: find the line, then the field in it.
    const line = bridge.startupLog.split("\n").find((l) => l.includes('"Pub/Sub source started"'));
    const found = line === undefined ? null : /"subscriptions":(\d+)/.exec(line);
    const result: SubscriptionFootprint = {
      subscriptions: count,
      idlePacing: !unpaced,
      discovered: found === null ? null : Number(found[1]),
      rssMB: after.rssMB,
      peakRssMB: after.peakRssMB,
      heapUsedMB: heap === null ? null : Number(heap[1]) / 1e6,
      emulatorSockets: socketsTo(bridge.pid, meshEndpoints.pubsubEmulatorHost),
      sockets: countSockets(bridge.pid),
      streams: 0,
      settledAfterMs: settle.afterMs,
      levelledOff: settle.levelledOff,
      idleCpuPercent: ((after.cpuUs - before.cpuUs) / 1000 / options.windowMs) * 100,
    };
    options.log(
      `subscriptions ${count}${unpaced ? " (idle polling unpaced)" : ""}: RSS ${result.rssMB.toFixed(0)} MB (peak ${result.peakRssMB.toFixed(0)}, heap in use ${result.heapUsedMB?.toFixed(0) ?? "?"}) after ${(result.settledAfterMs / 1000).toFixed(0)} s${result.levelledOff ? "" : " (still growing)"}, ${result.emulatorSockets} connection(s) to the emulator, ${result.sockets} sockets, idle CPU ${result.idleCpuPercent.toFixed(1)}%${result.discovered === count ? "" : ` (discovered ${result.discovered})`}`,
    );
    return result;
  } finally {
    await bridge.stop();
  }
}

/**
 * One topic; the subscriptions in groups (counts[i] − counts[i−1] each) with a label per group,
 * so the bridge for counts[i] discovers groups 0…i: exactly counts[i] subscriptions.
 */
export async function measureSubscriptionScale(options: SubscriptionScaleOptions): Promise<SubscriptionFootprint[]> {
  const pubsub = createPubSubClient({ projectId: BENCH_PUBSUB_PROJECT, emulatorHost: meshEndpoints.pubsubEmulatorHost });
  const [topic] = await pubsub.createTopic(`${options.label}-fp`);
  const created: string[] = [];
  const labels: string[] = [];
  try {
    const started = performance.now();
    let previous = 0;
    for (const [group, count] of options.counts.entries()) {
      const value = `${options.label.toLowerCase().replace(/[^a-z0-9_-]/g, "_")}-g${group}`.slice(0, 63);
      labels.push(`${LABEL_KEY}=${value}`);
      const names = Array.from({ length: count - previous }, (_, i) => `${options.label}-fp-g${group}-${previous + i}`);
      for (let i = 0; i < names.length; i += 25) {
        await Promise.all(
          names.slice(i, i + 25).map(async (name) => {
            const [subscription] = await topic.createSubscription(name, { labels: { [LABEL_KEY]: value } });
            created.push(subscription.name);
          }),
        );
      }
      previous = count;
    }
    options.log(`subscriptions: created ${created.length} in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    const results: SubscriptionFootprint[] = [];
    for (const [group, count] of options.counts.entries()) {
      results.push(await measureOne(options, count, labels.slice(0, group + 1), {}));
    }
    if (options.unpacedAt !== undefined) {
      const group = options.counts.indexOf(options.unpacedAt);
      if (group >= 0) {
        results.push(await measureOne(options, options.unpacedAt, labels.slice(0, group + 1), { idlePullsPerSecond: 0 }));
      }
    }
    return results;
  } finally {
    for (let i = 0; i < created.length; i += 25) {
      await Promise.all(
        created.slice(i, i + 25).map((name) =>
          pubsub
            .subscription(name)
            .delete()
            .catch(() => undefined),
        ),
      );
    }
    await topic.delete().catch(() => undefined);
    await pubsub.close();
  }
}
