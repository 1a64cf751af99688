// Reading what meshbridge wrote: a consumer with string keys and headers and raw values, for
// the demo viewer, DLQ tooling and the tests.
import { Consumer, type Message, type MessagesStream, stringDeserializer } from "@platformatic/kafka";

export type ReadRecord = Message<string, Buffer, string, string>;

export interface RecordReader {
  readonly stream: MessagesStream<string, Buffer, string, string>;
  close(): Promise<void>;
}

export async function openRecordReader(options: {
  readonly bootstrapBrokers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly from: "earliest" | "latest";
}): Promise<RecordReader> {
  const consumer = new Consumer<string, Buffer, string, string>({
    clientId: "meshbridge-reader",
    groupId: options.groupId,
    bootstrapBrokers: [...options.bootstrapBrokers],
    maxWaitTime: 200,
    autocommit: false,
    deserializers: {
      key: (data) => stringDeserializer(data),
      value: (data) => data,
      headerKey: (data) => stringDeserializer(data),
      headerValue: (data) => stringDeserializer(data),
    },
  });
  const stream = await consumer.consume({ topics: [...options.topics], mode: options.from });
  return {
    stream,
    async close() {
      await stream.close();
      await consumer.close(true);
    },
  };
}
