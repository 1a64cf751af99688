// The pipeline's settlement rules with in-memory stages and sink: ack only after the sink
// resolved, dead letters for permanent failures, retries (never dead letters) for transient
// ones, retries and error reports for unknown errors of async stages, release of a message
// whose dead letter Kafka refuses, nack on shutdown, and the records' headers.
import assert from "node:assert/strict";
import { createSecretKey, type KeyObject } from "node:crypto";
import { describe, it } from "node:test";
import { orderPlacedTopic } from "../../../catalog/topics.ts";
import { KeyServiceUnavailableError } from "../../../src/crypto/key-service-error.ts";
import type { CatalogEvent, LegacyEvent } from "../../../src/mapping/mapper.ts";
import { createLogger, type Logger, silentLogger } from "../../../src/ops/log.ts";
import { BridgeMetrics } from "../../../src/ops/metrics.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { Pipeline } from "../../../src/pipeline/pipeline.ts";
import { dlqHeader, type OutRecord, type RecordSink } from "../../../src/pipeline/records.ts";
import type { EnvelopeIdentity, PipelineStages } from "../../../src/pipeline/stages.ts";
import { KafkaPermanentError, KafkaSendError, type RejectedRecord } from "../../../src/sink/errors.ts";
import type { SourceMessage } from "../../../src/sources/source.ts";
import { sqsEnvelopeReader } from "../../../src/sources/sqs/envelope-reader.ts";

interface FakeEnvelope extends EnvelopeIdentity {
  readonly plaintext: string;
}

const key: KeyObject = createSecretKey(Buffer.alloc(32, 1));

/** Body: JSON {tenant, kver, id, outputs, fail?}. The "plaintext" is the body itself. */
function stages(overrides: Partial<PipelineStages<FakeEnvelope>> = {}): PipelineStages<FakeEnvelope> {
  return {
    readEnvelope(message) {
      const parsed = JSON.parse(message.body.toString()) as { tenant: string; kver: number; id: string };
      if (parsed.tenant === "bad-envelope") throw new PermanentError("MalformedEnvelope", "field iv is missing");
      return {
        envelope: { tenant: parsed.tenant, keyVersion: parsed.kver, eventId: parsed.id, plaintext: message.body.toString() },
        traceparent: message.attributes.traceparent,
      };
    },
    keys: {
      peek: (tenant) => (tenant === "cold" ? undefined : key),
      load: async (tenant) => {
        if (tenant === "cold") throw new PermanentError("UnknownTenant", "tenant cold has no keys");
        return key;
      },
    },
    decrypt: (envelope) => Buffer.from(envelope.plaintext),
    parse: (plaintext): LegacyEvent => {
      const body = JSON.parse(plaintext.toString()) as Record<string, unknown>;
      return { type: "thing", version: 1, id: String(body.id), body };
    },
    map: (event, context): CatalogEvent[] => {
      if (event.body.fail === "map")
        throw new PermanentError("MapperFailed", "mapper thing@1 failed", { tenant: context.tenant });
      if (event.body.fail === "bug") throw new TypeError(`secret ${String(event.body.secret)}`);
      return Array.from({ length: Number(event.body.outputs ?? 1) }, (_, index) => ({
        topic: orderPlacedTopic.topic,
        schema: orderPlacedTopic.schema,
        message: { $typeName: orderPlacedTopic.schema.typeName } as never,
        key: `${context.tenant}/${event.id}`,
        type: "com.example.thing.v1",
        time: "2026-01-01T00:00:00.000Z",
        subject: index === 0 ? undefined : `part-${index}`,
      }));
    },
    encode: () => Buffer.from([0, 0, 0, 0, 1, 0]),
    ...overrides,
  };
}

class FakeSink implements RecordSink {
  readonly sent: OutRecord[][] = [];
  failures = 0;
  permanent: KafkaPermanentError | undefined;
  async send(records: readonly OutRecord[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new KafkaSendError("kafka unreachable");
    }
    if (this.permanent !== undefined) {
      const error = this.permanent;
      this.permanent = undefined;
      throw error;
    }
    this.sent.push([...records]);
  }
  checkRecordSize(): PermanentError | undefined {
    return undefined;
  }
}

interface Settled {
  acks: string[];
  nacks: string[];
}

