// The Kafka sink: one idempotent producer (acks=all) shared by the whole pipeline.
//
// - send(records) resolves only when Kafka acknowledged every record. It rejects with
//   KafkaSendError on transient failure (send again the records not listed as written;
//   duplicates are removed downstream by ce_id, since broker dedup only covers one producer
//   session) or with KafkaPermanentError listing the records Kafka refused for good.
// - Per-key order: same key → same partition (Java-compatible murmur2, so every client agrees),
//   and produce requests leave one at a time in call order. When one fails, the sends already
//   queued behind it fail too, without being sent, so that the caller's retries keep the order.

import type { MessageToProduce } from "@platformatic/kafka";
import { Admin, ConfigResourceTypes, Producer } from "@platformatic/kafka";
import { PermanentError } from "../pipeline/errors.ts";
import { describeConnectFailure } from "./connect-failure.ts";
import {
  describeClientError,
  findRejectedPartitions,
  findWrittenPartitions,
  KafkaPermanentError,
  KafkaSendError,
  permanentProduceErrorClasses,
  type RejectedRecord,
} from "./errors.ts";
import { murmur2 } from "./murmur2.ts";
import { clean, type KafkaSinkOptions, resolveKafkaSinkOptions, toClientConnectionOptions } from "./options.ts";
import { ProducerHealth } from "./producer-health.ts";
import {
  batchBytesOverLimit,
  bodyBoundFits,
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  RECORD_BATCH_OVERHEAD,
  recordBodyBytes,
  recordBodyBytesUpperBound,
  varintSize,
} from "./record-size.ts";
import { type PlannedRecord, planRequests } from "./request-plan.ts";
import { listMissingTopics, missingTopicsMessage } from "./topics.ts";
import type { KafkaRecord } from "./types.ts";

type HeaderValue = string | Buffer;
type SinkProducer = Producer<Buffer, Buffer, string, HeaderValue>;
type OutgoingMessage = MessageToProduce<Buffer, Buffer, string, HeaderValue> & PlannedRecord;

/** Thrown into sends that were queued behind a failed one; they were not sent. */
class AbortedSendError extends KafkaSendError {}

const headerNameCache = new Map<string, Buffer>();
const HEADER_NAME_CACHE_LIMIT = 1024;

function encodeHeaderName(name?: string): Buffer | undefined {
  if (name === undefined) return undefined;
  let encoded = headerNameCache.get(name);
  if (encoded === undefined) {
    encoded = Buffer.from(name);
    if (headerNameCache.size < HEADER_NAME_CACHE_LIMIT) headerNameCache.set(name, encoded);
  }
  return encoded;
}

function encodeHeaderValue(value?: HeaderValue): Buffer | undefined {
  return typeof value === "string" ? Buffer.from(value) : value;
}

function recordTooLarge(topic: string, batchBytes: number, limit: number): PermanentError {
  return new PermanentError(
    permanentProduceErrorClasses.MESSAGE_TOO_LARGE,
    `record of ${batchBytes} bytes exceeds max.message.bytes ${limit} of topic ${clean(topic)}`,
  );
}

/** Told about every produce request (metrics): its records and how long it took to its outcome. */
export interface KafkaRequestObserver {
  request(records: number, seconds: number): void;
}

export class KafkaSink {
  readonly options: Readonly<KafkaSinkOptions>;
  /** Whether Kafka answers: every request and probe reports here. */
  readonly health = new ProducerHealth();
  readonly #observer: KafkaRequestObserver | undefined;
  readonly #producer: SinkProducer;
  #admin: Admin | undefined;
  /** max.message.bytes per topic passed to start(). */
  readonly #limits = new Map<string, number>();
  /** The last produce operation; the next one starts when it has settled. */
  #tail: Promise<void> = Promise.resolve();
  /** Bumped by every failed send: queued sends of an older generation are aborted. */
  #generation = 0;
  #started = false;
  #closed = false;

