// The benchmark's hold on the Pub/Sub emulator: worlds of its own (project "meshbridge-bench",
// unique topic, subscription and tenant names, so the ledger never confuses them with the SQS
// runs' events), an open-loop or as-fast-as-possible publisher through the simulator, the bridge's
// `sources.pubsub` for a world, and a count of what is still waiting in a world's subscriptions.
import { meshEndpoints } from "../infra/stack/ports.ts";
import { createSubscriberApi, type SubscriberApi } from "../src/sources/pubsub/subscriber-api.ts";
import { createPubSubClient } from "../tools/local-mesh/pubsub-client.ts";
import { legacyStream, type SealedEvent } from "../tools/simulator/legacy-stream.ts";
import { publishToPubSub } from "../tools/simulator/publish-pubsub.ts";
import { createPublisherClient, deletePubSubWorld, type PubSubWorldFile } from "../tools/simulator/pubsub-world.ts";
import { simulateProvisionPubSub } from "../tools/simulator/simulate.ts";
import { sealKeys } from "../tools/simulator/world.ts";
import { BENCH_DIR, type PublishOutcome } from "./mesh.ts";

/** A project of the benchmark's own: discovery scans and listings never see the tests' subscriptions. */
export const BENCH_PUBSUB_PROJECT = "meshbridge-bench";
const emulatorHost = meshEndpoints.pubsubEmulatorHost;

/** The bridge's pull pool defaults (src/cli/config.ts): the bare drain uses the same. */
export const PULL_CONCURRENCY = 16;
export const MAX_MESSAGES_PER_PULL = 100;

export function benchSubscriberApi(): SubscriberApi {
  return createSubscriberApi({ projectId: BENCH_PUBSUB_PROJECT, emulatorHost }, { callTimeoutMs: 30_000 });
}

/**
 * One topic and one unordered subscription per tenant (tenant ids `<name>-t<i>`). Unordered:
 * pstest hands out one message per ordering key at a time, which would measure the emulator.
 */
export async function provisionPubSubBenchWorld(name: string, tenants: number): Promise<PubSubWorldFile> {
  return simulateProvisionPubSub({
    project: BENCH_PUBSUB_PROJECT,
    emulatorHost,
    name,
    tenants,
    keyVersions: 2,
    orderedEvery: 0,
    orderingKeysPerTenant: 1,
    directory: BENCH_DIR,
    tenantNames: Array.from({ length: tenants }, (_, index) => `${name}-t${String(index).padStart(3, "0")}`),
  });
}

/** `sources.pubsub` of a bridge consuming every subscription of `world` (found by its label). */
export function pubsubSourceConfig(labels: readonly string[]): Record<string, unknown> {
  return {
    project: BENCH_PUBSUB_PROJECT,
    emulatorHost,
    discovery: labels.map((label) => ({ label })),
    discoveryIntervalSeconds: 30,
    pullConcurrency: PULL_CONCURRENCY,
    maxMessagesPerPull: MAX_MESSAGES_PER_PULL,
  };
}

export interface PubSubPublishPlan {
  readonly count: number;
  /** Events per second; 0 = as fast as possible (pre-filling). */
  readonly rate: number;
  /** Distinct per phase: event ids are unique per (seed, tenant, sequence). */
  readonly seed: number;
  readonly targetBytes: number;
  /** Stop offering events after this many ms. */
  readonly maxMs: number;
  readonly concurrency: number;
  /** Called with each event Pub/Sub accepted and the time its Publish call returned (epoch ms). */
  readonly onPublished?: (event: SealedEvent, publishedAtMs: number) => void;
}

/** Publishes through the simulator's own Pub/Sub publisher (the legacy GCP backend's path). */
export async function publishPubSub(world: PubSubWorldFile, plan: PubSubPublishPlan): Promise<PublishOutcome> {
  const pubsub = createPubSubClient({ projectId: world.pubsub.project, emulatorHost });
  const publisher = createPublisherClient(pubsub);
  const started = performance.now();
  const deadline = started + plan.maxMs;
  let cutShort = false;
  const events = legacyStream({
    tenants: world.tenants,
    keyVersions: world.keyVersions,
    count: plan.count,
    until: () => {
      cutShort = performance.now() > deadline;
      return cutShort;
    },
    seed: plan.seed,
    targetBytes: plan.targetBytes,
    keyFor: sealKeys(world),
  });
  try {
    const onPublished = plan.onPublished;
    const published = await publishToPubSub(publisher, world.pubsub, events, {
      rate: plan.rate,
      concurrency: plan.concurrency,
      onPublished: onPublished === undefined ? undefined : (p) => onPublished(p.event, p.publishedAtMs),
    });
    const seconds = (performance.now() - started) / 1000;
    return { published, seconds, achievedRate: published / seconds, cutShort };
  } finally {
    await publisher.close();
    await pubsub.close();
  }
}

