// SqsSource against an in-memory SQS (the SDK client's send() answered per command): attributes
// kept, visibility extended while a message is in flight, deletes batched and sent only on ack,
// nack makes the message visible again, stop() waits for in-flight messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { silentLogger } from "../../../src/ops/log.ts";
import { InFlightBudget } from "../../../src/pipeline/budget.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { deadLetterRecord, dlqHeader } from "../../../src/pipeline/records.ts";
import type { SourceMessage } from "../../../src/sources/source.ts";
import { sqsEnvelopeReader } from "../../../src/sources/sqs/envelope-reader.ts";
import { SqsSource } from "../../../src/sources/sqs/sqs-source.ts";
import { startWith } from "../../support/source-context.ts";

class FakeSqs {
  readonly queue: Message[] = [];
  readonly deleted: string[] = [];
  readonly visibility: { handle: string; seconds: number }[] = [];
  deleteCalls = 0;

  async send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    if (command instanceof ReceiveMessageCommand) {
      const batch = this.queue.splice(0, command.input.MaxNumberOfMessages ?? 1);
      if (batch.length > 0) return { Messages: batch };
      // Long poll: wait until aborted (or a short while, like an empty 20 s poll).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        options?.abortSignal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (options?.abortSignal?.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
      return { Messages: [] };
    }
    if (command instanceof DeleteMessageBatchCommand) {
      this.deleteCalls++;
      for (const entry of command.input.Entries ?? []) this.deleted.push(entry.ReceiptHandle!);
      return { Successful: command.input.Entries, Failed: [] };
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      for (const entry of command.input.Entries ?? [])
        this.visibility.push({ handle: entry.ReceiptHandle!, seconds: entry.VisibilityTimeout! });
      return { Successful: command.input.Entries, Failed: [] };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }

  #next = 0;

  add(count: number): void {
    for (let i = 0; i < count; i++) {
      const n = this.#next++;
      this.queue.push({
        MessageId: `m${n}`,
        ReceiptHandle: `h${n}`,
        Body: `{"n":${n}}`,
        Attributes: { ApproximateReceiveCount: "3", SentTimestamp: "1700000000000" },
        MessageAttributes: { traceparent: { DataType: "String", StringValue: "00-abc-def-01" } },
      });
    }
  }
}

function source(fake: FakeSqs, visibilityTimeoutSeconds = 30) {
  return new SqsSource(
    fake as unknown as SQSClient,
    { queueUrl: "http://sqs/123/legacy-events", receivers: 2, waitTimeSeconds: 20, visibilityTimeoutSeconds },
    silentLogger,
  );
}

