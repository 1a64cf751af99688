// Shared by the Pub/Sub bridge mesh tests: a catalog of topics and subjects of the run's own
// (prefix), a Pub/Sub world on the emulator, the real bridge in-process, and a Kafka reader that
// collects what the bridge wrote, with the expectations computed from the plain legacy events.
import { mkdirSync } from "node:fs";
import { type DescMessage, equals, type Message } from "@bufbuild/protobuf";
import { createCatalogRegistry } from "../../catalog/index.ts";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { type RunningBridge, startBridge } from "../../src/cli/bridge.ts";
import { registerCatalogSchemas } from "../../src/cli/commands/schemas.ts";
import { createBridgeTopics } from "../../src/cli/commands/topics.ts";
import { parseConfig } from "../../src/cli/config.ts";
import { deployedCatalog } from "../../src/cli/deployed-catalog.ts";
import { cloudEventId } from "../../src/mapping/identity.ts";
import { parseLegacyEvent } from "../../src/mapping/parse.ts";
import { openRecordReader, type ReadRecord, type RecordReader } from "../../src/ops/kafka-reader.ts";
import { createLogger } from "../../src/ops/log.ts";
import { CatalogRecordDecoder } from "../../src/schema/record-decoder.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import type { SealedEvent } from "../../src/simulator/legacy-stream.ts";
import { uniqueName } from "../support/mesh.ts";

export const PUBSUB_PROJECT = "meshbridge-test";
export const SIM_DIR = ".cache/sim-test";
const PARTITIONS = 3;

export interface TestCatalog {
  readonly prefix: string;
  readonly deadLetterTopic: string;
  readonly topics: readonly string[];
}

/** Registers the schemas and creates the topics under a prefix of this run's own (idempotent). */
export async function prepareCatalog(label: string): Promise<TestCatalog> {
  mkdirSync(SIM_DIR, { recursive: true });
  const prefix = `${uniqueName(label)}.`;
  const deadLetterTopic = `${prefix}meshbridge.dlq`;
  await registerCatalogSchemas(meshEndpoints.registryUrl, () => {}, prefix);
  await createBridgeTopics([meshEndpoints.kafkaBootstrap], deadLetterTopic, PARTITIONS, () => {}, prefix);
  const topics = deployedCatalog(prefix).map((entry) => entry.topic);
  return { prefix, deadLetterTopic, topics };
}

export interface BridgeUnderTest {
  readonly bridge: RunningBridge;
  /** Log lines at warn and above (no error storms). */
  readonly warnings: string[];
}

export async function startTestBridge(
  catalog: TestCatalog,
  keyFile: string,
  sources: Record<string, unknown>,
  budget: { readonly maxMessages: number; readonly maxBytes?: number } = { maxMessages: 2000 },
): Promise<BridgeUnderTest> {
  const warnings: string[] = [];
  const config = parseConfig(
    {
      kafka: {
        bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
        deadLetterTopic: catalog.deadLetterTopic,
        topicPrefix: catalog.prefix,
      },
      registry: { url: meshEndpoints.registryUrl },
      aws: { region: "us-east-1", endpoint: meshEndpoints.awsEndpoint },
      keys: { provider: "static", file: keyFile },
      sources,
      budget: { maxMessages: budget.maxMessages, maxBytes: budget.maxBytes ?? 64 * 1024 * 1024 },
      http: { port: 0, host: "127.0.0.1" },
      shutdownGraceSeconds: 20,
    },
    {},
  );
  const log = createLogger("warn", { service: "meshbridge-test" }, (line) => warnings.push(line));
  const bridge = await startBridge(config, log);
  return { bridge, warnings };
}

export interface CollectedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string;
  readonly ceId: string;
  readonly tenant: string;
  readonly timestampMs: number;
  readonly value: Buffer;
}

/** Every record of the run's topics (they are the run's own), from the beginning. */
export class RecordCollector {
  readonly records: CollectedRecord[] = [];
  readonly deadLetters: ReadRecord[] = [];
  readonly #reader: RecordReader;
  readonly #loop: Promise<void>;

