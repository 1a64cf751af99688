// The bare drain figure of decision 0010: pre-fills a new queue with SendMessageBatch (8 in
// flight), then 8 receivers drain it (ReceiveMessage of 10 + DeleteMessageBatch) until empty.
//   node infra/elasticmq/measure-drain.ts <sqs endpoint> <messages>
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";

const [endpoint, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (endpoint === undefined || !Number.isInteger(count) || count <= 0) {
  throw new Error("usage: measure-drain.ts <sqs endpoint> <messages>");
}
const sqs = new SQSClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
const created = await sqs.send(new CreateQueueCommand({ QueueName: `drain-${Date.now()}` }));
const queueUrl = created.QueueUrl;
if (queueUrl === undefined) throw new Error(`CreateQueue on ${endpoint}: no QueueUrl`);
const body = "x".repeat(700);
const entries = Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: body }));

let began = performance.now();
for (let sent = 0; sent < count; sent += 80) {
  const calls = Math.min(8, Math.ceil((count - sent) / 10));
  await Promise.all(
    Array.from({ length: calls }, () => sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }))),
  );
}
const fillSeconds = (performance.now() - began) / 1000;

began = performance.now();
let drained = 0;
const WAIT_SECONDS = 1;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: WAIT_SECONDS }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
      drained += messages.length;
    }
  }),
);
// The last empty long poll of each receiver is not drain time.
const drainSeconds = (performance.now() - began) / 1000 - WAIT_SECONDS;
await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
sqs.destroy();
console.log(
  `${endpoint}: filled ${count} in ${fillSeconds.toFixed(1)} s (${(count / fillSeconds).toFixed(0)}/s); ` +
    `drained ${drained} in ${drainSeconds.toFixed(1)} s = ${(drained / drainSeconds).toFixed(0)} msg/s`,
);
