// Sizes of records as the broker counts them against a topic's max.message.bytes, which limits the
// size of one record *batch* (v2 format): a 61-byte batch header plus the records. The check is on
// uncompressed bytes, so it is conservative when compression is on.
import type { KafkaRecord } from "./types.ts";

/** Bytes of a v2 RecordBatch header (baseOffset .. recordCount). */
export const RECORD_BATCH_OVERHEAD = 61;

/** Kafka's default max.message.bytes / message.max.bytes (1 MiB + 12), used when nothing else is known. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Bytes of a zig-zag varint (Kafka record fields) for a 32-bit value. */
export function varintSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (v >= 0x80) {
    v >>>= 7;
    bytes++;
  }
  return bytes;
}

function byteLength(value: string | Uint8Array): number {
  return typeof value === "string" ? Buffer.byteLength(value) : value.length;
}

/**
 * Bytes of the record's body without its own length prefix, with offset and timestamp deltas of
 * zero (its size as the only record of a batch). Later records in a batch need at most a few
 * more bytes for their deltas: see RECORD_DELTA_SLACK.
 */
export function recordBodyBytes(record: KafkaRecord): number {
  const keyBytes = byteLength(record.key);
  const valueBytes = record.value.length;
  // attributes (1) + timestampDelta (1) + offsetDelta (1)
  let size = 3 + varintSize(keyBytes) + keyBytes + varintSize(valueBytes) + valueBytes;
  const headers = record.headers;
  size += varintSize(headers === undefined ? 0 : headers.size);
  if (headers !== undefined) {
    for (const [name, value] of headers) {
      const n = byteLength(name);
      const v = byteLength(value);
      size += varintSize(n) + n + varintSize(v) + v;
    }
  }
  return size;
}

/** Upper bound of the extra bytes a record needs inside a larger batch (delta varints). */
export const RECORD_DELTA_SLACK = 8;

/** Exact size of a batch holding only this record, uncompressed: what the broker compares. */
export function singleRecordBatchBytes(record: KafkaRecord): number {
  const body = recordBodyBytes(record);
  return RECORD_BATCH_OVERHEAD + varintSize(body) + body;
}