/**
 * Open-loop publishing at `plan.rate`: the schedule is fixed (event n is due at n ÷ rate s); every
 * tick publishes what is due, one Publish call per topic (≤ 100 messages), without waiting for
 * earlier calls (up to `plan.concurrency` in flight; beyond that it falls behind and says so).
 * Batching what is due in a 10 ms tick (as the client library batches by default) is what lets
 * one process offer thousands of events/s: the
 * simulator's publisher sends one call per event when rate-limited and serialises calls per
 * topic, which reached only ~400 events/s here. Latency is measured from the server's
 * publishTime, so the ≤ 1 tick an event waits for its call is not part of it.
 */
export async function publishPubSubOpenLoop(
  world: PubSubWorldFile,
  plan: PubSubPublishPlan,
): Promise<PublishOutcome & { readonly maxLagMs: number }> {
  const TICK_MS = 10; // the Pub/Sub client library's default batching window (maxMilliseconds)
  const pubsub = createPubSubClient({ projectId: world.pubsub.project, emulatorHost });
  const publisher = createPublisherClient(pubsub);
  const events = legacyStream({
    tenants: world.tenants,
    keyVersions: world.keyVersions,
    count: plan.count,
    seed: plan.seed,
    targetBytes: plan.targetBytes,
    keyFor: sealKeys(world),
  });
  const inFlight = new Set<Promise<void>>();
  let published = 0;
  let offered = 0;
  let maxLagMs = 0;
  let failure: unknown;
  let cutShort = false;
  const send = (topic: string, batch: SealedEvent[]): void => {
    const messages = batch.map((event) => {
      const attributes: Record<string, string> = {};
      if (event.traceparent !== undefined) attributes.traceparent = event.traceparent;
      return { data: Buffer.from(event.envelope, "utf8"), attributes };
    });
    const call: Promise<void> = publisher
      .publish({ topic, messages }, {})
      .then(() => {
        const now = Date.now();
        for (const event of batch) plan.onPublished?.(event, now);
        published += batch.length;
      })
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  };
  const started = performance.now();
  try {
    let done = false;
    while (!done && failure === undefined) {
      const elapsed = performance.now() - started;
      if (elapsed > plan.maxMs) {
        cutShort = true;
        break;
      }
      const due = Math.min(plan.count, Math.floor((elapsed / 1000) * plan.rate) + 1);
      const byTopic = new Map<string, SealedEvent[]>();
      while (offered < due) {
        const next = events.next();
        if (next.done === true) {
          done = true;
          break;
        }
        offered++;
        const topic = world.pubsub.tenants[next.value.tenant]?.topic;
        if (topic === undefined) throw new Error(`no Pub/Sub topic for tenant ${next.value.tenant}`);
        let batch = byTopic.get(topic);
        if (batch === undefined) {
          batch = [];
          byTopic.set(topic, batch);
        }
        batch.push(next.value);
        if (batch.length === 100) {
          byTopic.set(topic, []);
          send(topic, batch);
        }
      }
      for (const [topic, batch] of byTopic) if (batch.length > 0) send(topic, batch);
      if (offered >= plan.count) break;
      // Behind schedule (too many calls outstanding): wait for one; the lag is reported.
      while (inFlight.size >= plan.concurrency) await Promise.race(inFlight);
      const lagMs = performance.now() - started - (offered / plan.rate) * 1000;
      if (lagMs > maxLagMs) maxLagMs = lagMs;
      const nextDueMs = ((offered + 1) / plan.rate) * 1000 - (performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, Math.max(TICK_MS, nextDueMs)));
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    const seconds = (performance.now() - started) / 1000;
    return { published, seconds, achievedRate: published / seconds, cutShort, maxLagMs };
  } finally {
    await Promise.allSettled(inFlight);
    await publisher.close();
    await pubsub.close();
  }
}

/**
 * Messages still waiting in the world's subscriptions (call with no consumer running): pulled
 * without acknowledging until the pulls come back empty (each pulled message stays leased, so
 * none is counted twice), then handed back at once (deadline 0). Exact when it returns before
 * `timeoutMs`; the messages stay in the subscriptions.
 */
export async function subscriptionBacklog(world: PubSubWorldFile, timeoutMs = 30_000): Promise<number> {
  const api = benchSubscriberApi();
  const deadline = Date.now() + timeoutMs;
  let total = 0;
  try {
    for (const route of Object.values(world.pubsub.tenants)) {
      const leased: string[] = [];
      for (let empty = 0; empty < 2 && Date.now() < deadline; ) {
        const pulled = await api.pull(route.subscription, 1000);
        if (pulled.length === 0) empty++;
        for (const message of pulled) leased.push(message.ackId);
      }
      total += leased.length;
      for (let i = 0; i < leased.length; i += 1000) await api.modifyAckDeadline(route.subscription, leased.slice(i, i + 1000), 0);
    }
    return total;
  } finally {
    await api.close();
  }
}

/** Deletes the world's subscriptions and topics (the emulator keeps everything in memory). */
export async function deletePubSubBenchWorld(world: PubSubWorldFile): Promise<void> {
  const pubsub = createPubSubClient({ projectId: world.pubsub.project, emulatorHost });
  try {
    await deletePubSubWorld(pubsub, world.pubsub);
  } finally {
    await pubsub.close();
  }
}
