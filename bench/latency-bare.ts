// The machine's share of a latency run (bench/sqs-latency-split.ts starts it beside the bridges,
// as a light process of its own): bare produce (KafkaSink, 10 records of 1 KB, acks=all, every
// 100 ms) and a bare receive loop (a queue of its own, one message sent every 40 ms, one lean
// long-poll receiver; SentTimestamp → receive returned). Writes {produce, receive} percentiles
// (ms) to the file given, after the seconds given.
//   node bench/latency-bare.ts SECONDS OUT.json
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { meshEndpoints } from "../infra/stack/ports.ts";
import { KafkaSink } from "../src/sink/kafka-sink.ts";
import { createLeanSqsClient, createSqsClient } from "../src/sources/aws-clients.ts";
import { percentiles } from "./latency-split.ts";
import { BENCH_DLQ, sqsAws } from "./mesh.ts";

const seconds = Number(process.argv[2]);
const out = process.argv[3];
if (!(seconds > 0) || out === undefined) throw new Error("usage: node bench/latency-bare.ts SECONDS OUT.json");
const endAt = Date.now() + seconds * 1000;

const produced: number[] = [];
const sink = new KafkaSink({ bootstrapBrokers: [meshEndpoints.kafkaBootstrap], clientId: "mbbench-bare-latency" });
await sink.start([BENCH_DLQ]);
const value = Buffer.alloc(1000, 7);
const records = Array.from({ length: 10 }, (_, i) => ({ topic: BENCH_DLQ, key: `bare-${i}`, value }));
async function produceLoop(): Promise<void> {
  while (Date.now() < endAt) {
    const startedAt = performance.now();
    await sink.send(records);
    produced.push(performance.now() - startedAt);
    await sleep(100);
  }
}

const received: number[] = [];
const config = { ...sqsAws, maxSockets: 8 };
const sqs = createSqsClient(config);
const lean = createLeanSqsClient(sqs, config);
const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `mbbench-bare-${Date.now().toString(36)}` }));
if (queueUrl === undefined) throw new Error("CreateQueue returned no QueueUrl");
async function sendLoop(): Promise<void> {
  while (Date.now() < endAt) {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "x".repeat(1000) }));
    await sleep(40);
  }
}
async function receiveLoop(): Promise<void> {
  while (Date.now() < endAt) {
    const messages = await lean.receive({
      queueUrl: queueUrl!,
      maxMessages: 10,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 30,
      systemAttributes: ["SentTimestamp"],
    });
    const at = Date.now();
    for (const m of messages) received.push(at - Number(m.Attributes?.SentTimestamp));
    if (messages.length > 0)
      void lean.deleteBatch(
        queueUrl!,
        messages.map((m) => ({ receiptHandle: m.ReceiptHandle ?? "" })),
      );
  }
}
try {
  await Promise.all([produceLoop(), sendLoop(), receiveLoop()]);
} finally {
  await sink.close();
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  lean.close();
  sqs.destroy();
}
writeFileSync(out, JSON.stringify({ produce: percentiles(produced), receive: percentiles(received) }));
