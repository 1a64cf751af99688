// Baselines on the same emulator and broker, in the bench process (it does nothing else meanwhile):
// - bare SQS drain (on a queue of its own, so a timed-out drain leaves nothing for later runs):
//   the bridge's receiver count, each looping ReceiveMessage (10, same attributes
//   asked for) → DeleteMessageBatch, on a queue pre-filled the same way as the bridge's, through
//   the bridge's own SQS data-plane client (the lean one; or the SDK's, for comparison);
// - bare Pub/Sub drain (on subscriptions of their own): the bridge's pull pool without the
//   bridge: the same number of unary Pull calls in flight (16), the same pull size (100), the
//   same SubscriberClient wrapper (src/sources/pubsub/subscriber-api.ts, returnImmediately),
//   round robin over the subscriptions, each pull's ack ids acknowledged in one call that does
//   not hold up the next pull;
// - bare produce: pre-encoded catalog records (the real pipeline's output for 1 KB events)
//   through the bridge's own KafkaSink + ProduceCoalescer (same client settings: idempotent,
//   acks=all, lz4), sent as the pipeline sends them: one send per 10 source events, up to the
//   in-flight budget (4000 events) outstanding.
import { catalogTopics, createCatalogRegistry } from "../catalog/index.ts";
import { meshEndpoints } from "../infra/stack/ports.ts";
import { deployedCatalog } from "../src/cli/deployed-catalog.ts";
import { openLegacyEnvelope } from "../src/crypto/decrypt.ts";
import { readEnvelope } from "../src/envelope/read.ts";
import { cloudEventId } from "../src/mapping/identity.ts";
import { parseLegacyEvent } from "../src/mapping/parse.ts";
import { ProduceCoalescer } from "../src/pipeline/produce-coalescer.ts";
import { catalogRecord, type OutRecord } from "../src/pipeline/records.ts";
import { createCatalogEncoder } from "../src/schema/catalog-encoder.ts";
import { KafkaSink } from "../src/sink/kafka-sink.ts";
import { createLeanSqsClient, createSqsClient } from "../src/sources/aws-clients.ts";
import type { SubscriberApi } from "../src/sources/pubsub/subscriber-api.ts";
import type { SqsDataPlane, SqsReceiptEntry } from "../src/sources/sqs/data-plane/data-plane.ts";
import { sdkDataPlane } from "../src/sources/sqs/data-plane/sdk-data-plane.ts";
import { makeTraffic } from "./events.ts";
import { BENCH_DLQ, BENCH_PREFIX, sqsAws } from "./mesh.ts";

export interface BaselineResult {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly cpuUsPerEvent: number;
}

/** Which client a bare SQS drain uses: the bridge's lean data plane, or the AWS SDK's. */
export type SqsDrainClient = "lean" | "sdk";

export async function bareSqsDrain(
  queueUrl: string,
  expected: number,
  receivers: number,
  timeoutMs: number,
  client: SqsDrainClient = "lean",
): Promise<BaselineResult & { readonly receives: number }> {
  const config = { ...sqsAws, maxSockets: 256 };
  const sqs = createSqsClient(config);
  const lean = client === "lean" ? createLeanSqsClient(sqs, config) : undefined;
  const data: SqsDataPlane = lean ?? sdkDataPlane(sqs);
  let drained = 0;
  let receives = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = started + timeoutMs;
  const deletes = new Set<Promise<unknown>>();
  const request = {
    queueUrl,
    maxMessages: 10,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 60,
    systemAttributes: ["ApproximateReceiveCount", "SentTimestamp", "AWSTraceHeader"],
  };
  const receive = () => {
    receives++;
    return data.receive(request);
  };
  // Like the bridge's settle queue, a delete does not hold up the next receive.
  const remove = (messages: readonly { ReceiptHandle?: string | undefined }[]): void => {
    const entries: SqsReceiptEntry[] = messages.map((m) => ({ receiptHandle: m.ReceiptHandle! }));
    const request: Promise<unknown> = data.deleteBatch(queueUrl, entries).finally(() => deletes.delete(request));
    deletes.add(request);
  };
  async function receiver(until: number): Promise<void> {
    while (drained < expected && performance.now() < until) {
      const messages = await receive();
      if (messages.length === 0) continue;
      remove(messages);
      drained += messages.length;
    }
  }
  let seconds = 0;
  let cpu = { user: 0, system: 0 };
  try {
    await Promise.all(Array.from({ length: receivers }, () => receiver(deadline)));
    await Promise.all(deletes);
    seconds = (performance.now() - started) / 1000;
    cpu = process.cpuUsage(cpu0);
  } finally {
    sqs.destroy();
    lean?.close();
  }
  return {
    receives,
    events: drained,
    seconds,
    eventsPerSecond: drained / seconds,
    cpuUsPerEvent: (cpu.user + cpu.system) / Math.max(1, drained),
  };
}

