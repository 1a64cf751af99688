// The bridge's pipeline, shared by every source: envelope → key → decrypt → parse → map →
// encode → produce → settle. A batch from a source is processed synchronously up to the
// produce step, then all its records (catalog and dead-letter) go to Kafka in one send, and
// every message of the batch is acked only after Kafka acknowledged that send.
import type { KeyObject } from "node:crypto";
import { cloudEventId } from "../mapping/identity.ts";
import type { CatalogEvent, LegacyEvent } from "../mapping/mapper.ts";
import { eventTypePattern } from "../mapping/parse.ts";
import type { Logger } from "../ops/log.ts";
import type { BridgeMetrics } from "../ops/metrics.ts";
import type { SourceMeter } from "../ops/source-metrics.ts";
import type { BatchTracer } from "../ops/tracing/batch-tracer.ts";
import { KafkaPermanentError, writtenIndexes } from "../sink/errors.ts";
import type { SourceMessage } from "../sources/source.ts";
import type { Stage, StageOf } from "./error-classes.ts";
import { isTransient, PermanentError, withTenant } from "./errors.ts";
import { catalogRecord, deadLetterRecord, type OutRecord, type RecordSink } from "./records.ts";
import { type Backoff, retryTransient } from "./retry.ts";
import type { EnvelopeIdentity, PipelineStages } from "./stages.ts";

export interface PipelineOptions {
  readonly deadLetterTopic: string;
  readonly backoff: Backoff;
  /** Traces each batch when tracing is configured (src/ops/tracing); absent, it costs nothing. */
  readonly tracer?: BatchTracer;
}

/**
 * Per source message, the state of its trip through the stages. A class, not an object literal,
 * because it lives until the batch is settled: see ParsedLegacyEnvelope
 * (src/envelope/legacy-envelope.ts) for V8's pretenuring of literals.
 */
class Work<E extends EnvelopeIdentity> {
  readonly message: SourceMessage;
  /** Its source's metrics handle. */
  readonly meter: SourceMeter;
  envelope: E | undefined = undefined;
  traceparent: string | undefined = undefined;
  /** The envelope's data key, attached once per message (see #peekKeys). */
  key: KeyObject | undefined = undefined;
  failure: PermanentError | undefined = undefined;
  /** "type.vN" of the legacy event, set only when it failed after parse (header mb_event_type). */
  failedEventType: string | undefined = undefined;
  /** Why Kafka refused this message's dead-letter record for good: it is released, not acked. */
  deadLetterRefusal: PermanentError | undefined = undefined;
  /** Its dead-letter record once made: the same object in every round, so "written" can know it. */
  deadLetter: OutRecord | undefined = undefined;
  /**
   * Its records, alive until the batch is settled. Built by Array#map, never from an array
   * literal: V8 would pretenure such a literal after a backlog, like an object literal.
   */
  records: readonly OutRecord[] = NO_RECORDS;
  /** Set by the encode stage, for its records' ce_id and ce_source. */
  legacyEventId = "";
  ceSource = "";

  constructor(message: SourceMessage, meter: SourceMeter) {
    this.message = message;
    this.meter = meter;
  }
}

const NO_RECORDS: readonly OutRecord[] = Object.freeze([]);

/**
 * The records of a batch still to send, in message order, and the index in the batch of each
 * one's message. Records Kafka acknowledged in a failed send leave it for `written`.
 */
class BatchRecords {
  records: OutRecord[];
  owners: number[];
  written: Set<OutRecord> | undefined = undefined;

  constructor(records: OutRecord[], owners: number[]) {
    this.records = records;
    this.owners = owners;
  }

  /** Adds the records at these indexes (of a failed send of `records`) to `written`. */
  markWritten(indexes: readonly number[]): void {
    if (indexes.length === 0) return;
    this.written ??= new Set();
    const written = this.written;
    for (const index of indexes) {
      const record = this.records[index];
      if (record !== undefined) written.add(record);
    }
  }

