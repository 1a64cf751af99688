// `meshbridge dlq inspect|replay`: what is in the dead-letter topic, and sending it back.
// inspect prints each record's context headers (never the body: it is tenant ciphertext).
// replay re-sends the original bodies to an SQS queue, with their attributes, so that a fixed
// mapper or a newly provisioned key can take them; filters pick what to replay.
import { type MessageAttributeValue, SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { openRecordReader, type ReadRecord } from "../../ops/kafka-reader.ts";
import { dlqHeader } from "../../pipeline/records.ts";

export interface DlqFilter {
  readonly stage?: string;
  readonly errorClass?: string;
  readonly tenant?: string;
  readonly source?: string;
}

export interface DlqReadOptions {
  readonly bootstrapBrokers: readonly string[];
  readonly topic: string;
  /** Stop after this long without a new record (the end of the topic, in practice). */
  readonly idleMs: number;
  readonly filter: DlqFilter;
}

function matches(record: ReadRecord, filter: DlqFilter): boolean {
  const h = record.headers;
  return (
    (filter.stage === undefined || h.get(dlqHeader.stage) === filter.stage) &&
    (filter.errorClass === undefined || h.get(dlqHeader.errorClass) === filter.errorClass) &&
    (filter.tenant === undefined || h.get(dlqHeader.tenant) === filter.tenant) &&
    (filter.source === undefined || h.get(dlqHeader.source) === filter.source)
  );
}

/** Reads the dead-letter topic from the beginning and calls `each` for every matching record. */
export async function readDeadLetters(
  options: DlqReadOptions,
  each: (record: ReadRecord) => Promise<void> | void,
): Promise<number> {
  const reader = await openRecordReader({
    bootstrapBrokers: options.bootstrapBrokers,
    topics: [options.topic],
    groupId: `meshbridge-dlq-${process.pid}-${Date.now()}`,
    from: "earliest",
  });
  let count = 0;
  let idle = setTimeout(() => void reader.stream.close(), options.idleMs);
  try {
    for await (const record of reader.stream) {
      // The idle clock stops while `each` works (a slow replay must not end the read early).
      clearTimeout(idle);
      if (matches(record, options.filter)) {
        count++;
        await each(record);
      }
      idle = setTimeout(() => void reader.stream.close(), options.idleMs);
    }
  } finally {
    clearTimeout(idle);
    await reader.close();
  }
  return count;
}

export function describeDeadLetter(record: ReadRecord): string {
  const h = record.headers;
  return [
    `${record.topic}/${record.partition}@${record.offset}`,
    `${h.get(dlqHeader.stage)}/${h.get(dlqHeader.errorClass)}`,
    `tenant=${h.get(dlqHeader.tenant) || "-"}`,
    `source=${h.get(dlqHeader.source)} id=${h.get(dlqHeader.sourceMessageId)} receives=${h.get(dlqHeader.receiveCount)}`,
    `at=${h.get(dlqHeader.failedAt)}`,
    `| ${h.get(dlqHeader.errorMessage)}`,
  ].join(" ");
}

/** The source attributes a dead letter kept (mb_attr_*), as SQS message attributes. */
function attributesOf(record: ReadRecord): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of record.headers) {
    if (!name.startsWith(dlqHeader.attributePrefix) || name === `${dlqHeader.attributePrefix}AWSTraceHeader`) continue;
    attributes[name.slice(dlqHeader.attributePrefix.length)] = { DataType: "String", StringValue: value };
  }
  return attributes;
}

/** Re-sends matching dead letters' original bodies to `queueUrl`, 10 per call. Returns the count. */
export async function replayToSqs(sqs: SQSClient, queueUrl: string, options: DlqReadOptions): Promise<number> {
  let batch: ReadRecord[] = [];
  let replayed = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const entries = batch.map((record, index) => ({
      Id: String(index),
      MessageBody: record.value.toString("utf8"),
      MessageAttributes: attributesOf(record),
    }));
    batch = [];
    const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if ((result.Failed ?? []).length > 0) {
      throw new Error(`SQS refused ${result.Failed?.length} replayed messages: ${result.Failed?.[0]?.Message ?? "no reason"}`);
    }
    replayed += entries.length;
  };
  await readDeadLetters(options, async (record) => {
    if (record.headers.get(dlqHeader.bodyKind) !== "sqs") return;
    batch.push(record);
    if (batch.length === 10) await flush();
  });
  await flush();
  return replayed;
}