function message(
  id: string,
  body: Record<string, unknown>,
  settled: Settled,
  attributes: Record<string, string> = {},
): SourceMessage {
  return {
    id,
    source: "sqs:test-queue",
    reader: sqsEnvelopeReader,
    body: Buffer.from(JSON.stringify(body)),
    attributes,
    receiveCount: 2,
    publishedAtMs: Date.now() - 5,
    ack: () => settled.acks.push(id),
    nack: () => settled.nacks.push(id),
  };
}

const fastBackoff = { initialMs: 1, maxMs: 5 };

function pipeline(sink: RecordSink, overrides?: Partial<PipelineStages<FakeEnvelope>>, log: Logger = silentLogger) {
  const metrics = new BridgeMetrics();
  return {
    metrics,
    pipeline: new Pipeline(stages(overrides), sink, { deadLetterTopic: "dlq", backoff: fastBackoff }, metrics, log),
  };
}

/** A logger that keeps its lines, parsed. */
function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger("debug", {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), lines };
}

/**
 * Like Kafka: refuses for good, on every send, each record that `refuses` picks (nothing of such a
 * send is written), and writes the others.
 */
class RefusingSink implements RecordSink {
  readonly sent: OutRecord[][] = [];
  attempts = 0;
  readonly #refuses: (record: OutRecord) => boolean;
  constructor(refuses: (record: OutRecord) => boolean) {
    this.#refuses = refuses;
  }
  async send(records: readonly OutRecord[]): Promise<void> {
    this.attempts++;
    const rejected: RejectedRecord[] = [];
    records.forEach((record, index) => {
      if (this.#refuses(record)) {
        rejected.push({
          index,
          error: new PermanentError("RecordTooLarge", `record exceeds max.message.bytes of ${record.topic}`),
        });
      }
    });
    if (rejected.length > 0) throw new KafkaPermanentError("refused", rejected, true);
    this.sent.push([...records]);
  }
  checkRecordSize(): PermanentError | undefined {
    return undefined;
  }
}

/**
 * Like Kafka with a dead-letter topic that fails: for `failures` sends, writes every record but
 * those of topic `failing` and rejects with KafkaSendError listing the written ones.
 */
