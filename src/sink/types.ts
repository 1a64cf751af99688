// The record the pipeline hands to the sink.

/**
 * One Kafka record. `headers` is a Map because that is what the client consumes as is (no copy);
 * header names are encoded once and cached, string values are written as UTF-8.
 */
export interface KafkaRecord {
  readonly topic: string;
  /** Required: per-key order needs a key; same key → same partition (Java-compatible murmur2). */
  readonly key: Buffer | string;
  readonly value: Buffer;
  readonly headers?: ReadonlyMap<string, string | Buffer>;
}

/** A topic to create for the demo and the tests (production topics are provisioned elsewhere). */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** Topic configuration, e.g. { "max.message.bytes": "2000" }. */
  readonly config?: Readonly<Record<string, string>>;
}
