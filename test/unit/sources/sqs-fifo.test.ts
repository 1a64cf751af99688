// FIFO queues through SqsSource, against an in-memory SQS that keeps FIFO's rules (a group's
// messages in order, none of a group while one is in flight): one message of a group in the
// pipeline at a time, a nack sending the group's held messages back with it, and, through the
// real pipeline, a transient Kafka failure holding its group while a dead letter does not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { orderPlacedTopic } from "../../../catalog/topics.ts";
import type { CatalogEvent, LegacyEvent } from "../../../src/mapping/mapper.ts";
import { silentLogger } from "../../../src/ops/log.ts";
import { BridgeMetrics } from "../../../src/ops/metrics.ts";
import { InFlightBudget } from "../../../src/pipeline/budget.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { Pipeline } from "../../../src/pipeline/pipeline.ts";
import type { OutRecord, RecordSink } from "../../../src/pipeline/records.ts";
import type { EnvelopeIdentity, PipelineStages } from "../../../src/pipeline/stages.ts";
import { KafkaSendError } from "../../../src/sink/errors.ts";
import type { SourceMessage } from "../../../src/sources/source.ts";
import { SqsSource } from "../../../src/sources/sqs/sqs-source.ts";
import { FakeSqs } from "../../support/fake-sqs.ts";
import { startWith } from "../../support/source-context.ts";