class PartlyWritingSink implements RecordSink {
  readonly written: OutRecord[] = [];
  readonly attempts: number[] = [];
  failures: number;
  readonly #failing: string;
  constructor(failing: string, failures: number) {
    this.#failing = failing;
    this.failures = failures;
  }
  async send(records: readonly OutRecord[]): Promise<void> {
    this.attempts.push(records.length);
    if (this.failures === 0) {
      this.written.push(...records);
      return;
    }
    this.failures--;
    const written: number[] = [];
    records.forEach((record, index) => {
      if (record.topic === this.#failing) return;
      this.written.push(record);
      written.push(index);
    });
    throw new KafkaSendError(`topic ${this.#failing} unavailable`, { written });
  }
  checkRecordSize(): PermanentError | undefined {
    return undefined;
  }
}

describe("Pipeline", () => {
  it("acks every message only after the sink resolved, with catalog headers", async () => {
    const sink = new FakeSink();
    const settled: Settled = { acks: [], nacks: [] };
    let resolveSend: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      resolveSend = resolve;
    });
    const gated: RecordSink = {
      send: async (records) => {
        await gate;
        await sink.send(records);
      },
      checkRecordSize: () => undefined,
    };
    const { pipeline: p, metrics } = pipeline(gated);
    const trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const run = p.process([
      message("m1", { tenant: "t1", kver: 1, id: "e1", outputs: 2 }, settled, { traceparent: trace }),
      message("m2", { tenant: "t2", kver: 1, id: "e2", outputs: 0 }, settled),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(settled.acks, [], "no ack before Kafka acknowledged");
    resolveSend();
    await run;
    assert.deepEqual(settled.acks, ["m1", "m2"]);
    assert.equal(sink.sent.length, 1, "one send per batch");
    const records = sink.sent[0]!;
    assert.equal(records.length, 2);
    const headers = records[0]!.headers!;
    assert.equal(headers.get("ce_specversion"), "1.0");
    assert.equal(headers.get("ce_source"), "/legacy/t1/thing");
    assert.equal(headers.get("tenant"), "t1");
    assert.equal(headers.get("traceparent"), trace);
    assert.notEqual(headers.get("ce_id"), records[1]!.headers!.get("ce_id"), "each output has its own ce_id");
    assert.equal(records[1]!.headers!.get("ce_subject"), "part-1");
    assert.equal(metrics.produced.get(), 2);
    assert.equal(metrics.skipped.get(), 1, "a message mapped to nothing is counted as skipped");
  });

  it("dead-letters permanent failures with context, in the same send as the healthy records", async () => {
    const sink = new FakeSink();
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p, metrics } = pipeline(sink);
    await p.process([
      message("ok", { tenant: "t1", kver: 1, id: "e1" }, settled),
      message("env", { tenant: "bad-envelope", kver: 1, id: "e2" }, settled),
      message("key", { tenant: "cold", kver: 3, id: "e3" }, settled),
      message("map", { tenant: "t1", kver: 1, id: "e4", fail: "map" }, settled),
      message("bug", { tenant: "t9", kver: 1, id: "e5", fail: "bug", secret: "s3cr3t" }, settled, { origin: "x" }),
    ]);
    assert.deepEqual(settled.acks.sort(), ["bug", "env", "key", "map", "ok"]);
    assert.equal(sink.sent.length, 1);
    const dead = sink.sent[0]!.filter((record) => record.topic === "dlq");
    assert.equal(dead.length, 4);
    const byId = new Map(dead.map((record) => [record.headers!.get(dlqHeader.sourceMessageId), record.headers!]));
    assert.equal(byId.get("env")!.get(dlqHeader.stage), "envelope");
    assert.equal(byId.get("key")!.get(dlqHeader.errorClass), "UnknownTenant");
    assert.equal(byId.get("key")!.get(dlqHeader.tenant), "cold");
    assert.equal(byId.get("map")!.get(dlqHeader.errorClass), "MapperFailed");
    assert.equal(byId.get("map")!.get(dlqHeader.eventType), "thing.v1", "a failure after parse names the legacy type");
    assert.equal(byId.get("key")!.get(dlqHeader.eventType), undefined, "before parse the type is unknown");
    assert.equal(byId.get("key")!.get(dlqHeader.replayCount), undefined, "only replayed messages carry a replay count");
    const bug = byId.get("bug")!;
    assert.equal(bug.get(dlqHeader.errorClass), "UnexpectedError");
    assert.equal(bug.get(dlqHeader.tenant), "t9");
    assert.equal(bug.get(dlqHeader.receiveCount), "2");
    assert.equal(bug.get(dlqHeader.source), "sqs:test-queue");
    assert.equal(bug.get(`${dlqHeader.attributePrefix}origin`), "x");
    assert.ok(
      ![...bug.values()].some((value) => String(value).includes("s3cr3t")),
      "an unexpected error's message is not copied",
    );
    const original = dead.find((record) => record.headers!.get(dlqHeader.sourceMessageId) === "bug")!;
    assert.deepEqual(JSON.parse(original.value.toString()).secret, "s3cr3t", "the DLQ value is the original body");
    assert.equal(metrics.deadLettered.sum({ stage: "map", error_class: "MapperFailed" }), 1);
  });

  it("retries transient send failures without dead-lettering, then acks", async () => {
    const sink = new FakeSink();
    sink.failures = 3;
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p, metrics } = pipeline(sink);
    await p.process([message("m1", { tenant: "t1", kver: 1, id: "e1" }, settled)]);
    assert.deepEqual(settled.acks, ["m1"]);
    assert.equal(metrics.retries.get({ stage: "produce" }), 3);
    assert.equal(metrics.unexpectedErrors.get({ stage: "produce" }), 0, "a known transient class is expected");
    assert.equal(sink.sent.flat().filter((record) => record.topic === "dlq").length, 0);
  });

  it("retries an unknown produce error with backoff, never acks meanwhile, and reports each one at error level", async () => {
    let failures = 3;
    const sink = new FakeSink();
    const bug: RecordSink = {
      send: async (records) => {
        if (failures-- > 0) throw new TypeError("cannot read properties of undefined (reading 'partition')");
        await sink.send(records);
      },
      checkRecordSize: () => undefined,
    };
    const settled: Settled = { acks: [], nacks: [] };
    const { log, lines } = capturingLogger();
    const { pipeline: p, metrics } = pipeline(bug, undefined, log);
    await p.process([message("m1", { tenant: "t1", kver: 1, id: "e1" }, settled)]);
    assert.deepEqual(settled.acks, ["m1"], "acked once Kafka took it");
    assert.equal(sink.sent.length, 1);
    assert.equal(sink.sent.flat().filter((record) => record.topic === "dlq").length, 0, "not dead-lettered");
    assert.equal(metrics.unexpectedErrors.get({ stage: "produce" }), 3, "counted on every occurrence");
    const reports = lines.filter((line) => line.level === "error" && line.stage === "produce");
    assert.equal(reports.length, 3, "logged at error level on every occurrence");
    assert.match(String(reports[0]!.error), /TypeError: cannot read properties/);
    assert.match(String(reports[0]!.stack), /pipeline\.test\.ts/, "where it was thrown");
  });

