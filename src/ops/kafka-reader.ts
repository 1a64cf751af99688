// Reading what meshbridge wrote: a consumer with string keys and headers and raw values, for
// the demo viewer, DLQ tooling and the tests.
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { Consumer, type Message, type MessagesStream, stringDeserializer } from "@platformatic/kafka";
import { type KafkaSaslOptions, resolveKafkaSinkOptions, toClientConnectionOptions } from "../sink/options.ts";

export type ReadRecord = Message<string, Buffer, string, string>;

export interface RecordReader {
  readonly consumer: Consumer<string, Buffer, string, string>;
  readonly stream: MessagesStream<string, Buffer, string, string>;
  close(): Promise<void>;
}

export async function openRecordReader(options: {
  readonly bootstrapBrokers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string;
  /** "committed": from the group's committed offsets, the beginning where it has none. */
  readonly from: "earliest" | "latest" | "committed";
  /** TLS and SASL as the bridge's kafka section has them (none: plaintext). */
  readonly tls?: boolean | TlsConnectionOptions;
  readonly sasl?: KafkaSaslOptions;
}): Promise<RecordReader> {
  const connection = toClientConnectionOptions(
    resolveKafkaSinkOptions({ bootstrapBrokers: options.bootstrapBrokers, tls: options.tls ?? false, sasl: options.sasl }),
  );
  const consumer = new Consumer<string, Buffer, string, string>({
    ...connection,
    clientId: "meshbridge-reader",
    groupId: options.groupId,
    maxWaitTime: 200,
    autocommit: false,
    deserializers: {
      key: (data) => stringDeserializer(data),
      value: (data) => data,
      headerKey: (data) => stringDeserializer(data),
      headerValue: (data) => stringDeserializer(data),
    },
  });
  let stream: MessagesStream<string, Buffer, string, string>;
  try {
    stream = await consumer.consume({ topics: [...options.topics], mode: options.from, fallbackMode: "earliest" });
  } catch (error) {
    // An unknown topic, say: the consumer's connections would otherwise hold the process open.
    await consumer.close(true).catch(() => undefined);
    throw error;
  }
  return {
    consumer,
    stream,
    async close() {
      await stream.close();
      await consumer.close(true);
    },
  };
}
