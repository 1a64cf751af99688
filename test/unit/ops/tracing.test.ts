// Traces with OpenTelemetry's in-memory exporter: a process span per batch, a send span under
// it, a create span per record continuing its source message's trace (whose context the
// record's traceparent then carries), sampling honoured, and nothing of a payload in a span.
import assert from "node:assert/strict";
import { createSecretKey } from "node:crypto";
import { describe, it } from "node:test";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { orderPlacedTopic } from "../../../catalog/topics.ts";
import { silentLogger } from "../../../src/ops/log.ts";
import { BridgeMetrics } from "../../../src/ops/metrics.ts";
import { OtelBatchTracer } from "../../../src/ops/tracing/otel-tracer.ts";
import { tracedSqsDataPlane, tracedSubscriberApi } from "../../../src/ops/tracing/traced-receives.ts";
import { Pipeline } from "../../../src/pipeline/pipeline.ts";
import type { OutRecord, RecordSink } from "../../../src/pipeline/records.ts";
import type { EnvelopeIdentity, PipelineStages } from "../../../src/pipeline/stages.ts";
import { KafkaSendError } from "../../../src/sink/errors.ts";
import { pubsubEnvelopeReader } from "../../../src/sources/pubsub/envelope-reader.ts";
import type { SubscriberApi } from "../../../src/sources/pubsub/subscriber-api.ts";
import type { SourceMessage } from "../../../src/sources/source.ts";
import type { SqsDataPlane, SqsReceivedMessage } from "../../../src/sources/sqs/data-plane/data-plane.ts";
import { sqsEnvelopeReader } from "../../../src/sources/sqs/envelope-reader.ts";

const key = createSecretKey(Buffer.alloc(32, 1));
const SECRET = "canary-plaintext-7f3a";

const stages: PipelineStages<EnvelopeIdentity> = {
  readEnvelope: (message) => {
    const body = JSON.parse(String(message.body)) as { id: string; outputs?: number };
    return { envelope: { tenant: "t1", keyVersion: 1, eventId: body.id }, traceparent: message.attributes.traceparent };
  },
  keys: { peek: () => key, load: async () => key },
  decrypt: (_envelope) => Buffer.from(JSON.stringify({ secret: SECRET })),
  parse: (plaintext) => ({
    type: "thing",
    version: 1,
    id: "x",
    body: JSON.parse(plaintext.toString()) as Record<string, unknown>,
  }),
  map: (_event, context) => [
    {
      topic: orderPlacedTopic.topic,
      schema: orderPlacedTopic.schema,
      message: { $typeName: orderPlacedTopic.schema.typeName } as never,
      key: `${context.tenant}/k`,
      type: "com.example.thing.v1",
      time: "2026-01-01T00:00:00.000Z",
    },
  ],
  encode: () => Buffer.from([0, 0, 0, 0, 1, 0]),
};

class MemorySink implements RecordSink {
  readonly sent: OutRecord[] = [];
  failures = 0;
  async send(records: readonly OutRecord[]): Promise<void> {
    if (this.failures-- > 0) throw new KafkaSendError("kafka unreachable");
    this.sent.push(...records);
  }
  checkRecordSize(): undefined {
    return undefined;
  }
}

function message(id: string, source: string, traceparent?: string): SourceMessage & { settled: Promise<string> } {
  let settle: (how: string) => void = () => {};
  const settled = new Promise<string>((resolve) => {
    settle = resolve;
  });
  return {
    id,
    source,
    reader: source.startsWith("pubsub:") ? pubsubEnvelopeReader : sqsEnvelopeReader,
    body: JSON.stringify({ id }),
    attributes: traceparent === undefined ? {} : { traceparent },
    receiveCount: 1,
    publishedAtMs: 0,
    ack: () => settle("ack"),
    nack: () => settle("nack"),
    settled,
  };
}

function traced(sampleRatio = 1) {
  const exporter = new InMemorySpanExporter();
  const tracer = new OtelBatchTracer({ serviceName: "meshbridge-test", sampleRatio, exporter, batching: false });
  const sink = new MemorySink();
  const pipeline = new Pipeline(
    stages,
    tracer.sink(sink),
    { deadLetterTopic: "dlq", backoff: { initialMs: 1, maxMs: 2 }, tracer },
    new BridgeMetrics(),
    silentLogger,
  );
  return { exporter, tracer, sink, pipeline };
}