  it("on shutdown, a batch stuck on an unknown produce error is nacked, not acked", async () => {
    const bug: RecordSink = {
      send: async () => {
        throw new RangeError("bug");
      },
      checkRecordSize: () => undefined,
    };
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p, metrics } = pipeline(bug);
    p.deliver([message("m1", { tenant: "t1", kver: 1, id: "e1" }, settled)]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await p.drain();
    assert.deepEqual(settled.acks, []);
    assert.deepEqual(settled.nacks, ["m1"]);
    assert.ok(metrics.unexpectedErrors.get({ stage: "produce" }) >= 1);
  });

  it("retries unknown key-load errors, reporting each key's failure, then proceeds", async () => {
    let calls = 0;
    const sink = new FakeSink();
    const settled: Settled = { acks: [], nacks: [] };
    const { log, lines } = capturingLogger();
    const { pipeline: p, metrics } = pipeline(
      sink,
      {
        keys: {
          peek: () => undefined,
          load: async () => {
            calls++;
            // Two keys per attempt; both fail in the first two attempts.
            if (calls <= 4) throw new TypeError("keyring bug");
            return key;
          },
        },
      },
      log,
    );
    await p.process([
      message("a", { tenant: "t1", kver: 1, id: "e1" }, settled),
      message("b", { tenant: "t2", kver: 1, id: "e2" }, settled),
    ]);
    assert.deepEqual(settled.acks, ["a", "b"]);
    assert.equal(sink.sent.flat().filter((record) => record.topic === "dlq").length, 0, "not dead-lettered");
    assert.equal(metrics.unexpectedErrors.get({ stage: "key" }), 4, "one per key and attempt");
    assert.equal(metrics.retries.get({ stage: "key" }), 2);
    assert.equal(lines.filter((line) => line.level === "error" && line.stage === "key").length, 4);
  });

