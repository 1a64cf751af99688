// Kafka for the tests, beyond what the product does: an admin client, deleting topics, counting
// a topic's records and reading a topic back from the start.
import type { Message } from "@platformatic/kafka";
import { Admin, Consumer } from "@platformatic/kafka";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { uniqueName } from "./mesh.ts";

export const bootstrap = meshEndpoints.kafkaBootstrap;

export function newAdmin(): Admin {
  return new Admin({ clientId: "meshbridge-test", bootstrapBrokers: [bootstrap] });
}

export async function deleteTopics(topics: readonly string[]): Promise<void> {
  const admin = newAdmin();
  try {
    await admin.deleteTopics({ topics: [...topics] });
  } finally {
    await admin.close();
  }
}

/** Total records in the topic (end offsets, the topic being new). */
export async function countRecords(admin: Admin, topic: string, partitions: number): Promise<number> {
  const listed = await admin.listOffsets({
    topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, timestamp: -1n })) }],
  });
  let total = 0n;
  for (const t of listed) for (const p of t.partitions) total += p.offset;
  return Number(total);
}

/** Reads every record of a new topic from the beginning, waiting at most timeoutMs. */
export async function readAll(topic: string, expected: number, timeoutMs = 20_000): Promise<Message[]> {
  const consumer = new Consumer({
    clientId: "meshbridge-test",
    groupId: uniqueName("test-group"),
    bootstrapBrokers: [bootstrap],
    autocommit: false,
    maxWaitTime: 200,
  });
  const messages: Message[] = [];
  const stream = await consumer.consume({ topics: [topic], mode: "earliest" });
  const timer = setTimeout(() => void stream.close(), timeoutMs);
  try {
    for await (const message of stream) {
      messages.push(message as Message);
      if (messages.length >= expected) break;
    }
  } finally {
    clearTimeout(timer);
    await stream.close();
    await consumer.close(true);
  }
  return messages;
}
