// Reading back what the bridge wrote to a deployment's catalog topics and DLQ, decoding it with
// a frame reader written independently of src/schema (the schema id must name the subject's
// registered schema, and that schema must be the catalog's .proto), and comparing it with the
// expectation computed from the plain events.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary, toJson } from "@bufbuild/protobuf";
import type { CatalogTopic } from "../../catalog/index.ts";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { openRecordReader, type ReadRecord, type RecordReader } from "../../src/ops/kafka-reader.ts";
import { canonicalProto } from "../../src/schema/proto-canonical.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import { readFrame } from "../fixtures/schema/decode-frame.ts";
import type { Deployment } from "./deployment.ts";
import type { Expectation } from "./expected.ts";
import { uniqueName } from "./mesh.ts";

export interface CollectedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly ceId: string;
  readonly tenant: string;
  /** The record's timestamp: when the bridge produced it. */
  readonly timestampMs: number;
  readonly value: Buffer;
}

export interface DecodedRecord extends CollectedRecord {
  readonly schemaId: number;
  readonly typeName: string;
  /** The decoded message as canonical proto3 JSON. */
  readonly json: unknown;
}

/**
 * Every record of the deployment's catalog topics and DLQ from the beginning, collected in the
 * background while the test runs (the topics are the deployment's own). A failure to read
 * fails the next wait or the close.
 */
export class RecordCollector {
  readonly records: CollectedRecord[] = [];
  readonly deadLetters: ReadRecord[] = [];
  readonly #deployment: Deployment;
  readonly #reader: RecordReader;
  readonly #loop: Promise<void>;
  #closing = false;
  #failure: Error | undefined;

