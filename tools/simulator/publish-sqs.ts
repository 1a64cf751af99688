// Writes sealed legacy events straight to the queue of a "direct" AwsWorld, in the form SNS
// would have delivered each to it: the envelope itself with the attributes as SQS message
// attributes (a raw-delivery topic), or an SNS Notification JSON with the attributes inside
// (any other topic). 10 per SendMessageBatch, at a target rate or as fast as possible. To a FIFO
// queue with a message group per event (`groupOf`) and the event id as deduplication id.
import { randomUUID } from "node:crypto";
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from "@aws-sdk/client-sqs";
import type { AwsWorld } from "./aws-world.ts";
import type { SealedEvent } from "./legacy-stream.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { snsNotificationBody } from "./sns-notification.ts";

const SQS_BATCH_MAX = 10;
const FLUSH_MS = 20;

export interface QueueWriteOptions {
  /** Events per second; 0 = as fast as possible. */
  readonly rate: number;
  /** SendMessageBatch calls in flight. */
  readonly concurrency: number;
  /**
   * A FIFO queue: each event's MessageGroupId (its MessageDeduplicationId is the event id). The
   * queue keeps a group in send order, so keep `concurrency` at 1 and a group once per batch
   * (a batch's entries are not ordered among themselves once one is retried).
   */
  readonly groupOf?: (event: SealedEvent) => string;
  /** Called with each event once the queue accepted it, with its SQS MessageId. */
  readonly onSent?: (event: SealedEvent, messageId: string, sentAtMs: number) => void;
}

function entryFor(
  world: AwsWorld,
  event: SealedEvent,
  id: string,
  groupOf: ((event: SealedEvent) => string) | undefined,
): SendMessageBatchRequestEntry {
  const entry = routedEntry(world, event, id);
  if (groupOf === undefined) return entry;
  return { ...entry, MessageGroupId: groupOf(event), MessageDeduplicationId: event.eventId };
}

function routedEntry(world: AwsWorld, event: SealedEvent, id: string): SendMessageBatchRequestEntry {
  const key = world.topology === "per-tenant" ? event.tenant : event.type;
  const route = world.topics[key];
  if (route === undefined) throw new Error(`no topic route for ${world.topology} key ${key}`);
  if (route.rawDelivery) {
    return {
      Id: id,
      MessageBody: event.envelope,
      MessageAttributes:
        event.traceparent === undefined ? undefined : { traceparent: { DataType: "String", StringValue: event.traceparent } },
    };
  }
  const attributes =
    event.traceparent === undefined ? undefined : { traceparent: { Type: "String" as const, Value: event.traceparent } };
  return { Id: id, MessageBody: snsNotificationBody(route.arn, randomUUID(), event.envelope, attributes) };
}

/** Writes `events` (any iterable, e.g. a lazy generator) and resolves with how many the queue accepted. */
export async function writeToQueue(
  sqs: SQSClient,
  world: AwsWorld,
  events: Iterable<SealedEvent>,
  options: QueueWriteOptions,
): Promise<number> {
  if (world.delivery !== "direct") throw new Error(`world queue ${world.queueUrl} is fed by SNS; publish to its topics`);
  const limiter = new RateLimiter(options.rate);
  const inFlight = new Set<Promise<void>>();
  let written = 0;

  const sendBatch = async (batch: SealedEvent[]): Promise<void> => {
    let remaining = batch.map((event, index) => entryFor(world, event, String(index), options.groupOf));
    for (let attempt = 1; remaining.length > 0; attempt++) {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: world.queueUrl, Entries: remaining }));
      const now = Date.now();
      for (const ok of result.Successful ?? []) {
        options.onSent?.(batch[Number(ok.Id)]!, ok.MessageId ?? "", now);
        written++;
      }
      const failed = new Set((result.Failed ?? []).map((failure) => failure.Id));
      if (failed.size > 0 && attempt >= 5) throw new Error(`SQS rejected ${failed.size} entries on ${world.queueUrl} five times`);
      remaining = remaining.filter((entry) => failed.has(entry.Id));
    }
  };

  const launch = async (batch: SealedEvent[]): Promise<void> => {
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    const request = sendBatch(batch).finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  // In rate mode a partial batch goes out at least every FLUSH_MS, as the SNS publisher does.
  let pending: SealedEvent[] = [];
  let lastFlush = performance.now();
  for (const event of events) {
    await limiter.take(1);
    pending.push(event);
    if (pending.length === SQS_BATCH_MAX || (options.rate > 0 && performance.now() - lastFlush >= FLUSH_MS)) {
      await launch(pending);
      pending = [];
      lastFlush = performance.now();
    }
  }
  if (pending.length > 0) await launch(pending);
  await Promise.all(inFlight);
  return written;
}
