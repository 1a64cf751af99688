// Loss accounting: every legacy event the benchmark published (SNS accepted it), the catalog
// records it must become (ce_ids computed by mapping the plain event in-process), and what was
// actually found in Kafka afterwards. An event is lost when at least one of its records is
// missing and no dead-letter record carries it. Also gives a per-event latency: the Kafka record
// timestamp (set by the bridge's producer when it builds the batch, just before the ack) minus
// the time SNS accepted the publish.
import { Admin, Consumer, type Message } from "@platformatic/kafka";
import { createCatalogRegistry } from "../catalog/index.ts";
import type { LegacyPayload } from "../catalog/legacy/types.ts";
import { meshEndpoints } from "../infra/stack/ports.ts";
import { parseLegacyEnvelope } from "../src/envelope/legacy-envelope.ts";
import { unwrapSqsBody } from "../src/envelope/sqs-body.ts";
import { cloudEventId } from "../src/mapping/identity.ts";
import type { SealedEvent } from "../tools/simulator/legacy-stream.ts";
import { BENCH_DLQ, benchTopics } from "./mesh.ts";

interface Expected {
  readonly phase: string;
  readonly publishedAtMs: number;
  readonly records: number;
  found: number;
  copies: number;
  deadLettered: boolean;
  /** First record's timestamp − publish time, ms. */
  latencyMs: number | undefined;
}

export interface PhaseAccount {
  readonly phase: string;
  readonly published: number;
  /** Events whose every expected catalog record (or a dead letter) was found. */
  readonly delivered: number;
  /** Events mapping to no catalog record (system_ping): accounted by the queue running empty. */
  readonly noRecordExpected: number;
  readonly deadLettered: number;
  readonly lost: number;
  /** Catalog records found more than once (at-least-once redelivery; allowed). */
  readonly duplicateRecords: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly count: number } | null;
}

export type Offsets = { topic: string; partition: number; offset: bigint }[];

const registry = createCatalogRegistry("dead-letter");

export class Ledger {
  readonly #byEvent = new Map<string, Expected>();
  readonly #byCeId = new Map<string, Expected>();
  readonly #phases = new Set<string>();

  /** Records what `event` must become. Call from the publisher's onPublished. */
  expect(event: SealedEvent, publishedAtMs: number, phase: string): void {
    this.#phases.add(phase);
    const plain = event.plain as LegacyPayload & Record<string, unknown>;
    let outputs = 0;
    try {
      outputs = registry.map(
        { type: plain.event_type, version: plain.event_version, id: plain.event_id, body: plain },
        { tenant: event.tenant },
      ).length;
    } catch {
      outputs = -1; // the bridge dead-letters it: only a DLQ record accounts for it
    }
    const entry: Expected = {
      phase,
      publishedAtMs,
      records: outputs,
      found: 0,
      copies: 0,
      deadLettered: false,
      latencyMs: undefined,
    };
    this.#byEvent.set(`${event.tenant}\u0000${event.eventId}`, entry);
    for (let index = 0; index < outputs; index++) this.#byCeId.set(cloudEventId(event.tenant, event.eventId, index), entry);
  }

  /** Reads every bench topic from `from` up to the current end, matching records to events. */
  async collect(from: Offsets, timeoutMs = 90_000): Promise<{ read: number }> {
    const end = await snapshotOffsets();
    const endOf = new Map(end.map((o) => [`${o.topic}:${o.partition}`, o.offset]));
    const pending = new Set<string>();
    const start: Offsets = [];
    for (const o of from) {
      const last = endOf.get(`${o.topic}:${o.partition}`) ?? o.offset;
      if (last > o.offset) {
        pending.add(`${o.topic}:${o.partition}`);
        start.push(o);
      }
    }
    if (pending.size === 0) return { read: 0 };
    const consumer = new Consumer({
      clientId: "mbbench-ledger",
      groupId: `mbbench-ledger-${process.pid}-${Date.now()}`,
      bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
      autocommit: false,
      maxWaitTime: 200,
    });
    let read = 0;
    try {
      const stream = await consumer.consume({
        topics: [...new Set(start.map((o) => o.topic))],
        mode: "manual",
        offsets: start,
      });
      const timer = setTimeout(() => void stream.close(), timeoutMs);
      for await (const message of stream as AsyncIterable<Message<Buffer, Buffer, Buffer, Buffer>>) {
        read++;
        this.#match(message);
        const id = `${message.topic}:${message.partition}`;
        if (message.offset + 1n >= (endOf.get(id) ?? 0n)) pending.delete(id);
        if (pending.size === 0) break;
      }
      clearTimeout(timer);
      await stream.close();
    } finally {
      await consumer.close(true);
    }
    return { read };
  }

  #match(message: Message<Buffer, Buffer, Buffer, Buffer>): void {
    const header = (name: string): string | undefined => {
      for (const [key, value] of message.headers) if (key.toString() === name) return value.toString();
      return undefined;
    };
    if (message.topic === BENCH_DLQ) {
      try {
        const envelope = parseLegacyEnvelope(unwrapSqsBody(message.value).payload);
        const entry = this.#byEvent.get(`${envelope.tenant}\u0000${envelope.eventId}`);
        if (entry !== undefined) entry.deadLettered = true;
      } catch {
        // not one of ours
      }
      return;
    }
    const ceId = header("ce_id");
    const entry = ceId === undefined ? undefined : this.#byCeId.get(ceId);
    if (entry === undefined) return;
    entry.copies++;
    if (entry.copies <= entry.records) entry.found++;
    if (entry.latencyMs === undefined) entry.latencyMs = Number(message.timestamp) - entry.publishedAtMs;
  }

  account(phase: string): PhaseAccount {
    let published = 0;
    let delivered = 0;
    let none = 0;
    let deadLettered = 0;
    let lost = 0;
    let duplicates = 0;
    const latencies: number[] = [];
    for (const entry of this.#byEvent.values()) {
      if (entry.phase !== phase) continue;
      published++;
      if (entry.deadLettered) deadLettered++;
      if (entry.records === 0) none++;
      else if (entry.deadLettered || (entry.records > 0 && entry.found >= entry.records)) delivered++;
      else lost++;
      if (entry.records > 0) duplicates += Math.max(0, entry.copies - entry.records);
      if (entry.latencyMs !== undefined) latencies.push(entry.latencyMs);
    }
    latencies.sort((a, b) => a - b);
    const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    return {
      phase,
      published,
      delivered,
      noRecordExpected: none,
      deadLettered,
      lost,
      duplicateRecords: duplicates,
      latencyMs: latencies.length === 0 ? null : { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), count: latencies.length },
    };
  }

  get phases(): readonly string[] {
    return [...this.#phases];
  }
}

/** The current end offset of every partition of the bench topics and the bench DLQ. */
export async function snapshotOffsets(): Promise<Offsets> {
  const admin = new Admin({ clientId: "mbbench-offsets", bootstrapBrokers: [meshEndpoints.kafkaBootstrap] });
  try {
    const topics = [...benchTopics(), BENCH_DLQ];
    const metadata = await admin.metadata({ topics });
    const request = topics.map((name) => ({
      name,
      partitions: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({
        partitionIndex,
        timestamp: -1n,
      })),
    }));
    const listed = await admin.listOffsets({ topics: request });
    const out: Offsets = [];
    for (const topic of listed)
      for (const p of topic.partitions) out.push({ topic: topic.name, partition: p.partitionIndex, offset: p.offset });
    return out;
  } finally {
    await admin.close();
  }
}