  private constructor(deployment: Deployment, reader: RecordReader) {
    this.#deployment = deployment;
    this.#reader = reader;
    this.#loop = this.#read().catch((error: unknown) => {
      if (!this.#closing) this.#failure = error instanceof Error ? error : new Error(String(error));
    });
  }

  static async open(deployment: Deployment): Promise<RecordCollector> {
    const reader = await openRecordReader({
      bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
      topics: [...deployment.catalog.map((entry) => entry.topic), deployment.deadLetterTopic],
      groupId: uniqueName(`${deployment.prefix}reader`),
      from: "earliest",
    });
    return new RecordCollector(deployment, reader);
  }

  async #read(): Promise<void> {
    for await (const message of this.#reader.stream) {
      if (message.topic === this.#deployment.deadLetterTopic) {
        this.deadLetters.push(message);
        continue;
      }
      this.records.push({
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        key: message.key,
        headers: message.headers,
        ceId: message.headers.get("ce_id") ?? "",
        tenant: message.headers.get("tenant") ?? "",
        timestampMs: Number(message.timestamp),
        value: message.value,
      });
    }
  }

  /** Polls until `predicate` holds (true) or `timeoutMs` passed (false). */
  async waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure;
      if (predicate()) return true;
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
  }

  /** The catalog records collected so far, decoded. */
  decoded(): Promise<DecodedRecord[]> {
    return new CatalogDecoder(this.#deployment).decodeAll(this.records);
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#reader.close();
    await this.#loop;
    if (this.#failure !== undefined) throw this.#failure;
  }
}

/** Reads the deployment's topics until `done` says so or the time is up; then decodes what it read. */
export async function collectRecords(
  deployment: Deployment,
  done: (catalog: readonly CollectedRecord[], deadLetters: readonly ReadRecord[]) => boolean,
  timeoutMs: number,
): Promise<{ catalog: DecodedRecord[]; deadLetters: ReadRecord[] }> {
  const collector = await RecordCollector.open(deployment);
  try {
    await collector.waitFor(() => done(collector.records, collector.deadLetters), timeoutMs);
  } finally {
    await collector.close();
  }
  return { catalog: await collector.decoded(), deadLetters: collector.deadLetters };
}

/** Decodes catalog records through the registry; each schema id is checked once. */
export class CatalogDecoder {
  readonly #byTopic: Map<string, CatalogTopic>;
  readonly #registry = new RegistryClient({ url: meshEndpoints.registryUrl });
  /** Schema id -> the topic it was verified for. */
  readonly #verified = new Map<number, string>();

  constructor(deployment: Deployment) {
    this.#byTopic = new Map(deployment.catalog.map((entry) => [entry.topic, entry]));
  }

  async decode(record: CollectedRecord): Promise<DecodedRecord> {
    const entry = this.#byTopic.get(record.topic);
    if (entry === undefined) throw new Error(`record from unexpected topic ${record.topic}`);
    const frame = readFrame(record.value);
    if (this.#verified.get(frame.schemaId) !== record.topic) {
      const registered = await this.#registry.getById(frame.schemaId);
      const latest = await this.#registry.getLatest(entry.subject);
      if (registered === undefined || latest?.id !== frame.schemaId) {
        throw new Error(`record on ${record.topic} carries schema id ${frame.schemaId}, not the latest of ${entry.subject}`);
      }
      if (canonicalProto(registered.schema) !== canonicalProto(readFileSync(entry.protoPath, "utf8"))) {
        throw new Error(`schema ${frame.schemaId} differs from the catalog's ${entry.protoPath}`);
      }
      this.#verified.set(frame.schemaId, record.topic);
    }
    if (frame.messageIndexes.length !== 1 || frame.messageIndexes[0] !== 0) {
      throw new Error(`record on ${record.topic}: message index ${frame.messageIndexes.join(".")}, not the file's first message`);
    }
    const message = fromBinary(entry.schema, frame.body);
    return { ...record, schemaId: frame.schemaId, typeName: entry.schema.typeName, json: toJson(entry.schema, message) };
  }

  async decodeAll(records: readonly CollectedRecord[]): Promise<DecodedRecord[]> {
    const decoded: DecodedRecord[] = [];
    for (const record of records) decoded.push(await this.decode(record));
    return decoded;
  }
}

/** How many different ce_ids the records carry (a copy counts once). */
export function distinctCeIds(records: readonly { readonly ceId: string }[]): number {
  return new Set(records.map((record) => record.ceId)).size;
}

export interface Tally {
  /** Expected ce_ids with no record. */
  readonly missing: string[];
  /** ce_ids of records nobody expected (once each). */
  readonly unexpected: string[];
  /** Copies beyond the first (at-least-once delivery). */
  readonly duplicates: number;
}

/** Which expected ce_ids have records, which records nobody expected, and how many copies too many. */
export function tally(expected: ReadonlyMap<string, unknown>, records: readonly { readonly ceId: string }[]): Tally {
  const copies = new Map<string, number>();
  for (const record of records) copies.set(record.ceId, (copies.get(record.ceId) ?? 0) + 1);
  let duplicates = 0;
  for (const count of copies.values()) duplicates += count - 1;
  return {
    missing: [...expected.keys()].filter((ceId) => !copies.has(ceId)),
    unexpected: [...copies.keys()].filter((ceId) => !expected.has(ceId)),
    duplicates,
  };
}

export interface Comparison extends Tally {
  /** Expected ce_ids present with every copy as expected. */
  readonly matched: number;
  /** The first five with the difference, then the ce_ids. */
  readonly mismatched: string[];
}

/**
 * Every copy of every record (of `tenants`, when given) compared field by field with its
 * expectation: topic, key, message, CloudEvents headers, tenant and traceparent.
 */
export function compareRecords(
  records: readonly DecodedRecord[],
  expected: Expectation,
  tenants?: ReadonlySet<string>,
): Comparison {
  const considered = tenants === undefined ? records : records.filter((record) => tenants.has(record.tenant));
  const mismatchedIds = new Set<string>();
  const mismatched: string[] = [];
  for (const record of considered) {
    const want = expected.records.get(record.ceId);
    if (want === undefined) continue;
    const got = {
      topic: record.topic,
      key: record.key,
      typeName: record.typeName,
      ceType: record.headers.get("ce_type"),
      ceTime: record.headers.get("ce_time"),
      ceSource: record.headers.get("ce_source"),
      tenant: record.headers.get("tenant"),
      traceparent: record.headers.get("traceparent"),
      json: record.json,
    };
    try {
      const { eventId: _eventId, ...fields } = want;
      assert.deepStrictEqual(got, fields);
      assert.equal(record.headers.get("ce_specversion"), "1.0");
      assert.equal(record.headers.get("content-type"), "application/protobuf");
    } catch (error) {
      mismatchedIds.add(record.ceId);
      const where = `${record.ceId} (${want.eventId} on ${record.topic})`;
      mismatched.push(mismatched.length < 5 ? `${where}: ${error instanceof Error ? error.message : String(error)}` : where);
    }
  }
  const counted = tally(expected.records, considered);
  const present = expected.records.size - counted.missing.length;
  return { ...counted, matched: present - mismatchedIds.size, mismatched };
}
