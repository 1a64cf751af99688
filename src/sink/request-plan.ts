// Splits one send() into produce requests that the broker will accept: the records of one
// partition in one request form one batch, and a batch must fit the topic's max.message.bytes.
// Requests are contiguous slices of the input, sent one after the other, so order is kept.
import { RECORD_BATCH_OVERHEAD, RECORD_DELTA_SLACK } from "./record-size.ts";

export interface PlannedRecord {
  readonly topic: string;
  readonly partition: number;
  /** recordBodyBytes of the record, or an upper bound of it (the plan is then conservative). */
  readonly bytes: number;
}

/**
 * Returns the exclusive end index of each request. `limitOf(topic)` is the topic's
 * max.message.bytes; `maxRequestBytes` bounds the whole request. A record that alone exceeds
 * its limit must have been rejected before (checkRecordSize); here it gets a request of its own.
 */
export function planRequests(
  records: readonly PlannedRecord[],
  limitOf: (topic: string) => number,
  maxRequestBytes: number,
): number[] {
  const ends: number[] = [];
  let batchBytes = new Map<string, number[]>();
  let requestBytes = 0;
  let count = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as PlannedRecord;
    const recordBytes = r.bytes + RECORD_DELTA_SLACK;
    let perPartition = batchBytes.get(r.topic);
    const current = perPartition?.[r.partition] ?? 0;
    const batch = (current === 0 ? RECORD_BATCH_OVERHEAD : current) + recordBytes;
    const addedToRequest = batch - current;
    if (count > 0 && (batch > limitOf(r.topic) || requestBytes + addedToRequest > maxRequestBytes)) {
      ends.push(i);
      batchBytes = new Map();
      perPartition = undefined;
      requestBytes = 0;
      count = 0;
    }
    if (perPartition === undefined) {
      perPartition = [];
      batchBytes.set(r.topic, perPartition);
    }
    const start = perPartition[r.partition] ?? 0;
    const next = (start === 0 ? RECORD_BATCH_OVERHEAD : start) + recordBytes;
    requestBytes += next - start;
    perPartition[r.partition] = next;
    count++;
  }
  if (count > 0) ends.push(records.length);
  return ends;
}