  private constructor(reader: RecordReader, deadLetterTopic: string) {
    this.#reader = reader;
    this.#loop = (async () => {
      for await (const message of reader.stream) {
        if (message.topic === deadLetterTopic) {
          this.deadLetters.push(message);
          continue;
        }
        this.records.push({
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          key: message.key,
          ceId: message.headers.get("ce_id") ?? "",
          tenant: message.headers.get("tenant") ?? "",
          timestampMs: Number(message.timestamp),
          value: message.value,
        });
      }
    })().catch(() => undefined);
  }

  static async open(catalog: TestCatalog): Promise<RecordCollector> {
    const reader = await openRecordReader({
      bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
      topics: [...catalog.topics, catalog.deadLetterTopic],
      groupId: uniqueName("pubsub-test-reader"),
      from: "earliest",
    });
    return new RecordCollector(reader, catalog.deadLetterTopic);
  }

  async waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  }

  async close(): Promise<void> {
    await this.#reader.close();
    await this.#loop;
  }
}

export interface ExpectedRecord {
  readonly eventId: string;
  readonly tenant: string;
  readonly topic: string;
  readonly key: string;
  readonly schema: DescMessage;
  readonly message: Message;
}

export interface Expectations {
  /** By ce_id. */
  readonly records: Map<string, ExpectedRecord>;
  /** Legacy event ids the mapping refuses (they must be dead-lettered). */
  readonly deadLetters: Set<string>;
  /** Events that map to nothing (skipped by policy). */
  readonly skipped: number;
}

/** What the bridge must write for these events, computed by mapping the plain events here. */
export function expectationsFor(events: Iterable<SealedEvent>, prefix: string): Expectations {
  const registry = createCatalogRegistry("dead-letter");
  const records = new Map<string, ExpectedRecord>();
  const deadLetters = new Set<string>();
  let skipped = 0;
  for (const event of events) {
    let outputs: ReturnType<typeof registry.map>;
    try {
      outputs = registry.map(parseLegacyEvent(Buffer.from(JSON.stringify(event.plain)), event.tenant), {
        tenant: event.tenant,
      });
    } catch {
      deadLetters.add(event.eventId);
      continue;
    }
    if (outputs.length === 0) skipped++;
    outputs.forEach((output, index) => {
      records.set(cloudEventId(event.tenant, event.eventId, index), {
        eventId: event.eventId,
        tenant: event.tenant,
        topic: `${prefix}${output.topic}`,
        key: output.key,
        schema: output.schema,
        message: output.message,
      });
    });
  }
  return { records, deadLetters, skipped };
}

export interface Comparison {
  readonly matched: number;
  readonly duplicates: number;
  readonly missing: string[];
  readonly mismatched: string[];
  readonly unexpected: number;
}

/** Decodes every collected record of `tenants` and compares it field by field with its expectation. */
export async function compareRecords(
  collected: readonly CollectedRecord[],
  expected: Expectations,
  tenants: ReadonlySet<string>,
  prefix: string,
): Promise<Comparison> {
  const decoder = new CatalogRecordDecoder(new RegistryClient({ url: meshEndpoints.registryUrl }), deployedCatalog(prefix));
  const seen = new Set<string>();
  let duplicates = 0;
  let unexpected = 0;
  const mismatched: string[] = [];
  for (const record of collected) {
    if (!tenants.has(record.tenant)) continue;
    const want = expected.records.get(record.ceId);
    if (want === undefined) {
      unexpected++;
      continue;
    }
    if (seen.has(record.ceId)) {
      duplicates++;
      continue;
    }
    seen.add(record.ceId);
    const decoded = await decoder.decode(record.topic, record.value);
    if (
      record.topic !== want.topic ||
      record.key !== want.key ||
      decoded.schema.typeName !== want.schema.typeName ||
      !equals(want.schema, decoded.message, want.message)
    ) {
      mismatched.push(`${record.ceId} (${want.eventId} on ${record.topic})`);
    }
  }
  const missing = [...expected.records.keys()].filter((ceId) => !seen.has(ceId));
  return { matched: seen.size - mismatched.length, duplicates, missing, mismatched, unexpected };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