const until = async (what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

function fifoSource(fake: FakeSqs, queueUrl: string, receivers = 2): SqsSource {
  return new SqsSource(
    fake as unknown as SQSClient,
    { queueUrl, receivers, waitTimeSeconds: 20, visibilityTimeoutSeconds: 30 },
    silentLogger,
  );
}

describe("SqsSource on a FIFO queue", () => {
  it("delivers one message of a group at a time, the next once it is acked; groups in parallel", async () => {
    const fake = new FakeSqs();
    const url = fake.createQueue("orders.fifo");
    for (let n = 0; n < 3; n++) fake.put(url, `a${n}`, "a");
    fake.put(url, "b0", "b");
    const delivered: SourceMessage[] = [];
    const sqs = fifoSource(fake, url);
    await startWith(sqs, new InFlightBudget(100, 1 << 20), (batch) => delivered.push(...batch));
    await until("a0 and b0", () => delivered.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      delivered.map((m) => m.body),
      ["a0", "b0"],
      "a1 and a2 were received with a0 but wait behind it",
    );
    assert.equal(delivered[0]!.orderingKey, "a", "the message group is the ordering key");
    assert.equal(sqs.stats.held, 2);
    delivered[0]!.ack();
    await until("a1", () => delivered.length === 3);
    assert.equal(delivered[2]!.body, "a1");
    delivered[2]!.ack();
    await until("a2", () => delivered.length === 4);
    assert.equal(delivered[3]!.body, "a2");
    for (const message of delivered) message.ack();
    await sqs.stop();
    assert.equal(fake.depth(url), 0);
  });

  it("a nack releases the group's held messages too, and the group comes back in order", async () => {
    const fake = new FakeSqs();
    const url = fake.createQueue("orders.fifo");
    for (let n = 0; n < 3; n++) fake.put(url, `a${n}`, "a");
    const bodies: string[] = [];
    let nacked = false;
    const sqs = fifoSource(fake, url);
    await startWith(sqs, new InFlightBudget(100, 1 << 20), (batch) => {
      for (const message of batch) {
        bodies.push(message.body as string);
        // The first a0 fails transiently; every later delivery succeeds.
        if (message.body === "a0" && !nacked) {
          nacked = true;
          setTimeout(() => message.nack(), 10);
        } else setTimeout(() => message.ack(), 10);
      }
    });
    await until("all deleted", () => fake.depth(url) === 0);
    await sqs.stop();
    assert.deepEqual(fake.released, ["m0", "m1", "m2"], "a0 released, and a1, a2 (held behind it) with it");
    assert.deepEqual(bodies, ["a0", "a0", "a1", "a2"], "nothing of the group delivered ahead of the redelivered a0");
  });

  it("stop() gives held messages back without delivering them", async () => {
    const fake = new FakeSqs();
    const url = fake.createQueue("orders.fifo");
    for (let n = 0; n < 3; n++) fake.put(url, `a${n}`, "a");
    const delivered: SourceMessage[] = [];
    const sqs = fifoSource(fake, url);
    const budget = new InFlightBudget(100, 1 << 20);
    await startWith(sqs, budget, (batch) => delivered.push(...batch));
    await until("a0", () => delivered.length === 1);
    const stopping = sqs.stop();
    delivered[0]!.ack();
    await stopping;
    assert.deepEqual(
      delivered.map((m) => m.body),
      ["a0"],
    );
    assert.deepEqual(fake.deleted, ["m0"]);
    assert.deepEqual(fake.released.sort(), ["m1", "m2"]);
    assert.equal(budget.messages, 0);
  });

  it("a standard queue's messages carry no ordering key and are not held", async () => {
    const fake = new FakeSqs();
    const url = fake.createQueue("orders");
    for (let n = 0; n < 3; n++) fake.put(url, `a${n}`, "a");
    const delivered: SourceMessage[] = [];
    const sqs = fifoSource(fake, url);
    await startWith(sqs, new InFlightBudget(100, 1 << 20), (batch) => delivered.push(...batch));
    await until("all three at once", () => delivered.length === 3);
    assert.equal(delivered[0]!.orderingKey, undefined);
    for (const message of delivered) message.ack();
    await sqs.stop();
  });
});

// --- through the real pipeline --------------------------------------------------------------

interface Plain extends EnvelopeIdentity {
  readonly body: string;
}

/** Body "group:sequence", or "group:sequence:poison" for a message whose mapper fails for good. */
const stages: PipelineStages<Plain> = {
  readEnvelope: (message) => {
    const body = String(message.body);
    return { envelope: { tenant: "t", keyVersion: 1, eventId: body, body }, traceparent: undefined };
  },
  keys: { peek: () => undefined, load: async () => ({}) as never },
  decrypt: (envelope) => Buffer.from(envelope.body),
  parse: (plaintext): LegacyEvent => ({ type: "thing", version: 1, id: plaintext.toString(), body: {} }),
  map: (event): CatalogEvent[] => {
    if (event.id.endsWith(":poison")) throw new PermanentError("MapperFailed", `mapper failed on ${event.id}`);
    return [
      {
        topic: orderPlacedTopic.topic,
        schema: orderPlacedTopic.schema,
        message: { $typeName: orderPlacedTopic.schema.typeName } as never,
        key: event.id.split(":")[0]!,
        type: "com.example.thing.v1",
        time: "2026-01-01T00:00:00.000Z",
        // "group:sequence", so the sink can tell what it was given.
        subject: event.id,
      },
    ];
  },
  encode: () => Buffer.from([0, 0, 0, 0, 1, 0]),
};

/** Fails every third send (transiently); keeps "group:sequence" of each catalog record written, in order. */
class FlakySink implements RecordSink {
  readonly produced: string[] = [];
  failures = 0;
  #sends = 0;
  async send(records: readonly OutRecord[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (++this.#sends % 3 === 0) {
      this.failures++;
      throw new KafkaSendError("broker unreachable (injected)");
    }
    for (const record of records) if (record.topic !== "dlq") this.produced.push(String(record.headers?.get("ce_subject")));
  }
  checkRecordSize(): PermanentError | undefined {
    return undefined;
  }
}

describe("SqsSource on a FIFO queue, through the pipeline", () => {
  it("transient Kafka failures hold their group (never overtaken); a dead letter does not block it", async () => {
    const fake = new FakeSqs();
    const url = fake.createQueue("events.fifo");
    const GROUPS = 5;
    const PER_GROUP = 30;
    for (let sequence = 0; sequence < PER_GROUP; sequence++) {
      for (let g = 0; g < GROUPS; g++) {
        const poison = sequence === 10 && g % 2 === 0;
        fake.put(url, `g${g}:${sequence}${poison ? ":poison" : ""}`, `g${g}`);
      }
    }
    const sink = new FlakySink();
    const metrics = new BridgeMetrics();
    const pipeline = new Pipeline(
      stages,
      sink,
      { deadLetterTopic: "dlq", backoff: { initialMs: 1, maxMs: 5 } },
      metrics,
      silentLogger,
    );
    const sqs = fifoSource(fake, url, 4);
    await startWith(sqs, new InFlightBudget(1000, 1 << 24), pipeline.deliver);
    await until("every message deleted", () => fake.depth(url) === 0, 20_000);
    await sqs.stop();
    await pipeline.drain();
    assert.ok(sink.failures >= 3, `failures were injected (${sink.failures})`);
    assert.equal(
      metrics.deadLettered.sum({ stage: "map", error_class: "MapperFailed" }),
      3,
      "the three poison messages dead-lettered",
    );
    const order = new Map<string, number[]>();
    for (const produced of sink.produced) {
      const [group, sequence] = produced.split(":");
      order.set(group!, [...(order.get(group!) ?? []), Number(sequence)]);
    }
    for (let g = 0; g < GROUPS; g++) {
      const expected = Array.from({ length: PER_GROUP }, (_, sequence) => sequence).filter(
        (sequence) => !(sequence === 10 && g % 2 === 0),
      );
      assert.deepEqual(order.get(`g${g}`), expected, `group g${g} produced in order, nothing lost or repeated`);
    }
  });
});