  /** Removes the written records from `records` and `owners`, keeping the order of the rest. */
  dropWritten(): void {
    const written = this.written;
    if (written === undefined) return;
    let kept = 0;
    for (let i = 0; i < this.records.length; i++) {
      const record = this.records[i]!;
      if (written.has(record)) continue;
      this.records[kept] = record;
      this.owners[kept] = this.owners[i]!;
      kept++;
    }
    this.records.length = kept;
    this.owners.length = kept;
  }
}

const keyId = (tenant: string, version: number): string => `${tenant}\u0000${version}`;

/** The stages that run synchronously, with no I/O (see asPermanent). */
type SyncStage = StageOf<"UnexpectedError">;

export class Pipeline<E extends EnvelopeIdentity> {
  readonly #stages: PipelineStages<E>;
  readonly #sink: RecordSink;
  readonly #options: PipelineOptions;
  readonly #metrics: BridgeMetrics;
  readonly #log: Logger;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stopping = new AbortController();
  /** The last source looked up, and its meter: a batch comes from one source. */
  #lastSource: string | undefined;
  #lastMeter: SourceMeter | undefined;
  #received = 0;
  /** The encode stage for one output of the item given as `this`; throws when it is too large. */
  readonly #recordOf: (this: Work<E>, output: CatalogEvent, index: number) => OutRecord;