export async function barePubSubDrain(
  api: SubscriberApi,
  subscriptions: readonly string[],
  expected: number,
  options: { readonly concurrency: number; readonly maxMessagesPerPull: number; readonly timeoutMs: number },
): Promise<BaselineResult & { readonly pulls: number; readonly emptyPulls: number }> {
  let drained = 0;
  let pulls = 0;
  let emptyPulls = 0;
  let turn = 0;
  const acks = new Set<Promise<unknown>>();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = started + options.timeoutMs;
  async function puller(): Promise<void> {
    while (drained < expected && performance.now() < deadline) {
      const subscription = subscriptions[turn++ % subscriptions.length]!;
      pulls++;
      const pulled = await api.pull(subscription, options.maxMessagesPerPull);
      if (pulled.length === 0) {
        emptyPulls++;
        continue;
      }
      drained += pulled.length;
      const ackIds = new Array<string>(pulled.length);
      for (let i = 0; i < pulled.length; i++) ackIds[i] = pulled[i]!.ackId;
      const request: Promise<unknown> = api.acknowledge(subscription, ackIds).finally(() => acks.delete(request));
      acks.add(request);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, () => puller()));
  await Promise.all(acks);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    events: drained,
    seconds,
    eventsPerSecond: drained / seconds,
    cpuUsPerEvent: (cpu.user + cpu.system) / Math.max(1, drained),
    pulls,
    emptyPulls,
  };
}

/** Catalog records for `events` 1 KB legacy events, exactly as the pipeline builds them. */
export function preEncodedRecords(events: number): OutRecord[][] {
  const traffic = makeTraffic(Math.min(events, 5000), 1024, 20, 11);
  const registry = createCatalogRegistry("dead-letter");
  const catalog = deployedCatalog(catalogTopics, BENCH_PREFIX);
  const encoder = createCatalogEncoder(
    catalog.map((entry, index) => ({ topic: entry.topic, subject: entry.subject, schemaId: 100 + index, schema: entry.schema })),
  );
  const perEvent: OutRecord[][] = [];
  for (const message of traffic.messages) {
    const envelope = readEnvelope(message).envelope;
    const event = parseLegacyEvent(
      openLegacyEnvelope(envelope, traffic.keyring.peek(envelope.tenant, envelope.keyVersion)!),
      envelope.tenant,
    );
    const outputs = registry.map(event, { tenant: envelope.tenant }).map((o) => ({ ...o, topic: `${BENCH_PREFIX}${o.topic}` }));
    perEvent.push(
      outputs.map((o, index) =>
        catalogRecord(
          o,
          encoder.encode(o),
          cloudEventId(envelope.tenant, `baseline-${event.id}`, index),
          `/legacy/${envelope.tenant}/${event.type}`,
          envelope.tenant,
          undefined,
        ),
      ),
    );
  }
  return perEvent;
}

export async function bareProduce(events: number, timeoutMs: number): Promise<BaselineResult & { records: number }> {
  const perEvent = preEncodedRecords(events);
  const sink = new KafkaSink({ bootstrapBrokers: [meshEndpoints.kafkaBootstrap], clientId: "mbbench-produce" });
  await sink.start([...deployedCatalog(catalogTopics, BENCH_PREFIX).map((entry) => entry.topic), BENCH_DLQ]);
  const coalescer = new ProduceCoalescer(sink);
  const BUDGET_BATCHES = 400; // 4000 in-flight events / 10 per batch
  let next = 0;
  let records = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = started + timeoutMs;
  async function lane(): Promise<void> {
    while (next < events && performance.now() < deadline) {
      const batch: OutRecord[] = [];
      for (let i = 0; i < 10 && next < events; i++, next++) for (const r of perEvent[next % perEvent.length]!) batch.push(r);
      records += batch.length;
      await coalescer.send(batch);
    }
  }
  try {
    await Promise.all(Array.from({ length: BUDGET_BATCHES }, () => lane()));
  } finally {
    await sink.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sent = Math.min(next, events);
  return { events: sent, records, seconds, eventsPerSecond: sent / seconds, cpuUsPerEvent: (cpu.user + cpu.system) / sent };
}
