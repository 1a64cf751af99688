// `meshbridge dlq replay`: runs dead letters again through the bridge's own Pipeline (decrypt,
// map, encode, produce: ../pipeline-parts.ts builds the same stages as ../bridge.ts), straight
// from the dead-letter topic, for SQS- and Pub/Sub-origin records alike. Each dead letter becomes
// a SourceMessage again (body, attributes, source, id, receive count as the dead letter kept them)
// whose ack/nack tells the replay it is settled; a record that fails again goes back to the
// dead-letter topic with mb_replay_count incremented and its new error. The consumer group's
// offset moves only past settled records, after Kafka acknowledged what they produced: one run
// never produces a record twice, and a second run of the same group finds nothing it already did.
import { createHash } from "node:crypto";
import type { Keyring } from "../../crypto/keyring.ts";
import type { CatalogModule } from "../../mapping/catalog-module.ts";
import type { ReadRecord } from "../../ops/kafka-reader.ts";
import type { Logger } from "../../ops/log.ts";
import { BridgeMetrics } from "../../ops/metrics.ts";
import { Pipeline } from "../../pipeline/pipeline.ts";
import { dlqHeader, type OutRecord, type RecordSink } from "../../pipeline/records.ts";
import { defaultBackoff } from "../../pipeline/retry.ts";
import { loadCatalogEncoder } from "../../schema/catalog-encoder.ts";
import { KafkaSink } from "../../sink/kafka-sink.ts";
import { pubsubEnvelopeReader } from "../../sources/pubsub/envelope-reader.ts";
import type { EnvelopeReader, SourceMessage } from "../../sources/source.ts";
import { sqsEnvelopeReader } from "../../sources/sqs/envelope-reader.ts";
import type { BridgeConfig } from "../config.ts";
import { deployedCatalog } from "../deployed-catalog.ts";
import { bridgeStages, createKeyring, kafkaTls, REGISTER_COMMAND } from "../pipeline-parts.ts";
import { registryClientFor } from "../registry-client.ts";
import { DeadLetterReader, type DlqConnection, type DlqFilter, isFiltered, matchesFilter } from "./dlq.ts";

/** The source kinds a dead letter can be replayed for, by its mb_body_kind header. */
const readers: Readonly<Record<string, EnvelopeReader>> = {
  [sqsEnvelopeReader.bodyKind]: sqsEnvelopeReader,
  [pubsubEnvelopeReader.bodyKind]: pubsubEnvelopeReader,
};

const ORDERING_KEY_HEADER = `${dlqHeader.attributePrefix}ordering_key`;

/**
 * The default consumer group: one per configuration (client id, dead-letter topic) and filter
 * set, so that replays with different filters keep separate progress (docs/decisions/0024).
 */
