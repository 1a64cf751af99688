export { KafkaPermanentError, KafkaSendError, permanentProduceErrorClasses, type RejectedRecord } from "./errors.ts";
export { KafkaSink } from "./kafka-sink.ts";
export { murmur2, partitionForKey } from "./murmur2.ts";
export {
  confluentCloudConnection,
  defaultKafkaSinkOptions,
  type KafkaCompression,
  type KafkaConnectionOptions,
  type KafkaSaslOptions,
  type KafkaSinkOptions,
  resolveKafkaSinkOptions,
} from "./options.ts";
export { singleRecordBatchBytes } from "./record-size.ts";
export { type EnsureTopicsResult, ensureTopics, type KafkaTarget, listMissingTopics } from "./topics.ts";
export type { KafkaRecord, TopicSpec } from "./types.ts";
