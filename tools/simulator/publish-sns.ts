// Publishes sealed legacy events to the SNS topics of an AwsWorld, 10 per PublishBatch call,
// at a target rate or as fast as possible. Returns when every publish was accepted.
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from "@aws-sdk/client-sns";
import type { AwsWorld } from "./aws-world.ts";
import type { SealedEvent } from "./legacy-stream.ts";
import { RateLimiter } from "./rate-limiter.ts";

const SNS_BATCH_MAX = 10;
const FLUSH_MS = 20;

export interface PublishOptions {
  /** Events per second; 0 = as fast as possible. */
  readonly rate: number;
  /** PublishBatch calls in flight. */
  readonly concurrency: number;
  /** Called with each event once SNS accepted it (ids file, latency bookkeeping). */
  readonly onPublished?: (event: SealedEvent, publishedAtMs: number) => void;
}

function routeKey(world: AwsWorld, event: SealedEvent): string {
  return world.topology === "per-tenant" ? event.tenant : event.type;
}

/** Publishes `events` (any iterable, e.g. a lazy generator) and resolves with the count. */
export async function publishToSns(
  sns: SNSClient,
  world: AwsWorld,
  events: Iterable<SealedEvent>,
  options: PublishOptions,
): Promise<number> {
  const limiter = new RateLimiter(options.rate);
  const pendingByTopic = new Map<string, SealedEvent[]>();
  const inFlight = new Set<Promise<void>>();
  let published = 0;

  const sendBatch = async (topicArn: string, batch: SealedEvent[]): Promise<void> => {
    const entries: PublishBatchRequestEntry[] = batch.map((event, index) => ({
      Id: String(index),
      Message: event.envelope,
      MessageAttributes:
        event.traceparent === undefined ? undefined : { traceparent: { DataType: "String", StringValue: event.traceparent } },
    }));
    let remaining = entries;
    for (let attempt = 1; remaining.length > 0; attempt++) {
      const result = await sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: remaining }));
      const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
      const now = Date.now();
      for (const entry of remaining) {
        if (!failed.has(entry.Id)) options.onPublished?.(batch[Number(entry.Id)]!, now);
      }
      published += remaining.length - failed.size;
      if (failed.size > 0 && attempt >= 5) throw new Error(`SNS rejected ${failed.size} entries on ${topicArn} five times`);
      remaining = remaining.filter((entry) => failed.has(entry.Id));
    }
  };

  const launch = async (topicArn: string, batch: SealedEvent[]): Promise<void> => {
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    const request = sendBatch(topicArn, batch).finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  // In rate mode partial batches go out at least every FLUSH_MS, so batching adds no more
  // than that to the publish time of an event.
  let lastFlush = performance.now();
  const flushAll = async (): Promise<void> => {
    for (const [arn, pending] of pendingByTopic) {
      if (pending.length === 0) continue;
      pendingByTopic.set(arn, []);
      await launch(arn, pending);
    }
    lastFlush = performance.now();
  };
  for (const event of events) {
    await limiter.take(1);
    const key = routeKey(world, event);
    const route = world.topics[key];
    if (route === undefined) throw new Error(`no SNS topic for ${world.topology} key ${key}`);
    let pending = pendingByTopic.get(route.arn);
    if (pending === undefined) {
      pending = [];
      pendingByTopic.set(route.arn, pending);
    }
    pending.push(event);
    if (pending.length === SNS_BATCH_MAX) {
      pendingByTopic.set(route.arn, []);
      await launch(route.arn, pending);
    }
    if (options.rate > 0 && performance.now() - lastFlush >= FLUSH_MS) await flushAll();
  }
  for (const [arn, pending] of pendingByTopic) if (pending.length > 0) await launch(arn, pending);
  await Promise.all(inFlight);
  return published;
}