export function defaultReplayGroup(config: BridgeConfig, filter: DlqFilter): string {
  const base = `${config.kafka.clientId}.dlq-replay.${config.kafka.deadLetterTopic}`;
  if (!isFiltered(filter)) return base;
  const canonical = JSON.stringify(
    Object.entries(filter)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return `${base}.${createHash("sha256").update(canonical).digest("hex").slice(0, 12)}`;
}

/** A dead letter as a source message again; `settled` is set once the pipeline acked it. */
class ReplayedMessage implements SourceMessage {
  readonly id: string;
  readonly source: string;
  readonly reader: EnvelopeReader;
  readonly body: Buffer | string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly receiveCount: number;
  readonly publishedAtMs = 0;
  readonly orderingKey: string | undefined;
  readonly replayCount: number;
  settled = false;

  constructor(record: ReadRecord, reader: EnvelopeReader) {
    const h = record.headers;
    this.id = h.get(dlqHeader.sourceMessageId) ?? record.key;
    this.source = h.get(dlqHeader.source) ?? "unknown";
    this.reader = reader;
    const value = record.value ?? Buffer.alloc(0);
    // SQS bodies are text and the SQS reader parses text (see SourceMessage.body).
    this.body = reader === sqsEnvelopeReader ? value.toString("utf8") : value;
    const attributes: Record<string, string> = Object.create(null);
    for (const [name, text] of h) {
      if (!name.startsWith(dlqHeader.attributePrefix)) continue;
      if (name === ORDERING_KEY_HEADER && reader === pubsubEnvelopeReader) continue;
      attributes[name.slice(dlqHeader.attributePrefix.length)] = text;
    }
    this.attributes = attributes;
    this.orderingKey = reader === pubsubEnvelopeReader ? h.get(ORDERING_KEY_HEADER) : undefined;
    const received = Number(h.get(dlqHeader.receiveCount));
    this.receiveCount = Number.isSafeInteger(received) && received > 0 ? received : 1;
    const replays = Number(h.get(dlqHeader.replayCount) ?? "0");
    this.replayCount = (Number.isSafeInteger(replays) && replays >= 0 ? replays : 0) + 1;
  }

  ack(): void {
    this.settled = true;
  }

  nack(): void {
    this.settled = false;
  }
}

/** Counts what Kafka acknowledged; in a dry run it acknowledges nothing and sends nothing. */
class CountingSink implements RecordSink {
  readonly #sink: KafkaSink;
  readonly #deadLetterTopic: string;
  readonly #dryRun: boolean;
  produced = 0;
  deadLettered = 0;
  readonly producedByTopic = new Map<string, number>();

  constructor(sink: KafkaSink, deadLetterTopic: string, dryRun: boolean) {
    this.#sink = sink;
    this.#deadLetterTopic = deadLetterTopic;
    this.#dryRun = dryRun;
  }

  async send(records: readonly OutRecord[]): Promise<void> {
    if (!this.#dryRun) await this.#sink.send(records);
    for (const record of records) {
      if (record.topic === this.#deadLetterTopic) this.deadLettered++;
      else {
        this.produced++;
        this.producedByTopic.set(record.topic, (this.producedByTopic.get(record.topic) ?? 0) + 1);
      }
    }
  }

  checkRecordSize(record: OutRecord) {
    return this.#sink.checkRecordSize(record);
  }
}

export interface ReplayProgress {
  readonly total: number;
  readonly read: number;
  /** Selected dead letters settled by the pipeline (produced, skipped by the mapper, or dead-lettered again). */
  readonly replayed: number;
  readonly produced: number;
  readonly deadLetteredAgain: number;
  readonly skippedByFilter: number;
  /** Dead letters of a body kind this version cannot replay (offsets move past them). */
  readonly unreplayable: number;
}

export interface ReplayReport extends ReplayProgress {
  readonly group: string;
  readonly dryRun: boolean;
  /** True when every record up to the end offsets at the start was settled (and committed). */
  readonly finished: boolean;
  /** Why it stopped early, when it did. */
  readonly stoppedBecause?: string;
  readonly producedByTopic: Readonly<Record<string, number>>;
}

export interface ReplayOptions {
  readonly config: BridgeConfig;
  readonly catalog: CatalogModule;
  readonly filter: DlqFilter;
  readonly group: string;
  readonly dryRun: boolean;
  /** Records per pipeline batch (and per commit) at most. */
  readonly batchSize: number;
  readonly log: Logger;
  /** Called every `progressEvery` records and at least every `progressMs` while records come. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly progressEvery?: number;
  readonly progressMs?: number;
  /** Aborts the run: the batch in hand is settled or released, progress so far committed. */
  readonly signal?: AbortSignal;
}

export function dlqConnection(config: BridgeConfig): DlqConnection {
  return {
    bootstrapBrokers: config.kafka.bootstrapBrokers,
    topic: config.kafka.deadLetterTopic,
    tls: kafkaTls(config.kafka.tls),
    sasl: config.kafka.sasl,
  };
}

interface Entry {
  readonly record: ReadRecord;
  readonly message: ReplayedMessage | undefined;
}

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayReport> {
  const { config, filter } = options;
  const deadLetterTopic = config.kafka.deadLetterTopic;
  let keyring: Keyring | undefined;
  const sink = new KafkaSink({
    bootstrapBrokers: config.kafka.bootstrapBrokers,
    clientId: `${config.kafka.clientId}-dlq-replay`,
    tls: kafkaTls(config.kafka.tls),
    sasl: config.kafka.sasl,
  });
  let reader: DeadLetterReader | undefined;
  try {
    keyring = await createKeyring(config);
    const deployed = deployedCatalog(options.catalog.topics, config.kafka.topicPrefix);
    const encoder = await loadCatalogEncoder(deployed, registryClientFor(config.registry), {
      registerCommand: REGISTER_COMMAND,
    });
    await sink.start([...deployed.map((entry) => entry.topic), deadLetterTopic]);
    const counting = new CountingSink(sink, deadLetterTopic, options.dryRun);
    const pipeline = new Pipeline(
      bridgeStages(config, options.catalog, keyring, encoder),
      counting,
      { deadLetterTopic, backoff: defaultBackoff },
      new BridgeMetrics(),
      options.log,
    );
    const stopRetrying = (): void => void pipeline.drain();
    options.signal?.addEventListener("abort", stopRetrying, { once: true });

    reader = await DeadLetterReader.open(dlqConnection(config), options.group);
    const total = reader.total;
    let read = 0;
    let replayed = 0;
    let skippedByFilter = 0;
    let unreplayable = 0;
    let stoppedBecause: string | undefined;
    const progress = (): ReplayProgress => ({
      total,
      read,
      replayed,
      produced: counting.produced,
      deadLetteredAgain: counting.deadLettered,
      skippedByFilter,
      unreplayable,
    });
    const every = options.progressEvery ?? 1000;
    const everyMs = options.progressMs ?? 5000;
    let lastReport = Date.now();
    let reportedAt = 0;

    let batch: Entry[] = [];
    const settle = async (): Promise<void> => {
      const entries = batch;
      batch = [];
      const messages = entries.flatMap((entry) => (entry.message === undefined ? [] : [entry.message]));
      if (messages.length > 0) await pipeline.process(messages);
      // Per partition, the offset after the last record settled with everything before it.
      const next = new Map<number, bigint>();
      const blocked = new Set<number>();
      for (const { record, message } of entries) {
        if (blocked.has(record.partition)) continue;
        if (message !== undefined && !message.settled) {
          blocked.add(record.partition);
          continue;
        }
        if (message !== undefined) replayed++;
        next.set(record.partition, record.offset + 1n);
      }
      if (!options.dryRun) await reader!.commit(next);
      if (blocked.size > 0) {
        stoppedBecause = options.signal?.aborted
          ? "interrupted"
          : "records could not be settled (Kafka refused a dead-letter record; see the log)";
      }
    };

    for await (const { record, last } of reader.records(options.signal)) {
      read++;
      let message: ReplayedMessage | undefined;
      if (!matchesFilter(record, filter)) skippedByFilter++;
      else {
        const kind = readers[record.headers.get(dlqHeader.bodyKind) ?? ""];
        if (kind === undefined) unreplayable++;
        else message = new ReplayedMessage(record, kind);
      }
      batch.push({ record, message });
      if (batch.length >= options.batchSize || last) await settle();
      if (stoppedBecause !== undefined) break;
      const now = Date.now();
      if (options.onProgress !== undefined && (read - reportedAt >= every || now - lastReport >= everyMs)) {
        options.onProgress(progress());
        reportedAt = read;
        lastReport = now;
      }
    }
    // Records read but not yet run when interrupted stay unsettled: the next run reads them again.
    if (batch.length > 0 && stoppedBecause === undefined && options.signal?.aborted !== true) await settle();
    options.signal?.removeEventListener("abort", stopRetrying);
    if (stoppedBecause === undefined && options.signal?.aborted === true) stoppedBecause = "interrupted";
    if (stoppedBecause === undefined && read < total && !reader.endedIdle) stoppedBecause = "the topic ended early";
    return {
      ...progress(),
      group: options.group,
      dryRun: options.dryRun,
      finished: stoppedBecause === undefined,
      ...(stoppedBecause === undefined ? {} : { stoppedBecause }),
      producedByTopic: Object.fromEntries([...counting.producedByTopic].sort(([a], [b]) => a.localeCompare(b))),
    };
  } finally {
    await reader?.close().catch(() => undefined);
    await sink.close().catch(() => undefined);
    await keyring?.close?.().catch(() => undefined);
  }
}

/** The final summary, one line per figure. */
export function renderReplayReport(report: ReplayReport): string {
  const verb = report.dryRun ? "would be" : "";
  const lines = [
    `${report.dryRun ? "dry run: nothing produced, nothing committed; " : ""}group ${report.group}`,
    `read                ${report.read} of ${report.total}`,
    `replayed            ${report.replayed}`,
    `produced${verb === "" ? "           " : " (would be)"} ${report.produced}${
      Object.keys(report.producedByTopic).length === 0
        ? ""
        : ` (${Object.entries(report.producedByTopic)
            .map(([topic, count]) => `${topic} ${count}`)
            .join(", ")})`
    }`,
    `dead-lettered again ${report.deadLetteredAgain}${report.dryRun ? " (would be)" : ""}`,
    `skipped by filter   ${report.skippedByFilter}`,
    `unreplayable        ${report.unreplayable}`,
  ];
  if (!report.finished)
    lines.push(`stopped early: ${report.stoppedBecause ?? "unknown"}; the group's offsets keep what was settled`);
  return lines.join("\n");
}

export function renderReplayProgress(progress: ReplayProgress): string {
  const percent = progress.total === 0 ? 100 : Math.floor((progress.read * 100) / progress.total);
  return `dlq replay: ${progress.read}/${progress.total} read (${percent}%), ${progress.replayed} replayed, ${progress.produced} produced, ${progress.deadLetteredAgain} dead-lettered again, ${progress.skippedByFilter} skipped by filter`;
}

/** Exit codes (README "Dead letters"): 0 done; 3 stopped early; 4 done, some failed again or unreplayable. */
export function replayExitCode(report: ReplayReport): number {
  if (!report.finished) return 3;
  return report.deadLetteredAgain > 0 || report.unreplayable > 0 ? 4 : 0;
}