  constructor(options: Partial<KafkaSinkOptions> = {}, observer?: KafkaRequestObserver) {
    this.options = resolveKafkaSinkOptions(options);
    this.#observer = observer;
    const o = this.options;
    this.#producer = new Producer<Buffer, Buffer, string, HeaderValue>({
      ...toClientConnectionOptions(o),
      idempotent: true,
      acks: -1,
      compression: o.compression,
      // The client turns a retries value of 0 or 1 into "forever" for idempotent producers;
      // false means none. Validation forbids 1.
      retries: o.retries === 0 ? false : o.retries,
      retryDelay: o.retryDelayMs,
      metadataMaxAge: o.metadataMaxAgeMs,
      autocreateTopics: false,
      serializers: { headerKey: encodeHeaderName, headerValue: encodeHeaderValue },
    });
  }

  /** The producer id the broker assigned (idempotence on), once started. */
  get producerId(): bigint | undefined {
    return this.#producer.producerId;
  }

  get producerEpoch(): number | undefined {
    return this.#producer.producerEpoch;
  }

  /**
   * Checks that every topic exists (throws one Error naming each missing one), reads each topic's
   * max.message.bytes, and obtains the idempotent producer id. Only these topics can be sent to.
   */
  async start(topics: readonly string[]): Promise<void> {
    if (this.#closed) throw new Error("kafka sink is closed");
    const admin = this.#adminClient();
    const missing = await listMissingTopics(admin, topics).catch((error: unknown) => {
      const described = describeConnectFailure(error, this.options);
      throw described === undefined ? error : new Error(described, { cause: error });
    });
    if (missing.length > 0) throw new Error(missingTopicsMessage(missing, this.options.bootstrapBrokers));
    await this.#loadLimits([...new Set(topics)]);
    await this.#producer.initIdempotentProducer({});
    await this.#producer.metadata({ topics: [...new Set(topics)] });
    this.#started = true;
    this.health.answered();
  }

  /**
   * Asks Kafka for fresh metadata of one topic, so an idle bridge also notices a broker it can no
   * longer reach (and its return); never throws: the outcome goes to `health`.
   */
  async probe(timeoutMs: number): Promise<void> {
    const topic = this.#limits.keys().next().value;
    if (!this.#started || this.#closed || topic === undefined) return;
    const startedAt = Date.now();
    // The client may retry a dead broker for long: no answer within timeoutMs counts as a
    // failure from when the probe began (a late answer still marks Kafka reachable).
    const timer = setTimeout(
      () => this.health.failed(`no answer to a metadata request within ${timeoutMs} ms`, startedAt),
      timeoutMs,
    );
    try {
      await this.#producer.metadata({ topics: [topic], forceUpdate: true });
      this.health.answered();
    } catch (error) {
      this.health.failed(`metadata unavailable: ${describeClientError(error)}`, startedAt);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The max.message.bytes read at start (or refreshed after a broker refusal). */
  maxMessageBytes(topic: string): number | undefined {
    return this.#limits.get(topic);
  }

  /**
   * PermanentError("produce", "RecordTooLarge", …) when the record, alone in a batch and before
   * compression, exceeds its topic's max.message.bytes; undefined when it fits.
   */
  checkRecordSize(record: KafkaRecord): PermanentError | undefined {
    // Called for every record the pipeline builds: an upper bound settles the usual case cheaply.
    const limit = this.#limitOf(record.topic);
    const batchBytes = batchBytesOverLimit(record, limit);
    return batchBytes === undefined ? undefined : recordTooLarge(record.topic, batchBytes, limit);
  }

  /**
   * Resolves when Kafka acknowledged (acks=all) every record. Rejects with KafkaSendError
   * (transient: send again what its `written` does not list) or KafkaPermanentError (see its doc).
   */
  send(records: readonly KafkaRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("kafka sink is closed"));
    if (!this.#started) return Promise.reject(new Error("kafka sink is not started: call start(topics) first"));
    if (records.length === 0) return Promise.resolve();

    // Checks that need no network, before anything is queued: nothing is sent if one fails.
    const sizes = new Array<number>(records.length);
    const rejected: RejectedRecord[] = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as KafkaRecord;
      if (!this.#limits.has(record.topic)) {
        return Promise.reject(new Error(`kafka sink: topic '${clean(record.topic)}' was not passed to start()`));
      }
      // An upper bound plans the requests (conservative) and settles the usual record, far
      // below the limit; only one that may not fit is measured exactly (≈0.55 µs vs 0.1).
      const bound = recordBodyBytesUpperBound(record);
      if (bodyBoundFits(bound, this.#limitOf(record.topic))) {
        sizes[i] = bound;
        continue;
      }
      const bytes = recordBodyBytes(record);
      sizes[i] = bytes;
      const tooLarge = this.#checkSize(record, bytes);
      if (tooLarge !== undefined) rejected.push({ index: i, error: tooLarge });
    }
    if (rejected.length > 0) {
      return Promise.reject(
        new KafkaPermanentError(
          `${rejected.length} of ${records.length} records exceed max.message.bytes; nothing was sent`,
          rejected,
          true,
        ),
      );
    }

    const generation = this.#generation;
    const operation = this.#tail.then(() => {
      if (generation !== this.#generation) {
        throw new AbortedSendError(
          `not sent: an earlier send of this sink failed; send these ${records.length} records again, in order`,
        );
      }
      return this.#produce(records, sizes);
    });
    this.#tail = operation.then(
      () => undefined,
      (error: unknown) => {
        if (!(error instanceof AbortedSendError)) this.#generation++;
      },
    );
    return this.#withDeliveryTimeout(operation, records.length);
  }

  /** Waits for queued sends to finish (flush), then closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#producer.close();
    await this.#admin?.close();
    this.#admin = undefined;
  }

  #limitOf(topic: string): number {
    const limit = this.#limits.get(topic);
    if (limit === undefined) throw new Error(`kafka sink: topic '${clean(topic)}' was not passed to start()`);
    return limit;
  }

  #checkSize(record: KafkaRecord, bodyBytes: number): PermanentError | undefined {
    const limit = this.#limitOf(record.topic);
    const batchBytes = RECORD_BATCH_OVERHEAD + varintSize(bodyBytes) + bodyBytes;
    return batchBytes <= limit ? undefined : recordTooLarge(record.topic, batchBytes, limit);
  }

  async #produce(records: readonly KafkaRecord[], sizes: readonly number[]): Promise<void> {
    const topics = new Set<string>();
    for (const r of records) topics.add(r.topic);
    let metadata: Awaited<ReturnType<SinkProducer["metadata"]>>;
    try {
      // A fresh array: the client sorts it in place.
      metadata = await this.#producer.metadata({ topics: [...topics] });
    } catch (error) {
      const described = await this.#describeFailure(error, () => [...topics]);
      this.health.failed(`metadata unavailable: ${described}`);
      throw new KafkaSendError(`kafka metadata for ${[...topics].map(clean).join(", ")} unavailable: ${described}`, {
        cause: error,
      });
    }

    // Explicit partitions: the request plan, the broker's per-partition answers and what is sent
    // all agree. Java's partitioner: toPositive(murmur2(key)) % partitions.
    const isolated = this.options.isolatedTopics;
    let anyIsolated = false;
    const messages = new Array<OutgoingMessage>(records.length);
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as KafkaRecord;
      const key = typeof r.key === "string" ? Buffer.from(r.key) : r.key;
      const count = metadata.topics.get(r.topic)?.partitionsCount ?? 1;
      messages[i] = {
        topic: r.topic,
        key,
        value: r.value,
        headers: r.headers as Map<string, HeaderValue> | undefined,
        partition: (murmur2(key) & 0x7fffffff) % count,
        bytes: sizes[i] as number,
      };
      if (isolated.length > 0 && isolated.includes(r.topic)) anyIsolated = true;
    }
    const limitOf = (topic: string): number => this.#limits.get(topic) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    const maxRequestBytes = this.options.maxRequestBytes;

    // The usual send has no isolated record: its messages go in their own order. Otherwise the
    // others go first and the isolated ones after, in requests of their own; `origin` maps a
    // position in the sending order back to the index in `records`.
    let sending = messages;
    let origin: number[] | undefined;
    let ends: number[];
    if (anyIsolated) {
      origin = [];
      for (let i = 0; i < messages.length; i++) if (!isolated.includes((messages[i] as OutgoingMessage).topic)) origin.push(i);
      const others = origin.length;
      for (let i = 0; i < messages.length; i++) if (isolated.includes((messages[i] as OutgoingMessage).topic)) origin.push(i);
      sending = origin.map((i) => messages[i] as OutgoingMessage);
      ends = others === 0 ? [] : planRequests(sending.slice(0, others), limitOf, maxRequestBytes);
      for (const end of planRequests(sending.slice(others), limitOf, maxRequestBytes)) ends.push(others + end);
    } else {
      ends = planRequests(messages, limitOf, maxRequestBytes);
    }

    let start = 0;
    for (const end of ends) {
      const slice = start === 0 && end === sending.length ? sending : sending.slice(start, end);
      const sentAt = performance.now();
      try {
        await this.#producer.send({ messages: slice });
        this.health.answered();
      } catch (error) {
        const failure = await this.#sendFailure(error, sending, origin, records, start, end);
        // A refusal is an answer; anything else means Kafka did not reply.
        if (failure instanceof KafkaPermanentError) this.health.answered();
        else this.health.failed(failure.message);
        throw failure;
      } finally {
        this.#observer?.request(end - start, (performance.now() - sentAt) / 1000);
      }
      start = end;
    }
  }

  /**
   * Turns a client error into KafkaPermanentError (records refused for good) or KafkaSendError,
   * each listing the records known written: every request before the failed one (`sending`
   * positions below `start`), and those of its partitions a Produce response acknowledged.
   */
  async #sendFailure(
    error: unknown,
    sending: readonly OutgoingMessage[],
    origin: readonly number[] | undefined,
    records: readonly KafkaRecord[],
    start: number,
    end: number,
  ): Promise<Error> {
    const total = records.length;
    const indexOf = (position: number): number => (origin === undefined ? position : (origin[position] as number));
    const writtenPartitions = findWrittenPartitions(error);
    const written: number[] = [];
    for (let p = 0; p < start; p++) written.push(indexOf(p));
    for (let p = start; p < end; p++) {
      const m = sending[p] as OutgoingMessage;
      if (writtenPartitions.has(`${m.topic}\u0000${m.partition}`)) written.push(indexOf(p));
    }
    const partitions = findRejectedPartitions(error);
    if (partitions.length === 0) {
      const requestTopics = (): string[] => [...new Set(sending.slice(start, end).map((m) => m.topic))];
      return new KafkaSendError(
        `produce of ${end - start} records failed: ${await this.#describeFailure(error, requestTopics)}`,
        {
          cause: error,
          written,
        },
      );
    }
    const rejected: RejectedRecord[] = [];
    for (let p = start; p < end; p++) {
      const m = sending[p] as OutgoingMessage;
      const refusal = partitions.find((r) => r.partition === m.partition && r.topic === m.topic);
      if (refusal === undefined) continue;
      const index = indexOf(p);
      const limit = this.#limits.get(m.topic);
      const bodyBytes = recordBodyBytes(records[index] as KafkaRecord); // m.bytes may be an upper bound
      const batchBytes = RECORD_BATCH_OVERHEAD + varintSize(bodyBytes) + bodyBytes;
      const detail =
        refusal.apiId === "INVALID_RECORD"
          ? `broker refused the record for topic ${clean(m.topic)} as invalid${refusal.serverMessage === undefined ? "" : `: ${clean(refusal.serverMessage)}`}`
          : `broker refused the record for topic ${clean(m.topic)} with ${refusal.apiId} (record of ${batchBytes} bytes, max.message.bytes ${limit ?? "unknown"} when checked)`;
      rejected.push({ index, error: new PermanentError(permanentProduceErrorClasses[refusal.apiId], detail) });
    }
    // The topic's limit may have changed since start: read it again for the next checks.
    const tooLarge = new Set(partitions.filter((p) => p.apiId !== "INVALID_RECORD").map((p) => p.topic));
    if (tooLarge.size > 0) await this.#loadLimits([...tooLarge]).catch(() => undefined);
    return new KafkaPermanentError(
      `kafka refused ${rejected.length} of ${total} records (${[...new Set(partitions.map((p) => p.apiId))].join(", ")})`,
      rejected,
      false,
      { cause: error, written },
    );
  }

  /**
   * describeClientError, except that the client's "Unknown topic X" (which can name another topic
   * of the request than the missing one) is replaced by the topics Kafka says do not exist.
   */
  async #describeFailure(error: unknown, topicsOf: () => readonly string[]): Promise<string> {
    const described = describeClientError(error);
    if (!described.includes("Unknown topic")) return described;
    const missing = await listMissingTopics(this.#adminClient(), topicsOf()).catch(() => undefined);
    if (missing === undefined || missing.length === 0) return described;
    return `${missing.map((topic) => `topic '${clean(topic)}'`).join(", ")} does not exist (deleted, or not visible to this principal)`;
  }

  #withDeliveryTimeout(operation: Promise<void>, count: number): Promise<void> {
    const timeoutMs = this.options.deliveryTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The produce may still complete; the sends queued behind it must not overtake a retry.
        this.#generation++;
        this.health.failed(`no acknowledgement within deliveryTimeoutMs ${timeoutMs}`);
        reject(new KafkaSendError(`no acknowledgement for ${count} records within deliveryTimeoutMs ${timeoutMs}`));
      }, timeoutMs);
      operation.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  async #loadLimits(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const admin = this.#adminClient();
    let described: Awaited<ReturnType<Admin["describeConfigs"]>> | undefined;
    try {
      described = await admin.describeConfigs({
        resources: topics.map((name) => ({
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: name,
          configurationKeys: ["max.message.bytes"],
        })),
      });
    } catch {
      // Not allowed to describe topic configs (an ACL): fall back to the broker default below.
      described = undefined;
    }
    let fallback: number | undefined;
    for (const topic of topics) {
      const entry = described?.find((d) => d.resourceName === topic)?.configs.find((c) => c.name === "max.message.bytes");
      const value = entry?.value === undefined || entry.value === null ? Number.NaN : Number(entry.value);
      if (Number.isInteger(value) && value > 0) {
        this.#limits.set(topic, value);
      } else {
        fallback ??= await this.#brokerDefaultLimit();
        this.#limits.set(topic, fallback);
      }
    }
  }

  /** The broker's message.max.bytes, or Kafka's default when it cannot be read. */
  async #brokerDefaultLimit(): Promise<number> {
    try {
      const admin = this.#adminClient();
      const metadata = await admin.metadata({ topics: [] });
      const brokerId = metadata.brokers.keys().next().value;
      if (brokerId === undefined) return KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
      const described = await admin.describeConfigs({
        resources: [
          { resourceType: ConfigResourceTypes.BROKER, resourceName: String(brokerId), configurationKeys: ["message.max.bytes"] },
        ],
      });
      const value = Number(described[0]?.configs.find((c) => c.name === "message.max.bytes")?.value);
      return Number.isInteger(value) && value > 0 ? value : KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    } catch {
      return KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
    }
  }

  #adminClient(): Admin {
    this.#admin ??= new Admin({
      ...toClientConnectionOptions(this.options),
      clientId: `${this.options.clientId}-admin`,
      retries: 2,
    });
    return this.#admin;
  }
}