/** The batch's spans end once its promise settles, just after its acks: wait for that turn. */
async function settledSpans(tracer: OtelBatchTracer): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await tracer.flush();
}

const upstream = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
const traceparentOf = (record: OutRecord): string => String(record.headers?.get("traceparent"));
const byName = (spans: ReadableSpan[], prefix: string) => spans.filter((span) => span.name.startsWith(prefix));

describe("tracing", () => {
  it("a batch: process span (a new trace, linked to upstream), send span under it, create spans continuing each upstream trace", async () => {
    const { exporter, tracer, sink, pipeline } = traced();
    const batch = [message("m1", "sqs:orders", upstream), message("m2", "sqs:orders", upstream), message("m3", "sqs:orders")];
    pipeline.deliver(batch);
    assert.deepEqual(await Promise.all(batch.map((m) => m.settled)), ["ack", "ack", "ack"]);
    await settledSpans(tracer);
    const spans = exporter.getFinishedSpans();

    const [process] = byName(spans, "process ");
    assert.ok(process, "a process span");
    assert.equal(process.name, "process orders");
    assert.equal(process.kind, SpanKind.CONSUMER);
    assert.equal(process.parentSpanContext, undefined, "a batch starts its own trace");
    assert.equal(process.attributes["messaging.system"], "aws_sqs");
    assert.equal(process.attributes["messaging.destination.name"], "orders");
    assert.equal(process.attributes["messaging.operation.type"], "process");
    assert.equal(process.attributes["messaging.batch.message_count"], 3);
    assert.deepEqual(
      process.links.map((link) => link.context.traceId),
      ["4bf92f3577b34da6a3ce929d0e0e4736"],
      "linked once to the upstream trace",
    );

    const [send] = byName(spans, "send ");
    assert.ok(send, "a send span");
    assert.equal(send.kind, SpanKind.PRODUCER);
    assert.equal(send.attributes["messaging.system"], "kafka");
    assert.equal(send.attributes["messaging.destination.name"], orderPlacedTopic.topic);
    assert.equal(send.attributes["messaging.batch.message_count"], 3);
    assert.equal(send.parentSpanContext?.spanId, process.spanContext().spanId);
    assert.equal(send.spanContext().traceId, process.spanContext().traceId);

    const creates = byName(spans, "create ");
    assert.equal(creates.length, 2, "one create span per record with an upstream context");
    for (const create of creates) {
      assert.equal(create.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
      assert.equal(create.parentSpanContext?.spanId, "00f067aa0ba902b7");
      assert.equal(create.links[0]?.context.spanId, send.spanContext().spanId);
    }

    assert.equal(sink.sent.length, 3);
    const [first, second, third] = sink.sent.map(traceparentOf);
    assert.deepEqual(
      [first, second].sort(),
      creates.map((create) => `00-${create.spanContext().traceId}-${create.spanContext().spanId}-01`).sort(),
      "each record carries its create span's context",
    );
    assert.equal(third, `00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`, "no upstream: the bridge's trace");
    for (const span of spans) assert.doesNotMatch(JSON.stringify(span.attributes), new RegExp(SECRET));
  });

  it("Pub/Sub: the subscription names the process span", async () => {
    const { exporter, tracer, pipeline } = traced();
    const batch = [message("p1", "pubsub:orders-sub", upstream)];
    pipeline.deliver(batch);
    await batch[0]!.settled;
    await settledSpans(tracer);
    const [process] = byName(exporter.getFinishedSpans(), "process ");
    assert.equal(process?.attributes["messaging.system"], "gcp_pubsub");
    assert.equal(process?.attributes["messaging.destination.subscription.name"], "orders-sub");
  });

  it("sampling: an unsampled upstream stays unsampled but still propagates; ratio 0 records no batch", async () => {
    const { exporter, tracer, sink, pipeline } = traced(0);
    const batch = [message("u1", "sqs:orders", unsampled), message("u2", "sqs:orders", upstream)];
    pipeline.deliver(batch);
    await Promise.all(batch.map((m) => m.settled));
    await settledSpans(tracer);
    const spans = exporter.getFinishedSpans();
    assert.equal(byName(spans, "process ").length, 0, "ratio 0: no batch span recorded");
    assert.deepEqual(
      byName(spans, "create ").map((span) => span.spanContext().traceId),
      ["4bf92f3577b34da6a3ce929d0e0e4736"],
      "a sampled upstream is recorded whatever the ratio (parent-based)",
    );
    const [fromUnsampled, fromSampled] = sink.sent.map(traceparentOf);
    assert.match(fromUnsampled!, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    assert.notEqual(fromUnsampled!.slice(36, 52), "b7ad6b7169203331", "a new span id, not the upstream's");
    assert.match(fromSampled!, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  });

  it("a failed send marks its span with the error's class only; the retry gets its own span", async () => {
    const { exporter, tracer, sink, pipeline } = traced();
    sink.failures = 1;
    const batch = [message("f1", "sqs:orders", upstream)];
    pipeline.deliver(batch);
    assert.equal(await batch[0]!.settled, "ack");
    await settledSpans(tracer);
    const sends = byName(exporter.getFinishedSpans(), "send ");
    assert.equal(sends.length, 2);
    const failed = sends.find((span) => span.status.code === SpanStatusCode.ERROR);
    assert.equal(failed?.status.message, "KafkaSendError");
    assert.equal(sends.filter((span) => span.status.code !== SpanStatusCode.ERROR).length, 1);
  });

  it("receive spans: one per SQS receive or Pub/Sub pull that returned messages, none for empty or aborted ones", async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new OtelBatchTracer({ serviceName: "meshbridge-test", sampleRatio: 1, exporter, batching: false });
    const answers: (readonly SqsReceivedMessage[] | Error)[] = [
      [{ MessageId: "a" }, { MessageId: "b" }],
      [],
      Object.assign(new Error("aborted"), { name: "AbortError" }),
      Object.assign(new Error("throttled"), { name: "ThrottlingException" }),
    ];
    const fake: SqsDataPlane = {
      receive: async () => {
        const next = answers.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      deleteBatch: async () => [],
      changeVisibilityBatch: async () => [],
    };
    const data = tracedSqsDataPlane(fake, tracer);
    const request = {
      queueUrl: "http://sqs.local/123/orders",
      maxMessages: 10,
      waitTimeSeconds: 0,
      visibilityTimeoutSeconds: 30,
      systemAttributes: [],
    };
    assert.equal((await data.receive(request)).length, 2);
    assert.equal((await data.receive(request)).length, 0);
    await assert.rejects(data.receive(request), { name: "AbortError" });
    await assert.rejects(data.receive(request), { name: "ThrottlingException" });
    const pulls = tracedSubscriberApi(
      { pull: async () => [{} as never, {} as never, {} as never] } as unknown as SubscriberApi,
      tracer,
    );
    assert.equal((await pulls.pull("projects/p/subscriptions/billing", 10)).length, 3);
    await tracer.flush();
    const receives = byName(exporter.getFinishedSpans(), "receive ");
    assert.deepEqual(
      receives.map((span) => [
        span.name,
        span.kind,
        span.attributes["messaging.system"],
        span.attributes["messaging.batch.message_count"] ?? null,
        span.status.code,
      ]),
      [
        ["receive orders", SpanKind.CLIENT, "aws_sqs", 2, SpanStatusCode.UNSET],
        ["receive orders", SpanKind.CLIENT, "aws_sqs", null, SpanStatusCode.ERROR],
        ["receive billing", SpanKind.CLIENT, "gcp_pubsub", 3, SpanStatusCode.UNSET],
      ],
    );
    assert.equal(receives[1]!.status.message, "ThrottlingException");
    assert.equal(receives[0]!.attributes["messaging.destination.name"], "orders");
    assert.equal(receives[2]!.attributes["messaging.destination.subscription.name"], "billing");
  });

  it("off: the pipeline without a tracer copies the upstream traceparent unchanged", async () => {
    const sink = new MemorySink();
    const pipeline = new Pipeline(
      stages,
      sink,
      { deadLetterTopic: "dlq", backoff: { initialMs: 1, maxMs: 2 } },
      new BridgeMetrics(),
      silentLogger,
    );
    const batch = [message("o1", "sqs:orders", upstream)];
    pipeline.deliver(batch);
    await batch[0]!.settled;
    assert.equal(traceparentOf(sink.sent[0]!), upstream);
  });
});
