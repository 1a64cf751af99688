// The Kafka records the pipeline writes: catalog events with CloudEvents headers, and
// dead-letter records that carry the original (still encrypted) body and the error context.
import type { CatalogEvent } from "../mapping/mapper.ts";
import type { KafkaRecord } from "../sink/types.ts";
import type { SourceMessage } from "../sources/source.ts";
import type { PermanentError } from "./errors.ts";

export type OutRecord = KafkaRecord;

export interface RecordSink {
  /** Resolves once Kafka acknowledged every record (acks=all); rejects on transient failure. */
  send(records: readonly OutRecord[]): Promise<void>;
  /** A record the topic would refuse for its size, as a permanent error; undefined when it fits. */
  checkRecordSize(record: OutRecord): PermanentError | undefined;
}

export const CONTENT_TYPE = "application/protobuf";

/**
 * A class, not an object literal, because a record lives until Kafka acknowledged it: see
 * ParsedLegacyEnvelope (src/envelope/legacy-envelope.ts) for V8's pretenuring of literals.
 */
class CatalogRecord implements OutRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: ReadonlyMap<string, string>;

  constructor(topic: string, key: string, value: Buffer, headers: ReadonlyMap<string, string>) {
    this.topic = topic;
    this.key = key;
    this.value = value;
    this.headers = headers;
  }
}

export function catalogRecord(
  event: CatalogEvent,
  value: Buffer,
  ceId: string,
  ceSource: string,
  tenant: string,
  traceparent: string | undefined,
): OutRecord {
  // Set one by one: a Map built from an array of pairs allocates and iterates 7 more arrays.
  const headers = new Map<string, string>()
    .set("ce_specversion", "1.0")
    .set("ce_id", ceId)
    .set("ce_source", ceSource)
    .set("ce_type", event.type)
    .set("ce_time", event.time)
    .set("content-type", CONTENT_TYPE)
    .set("tenant", tenant);
  if (event.subject !== undefined) headers.set("ce_subject", event.subject);
  if (traceparent !== undefined) headers.set("traceparent", traceparent);
  return new CatalogRecord(event.topic, event.key, value, headers);
}

/** Header names of dead-letter records; documented in docs/operations.md. */
export const dlqHeader = {
  stage: "mb_stage",
  errorClass: "mb_error_class",
  errorMessage: "mb_error_message",
  source: "mb_source",
  sourceMessageId: "mb_source_message_id",
  receiveCount: "mb_receive_count",
  tenant: "mb_tenant",
  failedAt: "mb_failed_at",
  bodyKind: "mb_body_kind",
  /** The legacy event's type and version ("order_created.v2"), when it failed after parse. */
  eventType: "mb_event_type",
  /** How many times `meshbridge dlq replay` ran this message before it failed again. */
  replayCount: "mb_replay_count",
  attributePrefix: "mb_attr_",
} as const;

const MAX_ERROR_MESSAGE = 1024;

/** `eventType`: the parsed legacy event's type and version, when the failure came after parse. */
export function deadLetterRecord(topic: string, message: SourceMessage, error: PermanentError, eventType?: string): OutRecord {
  const headers = new Map<string, string>([
    [dlqHeader.stage, error.stage],
    [dlqHeader.errorClass, error.errorClass],
    [dlqHeader.errorMessage, error.message.slice(0, MAX_ERROR_MESSAGE)],
    [dlqHeader.source, message.source],
    [dlqHeader.sourceMessageId, message.id],
    [dlqHeader.receiveCount, String(message.receiveCount)],
    [dlqHeader.tenant, error.tenant ?? ""],
    [dlqHeader.failedAt, new Date().toISOString()],
    [dlqHeader.bodyKind, message.reader.bodyKind],
  ]);
  if (eventType !== undefined) headers.set(dlqHeader.eventType, eventType);
  if (message.replayCount !== undefined) headers.set(dlqHeader.replayCount, String(message.replayCount));
  for (const [name, value] of Object.entries(message.attributes)) headers.set(`${dlqHeader.attributePrefix}${name}`, value);
  if (message.orderingKey !== undefined) headers.set(`${dlqHeader.attributePrefix}ordering_key`, message.orderingKey);
  const value = typeof message.body === "string" ? Buffer.from(message.body, "utf8") : message.body;
  return { topic, key: message.id, value, headers };
}
