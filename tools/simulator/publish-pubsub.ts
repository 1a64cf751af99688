// Publishes sealed legacy events to the tenants' Pub/Sub topics of a PubSubWorld, up to 100 per
// Publish call, at a target rate or as fast as possible. Calls to one topic are sent one after
// another, so ordering keys keep their order across calls; different topics go in parallel.
import type { v1 } from "@google-cloud/pubsub";
import type { SealedEvent } from "./legacy-stream.ts";
import type { PubSubWorld } from "./pubsub-world.ts";
import { RateLimiter } from "./rate-limiter.ts";

const PUBLISH_BATCH_MAX = 100;

export interface PublishedPubSubEvent {
  readonly event: SealedEvent;
  readonly messageId: string;
  /** Undefined for tenants without ordering. */
  readonly orderingKey: string | undefined;
  /** Position of the event among the events of its ordering key (0, 1, …). */
  readonly sequenceInKey: number;
  readonly publishedAtMs: number;
}

export interface PubSubPublishOptions {
  /** Events per second; 0 = as fast as possible. */
  readonly rate: number;
  /** Publish calls in flight (over all topics). */
  readonly concurrency: number;
  /** Called with each event once Pub/Sub accepted it. */
  readonly onPublished?: (published: PublishedPubSubEvent) => void;
}

interface Pending {
  readonly event: SealedEvent;
  readonly orderingKey: string | undefined;
  readonly sequenceInKey: number;
}

/** Publishes `events` (any iterable, e.g. a lazy generator) and resolves with the count. */
export async function publishToPubSub(
  publisher: v1.PublisherClient,
  world: PubSubWorld,
  events: Iterable<SealedEvent>,
  options: PubSubPublishOptions,
): Promise<number> {
  const limiter = new RateLimiter(options.rate);
  const pendingByTopic = new Map<string, Pending[]>();
  const tailByTopic = new Map<string, Promise<void>>();
  const perTenant = new Map<string, number>();
  const perKey = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let published = 0;
  let failure: unknown;

  const send = async (topic: string, batch: readonly Pending[]): Promise<void> => {
    const messages = batch.map(({ event, orderingKey }) => {
      const attributes: Record<string, string> = {};
      if (event.traceparent !== undefined) attributes.traceparent = event.traceparent;
      return { data: Buffer.from(event.envelope, "utf8"), attributes, orderingKey: orderingKey ?? "" };
    });
    const [response] = await publisher.publish({ topic, messages }, {});
    const ids = response.messageIds ?? [];
    const now = Date.now();
    batch.forEach((item, index) => {
      options.onPublished?.({
        event: item.event,
        messageId: ids[index] ?? "",
        orderingKey: item.orderingKey,
        sequenceInKey: item.sequenceInKey,
        publishedAtMs: now,
      });
    });
    published += batch.length;
  };

  const launch = async (topic: string, batch: Pending[]): Promise<void> => {
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    // After the topic's previous call: order across calls of one ordering key.
    const request = (tailByTopic.get(topic) ?? Promise.resolve())
      .then(() => send(topic, batch))
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(request));
    tailByTopic.set(topic, request);
    inFlight.add(request);
  };

  for (const event of events) {
    if (failure !== undefined) break;
    await limiter.take(1);
    const route = world.tenants[event.tenant];
    if (route === undefined) throw new Error(`no Pub/Sub topic for tenant ${event.tenant}`);
    let orderingKey: string | undefined;
    let sequenceInKey = 0;
    if (route.ordered) {
      const n = perTenant.get(event.tenant) ?? 0;
      perTenant.set(event.tenant, n + 1);
      orderingKey = `${event.tenant}-k${n % world.orderingKeysPerTenant}`;
      sequenceInKey = perKey.get(orderingKey) ?? 0;
      perKey.set(orderingKey, sequenceInKey + 1);
    }
    let pending = pendingByTopic.get(route.topic);
    if (pending === undefined) {
      pending = [];
      pendingByTopic.set(route.topic, pending);
    }
    pending.push({ event, orderingKey, sequenceInKey });
    if (pending.length === PUBLISH_BATCH_MAX || options.rate > 0) {
      pendingByTopic.set(route.topic, []);
      await launch(route.topic, pending);
    }
  }
  for (const [topic, pending] of pendingByTopic) if (pending.length > 0) await launch(topic, pending);
  while (inFlight.size > 0) await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return published;
}