const until = async (what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe("SqsSource", () => {
  it("an attribute named __proto__ stays an ordinary attribute (and reaches the dead letter)", async () => {
    const fake = new FakeSqs();
    fake.queue.push({
      MessageId: "p1",
      ReceiptHandle: "hp1",
      Body: "{}",
      // As the SDK parses a response: "__proto__" is an own property.
      MessageAttributes: JSON.parse(
        '{"__proto__":{"DataType":"String","StringValue":"x"},"polluted":{"DataType":"String","StringValue":"y"}}',
      ),
    });
    // What the SDK really delivers for one (seen against ElasticMQ): the name without a value.
    fake.queue.push({
      MessageId: "p2",
      ReceiptHandle: "hp2",
      Body: "{}",
      MessageAttributes: JSON.parse('{"__proto__":null,"note":{"DataType":"String","StringValue":"z"}}'),
    });
    const delivered: SourceMessage[] = [];
    const sqs = source(fake);
    await startWith(sqs, new InFlightBudget(100, 1 << 20), (batch) => delivered.push(...batch));
    try {
      await until("delivered", () => delivered.length === 2);
      assert.equal(delivered[1]!.attributes.note, "z");
      assert.equal(Object.hasOwn(delivered[1]!.attributes, "__proto__"), false);
      const attributes = delivered[0]!.attributes;
      assert.equal(Object.getOwnPropertyDescriptor(attributes, "__proto__")?.value, "x");
      assert.equal(attributes.polluted, "y");
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      const dead = deadLetterRecord("dlq", delivered[0]!, new PermanentError("MalformedEnvelope", "x"));
      assert.equal(dead.headers?.get(`${dlqHeader.attributePrefix}__proto__`), "x");
    } finally {
      for (const message of delivered) message.ack();
      await sqs.stop();
    }
  });

  it("delivers batches with attributes, receive count and source name; deletes in batches only on ack", async () => {
    const fake = new FakeSqs();
    fake.add(25);
    const delivered: SourceMessage[] = [];
    const sqs = source(fake);
    await startWith(sqs, new InFlightBudget(100, 1 << 20), (batch) => delivered.push(...batch));
    await until("25 delivered", () => delivered.length === 25);
    const first = delivered[0]!;
    assert.equal(first.source, "sqs:legacy-events");
    assert.equal(first.reader, sqsEnvelopeReader, "every SQS message points at the SQS envelope reader");
    assert.equal(first.reader.bodyKind, "sqs");
    assert.equal(first.receiveCount, 3);
    assert.equal(first.publishedAtMs, 1700000000000);
    assert.equal(first.attributes.traceparent, "00-abc-def-01");
    assert.equal(first.body, '{"n":0}', "the body stays the text SQS delivered");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(fake.deleted.length, 0, "nothing deleted before ack");
    for (const message of delivered) message.ack();
    delivered[0]!.ack(); // a second ack is harmless
    await sqs.stop();
    assert.equal(fake.deleted.length, 25);
    assert.equal(new Set(fake.deleted).size, 25);
    assert.ok(fake.deleteCalls <= 4, `25 deletes in at most 4 batch calls, got ${fake.deleteCalls}`);
  });

  it("extends visibility while a message is in flight, and stop() waits for it", async () => {
    const fake = new FakeSqs();
    fake.add(3);
    const delivered: SourceMessage[] = [];
    const sqs = source(fake, 1); // 1 s visibility: extended every ~333 ms once half of it has passed
    await startWith(sqs, new InFlightBudget(100, 1 << 20), (batch) => delivered.push(...batch));
    await until("delivered", () => delivered.length === 3);
    await until("visibility extended", () => fake.visibility.filter((v) => v.handle === "h0").length >= 1, 4000);
    // Each extension doubles the lease (fewer calls during a long outage), up to 8 timeouts.
    assert.deepEqual(
      fake.visibility.filter((v) => v.handle === "h0").map((v) => v.seconds),
      [2],
    );
    let stopped = false;
    const stopping = sqs.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(stopped, false, "stop waits for in-flight messages");
    for (const message of delivered) message.ack();
    await stopping;
    assert.deepEqual(fake.deleted.sort(), ["h0", "h1", "h2"]);
  });

  it("nack makes a message visible again at once and frees the budget", async () => {
    const fake = new FakeSqs();
    fake.add(2);
    const budget = new InFlightBudget(100, 1 << 20);
    const delivered: SourceMessage[] = [];
    const sqs = source(fake, 30);
    await startWith(sqs, budget, (batch) => delivered.push(...batch));
    await until("delivered", () => delivered.length === 2);
    delivered[0]!.nack();
    delivered[1]!.ack();
    await sqs.stop();
    assert.deepEqual(fake.visibility, [{ handle: "h0", seconds: 0 }]);
    assert.deepEqual(fake.deleted, ["h1"]);
    assert.equal(budget.messages, 0);
    assert.equal(budget.bytes, 0);
  });

  it("charges the budget with the body's UTF-8 bytes (not its UTF-16 length) until settled", async () => {
    const fake = new FakeSqs();
    const body = '{"name":"Zoë €"}'; // 16 characters, 19 bytes
    fake.queue.push({ MessageId: "m0", ReceiptHandle: "h0", Body: body, Attributes: {} });
    const budget = new InFlightBudget(100, 1 << 20);
    const delivered: SourceMessage[] = [];
    const sqs = source(fake, 30);
    await startWith(sqs, budget, (batch) => delivered.push(...batch));
    await until("delivered", () => delivered.length === 1);
    assert.equal(delivered[0]!.body, body);
    assert.equal(budget.bytes, Buffer.byteLength(body));
    delivered[0]!.ack();
    await sqs.stop();
    assert.equal(budget.bytes, 0);
  });

  it("stop() cuts a receive back-off short instead of waiting it out", async () => {
    let receives = 0;
    const failing = {
      async send(command: unknown): Promise<unknown> {
        if (command instanceof ReceiveMessageCommand) {
          receives++;
          throw new Error("connect ECONNREFUSED 127.0.0.1:1");
        }
        throw new Error(`unexpected command ${String(command)}`);
      },
    };
    const sqs = new SqsSource(
      failing as unknown as SQSClient,
      { queueUrl: "http://sqs/123/legacy-events", receivers: 2, waitTimeSeconds: 20, visibilityTimeoutSeconds: 30 },
      silentLogger,
    );
    const budget = new InFlightBudget(100, 1 << 20);
    await startWith(sqs, budget, () => {});
    // Several failures in a row: the back-off has grown to seconds.
    await until("receives failing", () => receives >= 2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const started = performance.now();
    await sqs.stop();
    const stopMs = performance.now() - started;
    // The back-off is seconds long by now; a stop that waited for it would take that long.
    assert.ok(stopMs < 1000, `stop() took ${Math.round(stopMs)} ms during a receive back-off`);
    assert.equal(budget.messages, 0, "the back-off held no budget");
  });

  it("the context's signal (shutdown) ends receiving as stop() does", async () => {
    const fake = new FakeSqs();
    const sqs = source(fake);
    const shutdown = new AbortController();
    const budget = new InFlightBudget(100, 1 << 20);
    await startWith(sqs, budget, () => {}, shutdown.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    shutdown.abort();
    fake.add(5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(fake.queue.length, 5, "nothing received after the shutdown signal");
    await sqs.stop();
    assert.equal(budget.messages, 0);
  });

  it("stop(grace): when the grace period ends, unsettled messages are released (visibility 0), not deleted", async () => {
    const fake = new FakeSqs();
    fake.add(3);
    const delivered: SourceMessage[] = [];
    const sqs = source(fake);
    const budget = new InFlightBudget(100, 1 << 20);
    await startWith(sqs, budget, (batch) => delivered.push(...batch));
    await until("delivered", () => delivered.length === 3);
    delivered[0]!.ack();
    const grace = new AbortController();
    const stopping = sqs.stop(grace.signal);
    setTimeout(() => grace.abort(), 50);
    await stopping;
    assert.deepEqual(fake.deleted, ["h0"]);
    assert.deepEqual(fake.visibility.map((v) => `${v.handle}:${v.seconds}`).sort(), ["h1:0", "h2:0"]);
    delivered[1]!.ack(); // Kafka's late answer: already released, so not deleted
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(fake.deleted, ["h0"]);
    assert.equal(budget.messages, 0);
  });
});