  constructor(stages: PipelineStages<E>, sink: RecordSink, options: PipelineOptions, metrics: BridgeMetrics, log: Logger) {
    this.#stages = stages;
    this.#sink = sink;
    this.#options = options;
    this.#metrics = metrics;
    this.#log = log;
    this.#recordOf = function (this: Work<E>, output: CatalogEvent, index: number): OutRecord {
      const tenant = this.envelope!.tenant;
      const record = catalogRecord(
        output,
        stages.encode(output),
        cloudEventId(tenant, this.legacyEventId, index),
        this.ceSource,
        tenant,
        this.traceparent,
      );
      const tooLarge = sink.checkRecordSize(record);
      if (tooLarge !== undefined) throw tooLarge;
      return record;
    };
  }

  /** The entry point sources call. Never throws; the batch is settled asynchronously. */
  readonly deliver = (batch: readonly SourceMessage[]): void => {
    this.#received += batch.length;
    const tracer = this.#options.tracer;
    const processing = tracer === undefined ? this.process(batch) : tracer.process(batch, () => this.process(batch));
    const run = processing.catch((error: unknown) => {
      // Only a bug lands here; the messages come back through the source's redelivery.
      this.#log.error("pipeline failed on a batch; releasing it for redelivery", { error: describe(error) });
      for (const message of batch) message.nack();
    });
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
  };

  /** Messages the sources delivered so far. */
  get received(): number {
    return this.#received;
  }

  /** Stops retrying transient failures (their messages are nacked) and waits for every batch. */
  async drain(): Promise<void> {
    this.#stopping.abort();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async process(batch: readonly SourceMessage[]): Promise<void> {
    const started = Date.now();
    const work = batch.map((message) => this.#readEnvelope(message));
    // The usual batch finds every key cached: no await, no promise for the key stage.
    const missing = this.#peekKeys(work);
    if (missing !== undefined && !(await this.#loadKeys(work, missing))) {
      for (const item of work) this.#nack(item);
      return;
    }
    for (const item of work) if (item.failure === undefined) this.#transform(item);
    const records = this.#collectRecords(work);
    // The first send without the retry machinery (its closures and promises): Kafka usually
    // takes it; any failure goes to the retrying path, which starts as if this was attempt 1.
    let sent = true;
    try {
      await this.#sendRefusing(work, records);
    } catch (error) {
      sent = await this.#retrySend(work, records, error);
    }
    if (!sent) {
      for (const item of work) this.#nack(item);
      return;
    }
    const now = Date.now();
    let produced = 0;
    let skipped = 0;
    for (const item of work) {
      if (item.deadLetterRefusal !== undefined) {
        this.#release(item);
        continue;
      }
      item.message.ack();
      const series = item.meter.series;
      series.acked++;
      if (item.failure !== undefined) {
        this.#deadLettered(item, item.failure);
        this.#log.warn("dead-lettered", {
          source: item.message.source,
          messageId: item.message.id,
          stage: item.failure.stage,
          errorClass: item.failure.errorClass,
          tenant: item.failure.tenant,
        });
      } else {
        produced += item.records.length;
        if (item.records.length === 0) skipped++;
      }
      if (item.message.publishedAtMs > 0) series.latency.observe((now - item.message.publishedAtMs) / 1000);
    }
    this.#metrics.produced.inc(undefined, produced);
    if (skipped > 0) this.#metrics.skipped.inc(undefined, skipped);
    if (this.#log.debugEnabled) {
      this.#log.debug("batch settled", { messages: work.length, records: records.records.length, ms: now - started });
    }
  }

  /**
   * One send of the batch's records. Each refusal moves a message one step (catalog records →
   * dead letter → released), so this ends after at most two rounds per message; a refused dead
   * letter is never re-sent. `records` is updated in place: what Kafka wrote before a failure
   * leaves it, so a retry sends only the rest. Throws what is not a refusal.
   */
  async #sendRefusing(work: readonly Work<E>[], records: BatchRecords): Promise<void> {
    for (;;) {
      try {
        await this.#sink.send(records.records);
        return;
      } catch (error) {
        if (!(error instanceof KafkaPermanentError) || error.rejected.length === 0) {
          records.markWritten(writtenIndexes(error));
          records.dropWritten();
          throw error;
        }
        for (const rejected of error.rejected) {
          const item = work[records.owners[rejected.index]!]!;
          const refusedDeadLetter = records.records[rejected.index]!.topic === this.#options.deadLetterTopic;
          if (refusedDeadLetter) item.deadLetterRefusal = rejected.error;
          else item.failure = withTenant(rejected.error, item.envelope?.tenant);
        }
        records.markWritten(error.written);
        const next = this.#collectRecords(work, records.written);
        records.records = next.records;
        records.owners = next.owners;
      }
    }
  }

  /** After the first send failed with `first`: retried with backoff until it succeeds or the pipeline stops. */
  #retrySend(work: readonly Work<E>[], records: BatchRecords, first: unknown): Promise<boolean> {
    let failure: unknown = first;
    return retryTransient(
      async () => {
        if (failure !== undefined) {
          const error = failure;
          failure = undefined;
          throw error;
        }
        await this.#sendRefusing(work, records);
      },
      this.#options.backoff,
      this.#stopping.signal,
      (error, attempt, delayMs) => {
        this.#metrics.retries.inc({ stage: "produce" });
        // KafkaPermanentError here refused only records of other batches sent in the same request.
        if (isTransient(error) || error instanceof KafkaPermanentError) {
          this.#log.warn("Kafka send failed; retrying", {
            attempt,
            delayMs,
            records: records.records.length,
            error: describe(error),
          });
        } else {
          this.#reportUnexpected("produce", error, { attempt, delayMs, records: records.records.length });
        }
      },
    );
  }

  /**
   * A message whose dead-letter record Kafka refused for good (larger than the dead-letter
   * topic's max.message.bytes, say) cannot be settled here without losing it: it goes back to
   * its source, whose redrive policy (SQS maxReceiveCount, Pub/Sub dead-letter policy) takes it.
   */
  #release(item: Work<E>): void {
    this.#nack(item);
    this.#metrics.deadLetterRefused.inc();
    this.#log.error("dead-letter record refused by Kafka; message released to its source's redrive policy", {
      source: item.message.source,
      messageId: item.message.id,
      stage: item.failure?.stage,
      errorClass: item.failure?.errorClass,
      refusedWith: item.deadLetterRefusal?.errorClass,
      refusal: item.deadLetterRefusal?.message,
      tenant: item.failure?.tenant,
      receiveCount: item.message.receiveCount,
    });
  }

  #nack(item: Work<E>): void {
    item.message.nack();
    item.meter.series.nacked++;
  }

  /** Counted by source, stage and class; decrypt failures also by tenant (bounded). */
  #deadLettered(item: Work<E>, failure: PermanentError): void {
    const metrics = this.#metrics;
    metrics.deadLettered.inc({ source: item.meter.series.label, stage: failure.stage, error_class: failure.errorClass });
    if (failure.stage === "decrypt") metrics.decryptFailures.inc({ tenant: metrics.tenants.label(failure.tenant) });
  }

  /** The meter of a message's source: one Map lookup per source change, none within a batch. */
  #meterOf(message: SourceMessage): SourceMeter {
    if (message.source !== this.#lastSource || this.#lastMeter === undefined) {
      this.#lastSource = message.source;
      this.#lastMeter = this.#metrics.sources.forSource(message.source);
    }
    return this.#lastMeter;
  }

  /** An error of no known class in an asynchronous stage: a bug, retried, and never quiet. */
  #reportUnexpected(stage: Stage, error: unknown, fields: Readonly<Record<string, number>>): void {
    this.#metrics.unexpectedErrors.inc({ stage });
    this.#log.error("unexpected error; retrying with backoff, the messages stay leased", {
      stage,
      ...fields,
      error: describe(error),
      stack: stackOf(error),
    });
  }

  /**
   * Every record of the batch, in message order; a failed message contributes its dead letter,
   * one whose dead letter was refused contributes nothing.
   */
  /** The records of `work` to send, except those already `written`, which stay in the result's set. */
  #collectRecords(work: readonly Work<E>[], written?: Set<OutRecord>): BatchRecords {
    const records: OutRecord[] = [];
    const owners: number[] = [];
    for (let index = 0; index < work.length; index++) {
      const item = work[index]!;
      if (item.deadLetterRefusal !== undefined) {
        item.records = NO_RECORDS;
      } else if (item.failure !== undefined) {
        item.deadLetter ??= deadLetterRecord(this.#options.deadLetterTopic, item.message, item.failure, item.failedEventType);
        item.records = [item.deadLetter];
      }
      for (const record of item.records) {
        if (written?.has(record)) continue;
        records.push(record);
        owners.push(index);
      }
    }
    const collected = new BatchRecords(records, owners);
    collected.written = written;
    return collected;
  }

  #readEnvelope(message: SourceMessage): Work<E> {
    const item = new Work<E>(message, this.#meterOf(message));
    const series = item.meter.series;
    series.received++;
    if (message.receiveCount > 1) series.redeliveries++;
    try {
      const read = this.#stages.readEnvelope(message);
      item.envelope = read.envelope;
      item.traceparent = read.traceparent;
    } catch (error) {
      item.failure = asPermanent(error, "envelope");
    }
    return item;
  }

  /**
   * Gives every item with an envelope its cached key; returns the envelopes whose key is not
   * cached, one per key (undefined when every key was). A key is looked up once per message: one
   * found in the cache is kept even if the cache lets it go while this batch waits for another.
   */
  #peekKeys(work: readonly Work<E>[]): Map<string, E> | undefined {
    let missing: Map<string, E> | undefined; // the usual batch needs no load: no Map
    for (const item of work) {
      const envelope = item.envelope;
      if (envelope === undefined) continue;
      item.key = this.#stages.keys.peek(envelope.tenant, envelope.keyVersion);
      if (item.key !== undefined) continue;
      missing ??= new Map();
      missing.set(keyId(envelope.tenant, envelope.keyVersion), envelope);
    }
    return missing;
  }

  /**
   * Loads each key #peekKeys found missing once for the whole batch. Permanent failures mark their
   * messages; transient ones are retried with backoff. False when stopped while retrying.
   */
  async #loadKeys(work: readonly Work<E>[], missing: Map<string, E>): Promise<boolean> {
    const toLoad = missing;
    const loaded = new Map<string, KeyObject>();
    const failures = new Map<string, PermanentError>();
    let tries = 1;
    const done = await retryTransient(
      async () => {
        const pending = [...toLoad].filter(([id]) => !loaded.has(id) && !failures.has(id));
        const results = await Promise.allSettled(
          pending.map(([, envelope]) => this.#stages.keys.load(envelope.tenant, envelope.keyVersion)),
        );
        let retry: unknown;
        results.forEach((result, index) => {
          const id = pending[index]![0];
          if (result.status === "fulfilled") loaded.set(id, result.value);
          else if (result.reason instanceof PermanentError) failures.set(id, result.reason);
          else {
            // Reported here, once per key and attempt, so that none hides behind another failure.
            if (!isTransient(result.reason)) this.#reportUnexpected("key", result.reason, { attempt: tries });
            retry ??= result.reason;
          }
        });
        tries++;
        if (retry !== undefined) throw retry;
      },
      this.#options.backoff,
      this.#stopping.signal,
      (error, attempt, delayMs) => {
        this.#metrics.retries.inc({ stage: "key" });
        this.#log.warn("key load failed; retrying", { attempt, delayMs, error: describe(error) });
      },
    );
    if (!done) return false;
    for (const item of work) {
      if (item.envelope === undefined || item.key !== undefined) continue;
      const id = keyId(item.envelope.tenant, item.envelope.keyVersion);
      const failure = failures.get(id);
      if (failure !== undefined) item.failure = withTenant(failure, item.envelope.tenant);
      else item.key = loaded.get(id);
    }
    return true;
  }

  /** decrypt → parse → map → encode, synchronously; a failure marks the item for the DLQ. */
  #transform(item: Work<E>): void {
    const envelope = item.envelope!;
    const stages = this.#stages;
    let stage: SyncStage = "decrypt";
    let event: LegacyEvent | undefined;
    try {
      const key = item.key;
      if (key === undefined) {
        throw new PermanentError("UnknownKeyVersion", `no key for tenant ${envelope.tenant} version ${envelope.keyVersion}`, {
          tenant: envelope.tenant,
        });
      }
      const plaintext = stages.decrypt(envelope, key);
      stage = "parse";
      const parsed = stages.parse(plaintext, envelope.tenant);
      event = parsed;
      stage = "map";
      const outputs = stages.map(parsed, { tenant: envelope.tenant });
      stage = "encode";
      item.legacyEventId = parsed.id;
      item.ceSource = `/legacy/${envelope.tenant}/${parsed.type}`;
      // Array#map, not pushes into an array literal (see Work.records), with the item as `this`
      // of one function made per pipeline: no closure per message.
      item.records = outputs.map(this.#recordOf, item);
    } catch (error) {
      item.records = NO_RECORDS;
      item.failure = asPermanent(error, stage, envelope.tenant);
      // Checked again here: a catalog's own parse may not hold its type to an identifier.
      if (event !== undefined && eventTypePattern.test(event.type) && Number.isSafeInteger(event.version)) {
        item.failedEventType = `${event.type}.v${event.version}`;
      }
    }
  }
}

/**
 * A stage threw something other than a PermanentError. The synchronous stages do no I/O, so a
 * retry cannot help: dead-letter it. Its message is not copied, since it may quote decrypted data.
 */
function asPermanent(error: unknown, stage: SyncStage, tenant?: string): PermanentError {
  if (error instanceof PermanentError) return withTenant(error, tenant);
  const name = error instanceof Error ? error.name : typeof error;
  return new PermanentError("UnexpectedError", `unexpected ${name} in stage ${stage}`, { stage, tenant });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Where a bug was thrown: the stack's frames, without its first line (the message, already logged). */
function stackOf(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.stack === undefined) return undefined;
  return error.stack.split("\n").slice(1, 6).join(" | ").replace(/\s+/g, " ");
}