  it("retries transient key loads, then dead-letters permanent ones only", async () => {
    let calls = 0;
    const sink = new FakeSink();
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p, metrics } = pipeline(sink, {
      keys: {
        peek: () => undefined,
        load: async (tenant) => {
          calls++;
          if (calls <= 2) throw new KeyServiceUnavailableError("KMS throttled");
          if (tenant === "gone") throw new PermanentError("UnknownTenant", "gone");
          return key;
        },
      },
    });
    await p.process([
      message("a", { tenant: "t1", kver: 1, id: "e1" }, settled),
      message("b", { tenant: "t1", kver: 1, id: "e2" }, settled),
      message("c", { tenant: "gone", kver: 1, id: "e3" }, settled),
    ]);
    assert.deepEqual(settled.acks, ["a", "b", "c"]);
    assert.equal(metrics.unexpectedErrors.get({ stage: "key" }), 0, "a known transient class is expected");
    const records = sink.sent.flat();
    assert.equal(records.filter((record) => record.topic === "dlq").length, 1);
    assert.equal(records.filter((record) => record.topic !== "dlq").length, 2);
  });

  it("keeps a key found in the cache even if the cache drops it while another key loads", async () => {
    let cached = true;
    const sink = new FakeSink();
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p } = pipeline(sink, {
      keys: {
        peek: (tenant) => (tenant === "warm" && cached ? key : undefined),
        load: async () => {
          cached = false; // e.g. the warm key's cache entry expires meanwhile
          await new Promise((resolve) => setTimeout(resolve, 5));
          return key;
        },
      },
    });
    await p.process([
      message("a", { tenant: "warm", kver: 1, id: "e1" }, settled),
      message("b", { tenant: "cold", kver: 1, id: "e2" }, settled),
    ]);
    assert.deepEqual(settled.acks, ["a", "b"]);
    assert.deepEqual(
      sink.sent.flat().map((record) => record.topic),
      [orderPlacedTopic.topic, orderPlacedTopic.topic],
      "both mapped, neither dead-lettered",
    );
  });

  it("dead-letters the records Kafka refused for good and sends the rest again", async () => {
    const sink = new FakeSink();
    sink.permanent = new KafkaPermanentError(
      "refused",
      [{ index: 1, error: new PermanentError("RecordTooLarge", "record of 3000000 bytes exceeds max.message.bytes") }],
      true,
    );
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p } = pipeline(sink);
    await p.process([
      message("a", { tenant: "t1", kver: 1, id: "e1" }, settled),
      message("b", { tenant: "t2", kver: 1, id: "e2" }, settled),
    ]);
    assert.deepEqual(settled.acks, ["a", "b"]);
    const records = sink.sent.flat();
    const dead = records.filter((record) => record.topic === "dlq");
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.headers!.get(dlqHeader.sourceMessageId), "b");
    assert.equal(dead[0]!.headers!.get(dlqHeader.tenant), "t2", "the tenant is attributed even though the sink did not know it");
  });

  it("after a send that failed only for the dead-letter topic, retries send only what was not written", async () => {
    const sink = new PartlyWritingSink("dlq", 2);
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p, metrics } = pipeline(sink);
    await p.process([
      message("a", { tenant: "t1", kver: 1, id: "e1", outputs: 2 }, settled),
      message("env", { tenant: "bad-envelope", kver: 1, id: "e2" }, settled),
      message("b", { tenant: "t2", kver: 1, id: "e3" }, settled),
    ]);
    assert.deepEqual(sink.attempts, [4, 1, 1], "3 catalog records + 1 dead letter, then the dead letter alone, twice");
    assert.equal(new Set(sink.written).size, sink.written.length, "no record written twice");
    assert.equal(sink.written.filter((record) => record.topic === "dlq").length, 1);
    assert.equal(sink.written.length, 4);
    assert.deepEqual(settled.acks, ["a", "env", "b"]);
    assert.equal(metrics.produced.get(), 3);
    assert.equal(metrics.retries.get({ stage: "produce" }), 2);
  });

  it("a refusal that also lists written records: the next round sends neither those nor the refused one", async () => {
    const sink = new FakeSink();
    // Records 0 and 2 written, record 1 refused: only b's dead letter is left to send.
    sink.permanent = new KafkaPermanentError(
      "refused",
      [{ index: 1, error: new PermanentError("RecordTooLarge", "record of 3000000 bytes exceeds max.message.bytes") }],
      false,
      { written: [0, 2] },
    );
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p } = pipeline(sink);
    await p.process([
      message("a", { tenant: "t1", kver: 1, id: "e1" }, settled),
      message("b", { tenant: "t2", kver: 1, id: "e2" }, settled),
      message("c", { tenant: "t3", kver: 1, id: "e3" }, settled),
    ]);
    assert.deepEqual(
      sink.sent.map((send) => send.map((record) => record.topic)),
      [["dlq"]],
    );
    assert.deepEqual(settled.acks, ["a", "b", "c"]);
  });

  it("releases a message whose dead-letter record Kafka refuses; its batch-mates are produced and acked", async () => {
    // Kafka refuses every record of message "env" (its dead letter is larger than the DLQ's limit).
    const sink = new RefusingSink((record) => record.key === "env");
    const settled: Settled = { acks: [], nacks: [] };
    const { log, lines } = capturingLogger();
    const { pipeline: p, metrics } = pipeline(sink, undefined, log);
    await p.process([
      message("a", { tenant: "t1", kver: 1, id: "e1" }, settled),
      message("env", { tenant: "bad-envelope", kver: 1, id: "e2", secret: "s3cr3t" }, settled),
      message("b", { tenant: "t2", kver: 1, id: "e3" }, settled),
    ]);
    assert.equal(sink.attempts, 2, "one refused send, one without the refused record: no loop");
    assert.deepEqual(
      sink.sent.flat().map((record) => record.topic),
      [orderPlacedTopic.topic, orderPlacedTopic.topic],
      "the healthy records are produced",
    );
    assert.deepEqual(settled.acks, ["a", "b"]);
    assert.deepEqual(settled.nacks, ["env"], "released to the source, whose redrive policy takes it");
    assert.equal(metrics.deadLetterRefused.get(), 1);
    assert.equal(metrics.acked.get(), 2);
    assert.equal(metrics.nacked.get(), 1);
    assert.equal(metrics.deadLettered.sum({ stage: "envelope", error_class: "MalformedEnvelope" }), 0, "not dead-lettered");
    const report = lines.find((line) => line.level === "error" && line.messageId === "env");
    assert.ok(report, "logged at error level with the message id");
    assert.equal(report.source, "sqs:test-queue");
    assert.equal(report.errorClass, "MalformedEnvelope");
    assert.equal(report.refusedWith, "RecordTooLarge");
    assert.ok(!lines.some((line) => JSON.stringify(line).includes("s3cr3t")), "no body in the logs");
  });

  it("a catalog record refused, then its dead letter refused too: released after two refusals", async () => {
    // Message "big" has two outputs, both refused; its dead letter (key "big") is refused as well.
    const sink = new RefusingSink((record) => record.key === "big" || record.key === "t1/e9");
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p, metrics } = pipeline(sink);
    await p.process([
      message("big", { tenant: "t1", kver: 1, id: "e9", outputs: 2 }, settled),
      message("a", { tenant: "t2", kver: 1, id: "e1" }, settled),
    ]);
    assert.equal(sink.attempts, 3);
    assert.deepEqual(settled.acks, ["a"]);
    assert.deepEqual(settled.nacks, ["big"]);
    assert.equal(metrics.deadLetterRefused.get(), 1);
  });

  it("two refused catalog records of one message make one dead letter, not a release", async () => {
    const sink = new RefusingSink((record) => record.key === "t1/e9");
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p, metrics } = pipeline(sink);
    await p.process([message("big", { tenant: "t1", kver: 1, id: "e9", outputs: 2 }, settled)]);
    assert.deepEqual(settled.acks, ["big"]);
    assert.equal(metrics.deadLetterRefused.get(), 0);
    assert.equal(sink.sent.flat().filter((record) => record.topic === "dlq").length, 1);
  });

  it("on shutdown, stops retrying and nacks: nothing acked that Kafka did not take", async () => {
    const sink = new FakeSink();
    sink.failures = Number.POSITIVE_INFINITY;
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p } = pipeline(sink);
    p.deliver([message("m1", { tenant: "t1", kver: 1, id: "e1" }, settled)]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await p.drain();
    assert.deepEqual(settled.acks, []);
    assert.deepEqual(settled.nacks, ["m1"]);
  });

  it("counts per source: received, redeliveries, acked, nacked, latency, dead letters; decrypt failures by tenant", async () => {
    const sink = new FakeSink();
    const settled: Settled = { acks: [], nacks: [] };
    const { pipeline: p, metrics } = pipeline(sink, {
      decrypt: (envelope) => {
        if (envelope.tenant === "tampered")
          throw new PermanentError("AuthenticationFailed", "tag mismatch", { tenant: "tampered" });
        return Buffer.from(envelope.plaintext);
      },
    });
    const other = (id: string, body: Record<string, unknown>): SourceMessage => ({
      ...message(id, body, settled),
      source: "pubsub:orders-sub",
      receiveCount: 1,
    });
    await p.process([
      message("m1", { tenant: "t1", kver: 1, id: "e1" }, settled),
      message("m2", { tenant: "tampered", kver: 1, id: "e2" }, settled),
      other("m3", { tenant: "t1", kver: 1, id: "e3" }),
    ]);
    const sqs = metrics.sources.forSource("sqs:test-queue").series;
    const pubsub = metrics.sources.forSource("pubsub:orders-sub").series;
    assert.deepEqual([sqs.received, sqs.redeliveries, sqs.acked, sqs.latency.count], [2, 2, 2, 2]);
    assert.deepEqual([pubsub.received, pubsub.redeliveries, pubsub.acked], [1, 0, 1], "receive count 1: no redelivery");
    assert.equal(
      metrics.deadLettered.get({ source: "sqs/test-queue", stage: "decrypt", error_class: "AuthenticationFailed" }),
      1,
    );
    assert.equal(metrics.decryptFailures.get({ tenant: "tampered" }), 1);
    assert.equal(metrics.acked.get(), 3, "the total sums over the sources");

    sink.failures = 1;
    const stopping = p.process([other("m4", { tenant: "t1", kver: 1, id: "e4" })]);
    await p.drain();
    await stopping;
    assert.equal(pubsub.nacked, 1);
    assert.equal(metrics.nacked.get(), 1);
  });
});
