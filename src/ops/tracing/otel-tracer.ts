// Traces with OpenTelemetry, after the messaging semantic conventions: a `process` span per
// delivered batch (a new trace, linked to the producers' contexts its messages carried), a
// `send` span per Kafka send under it, and per catalog record a `create` span that continues
// its source message's trace, whose context the record's `traceparent` header then carries.
// Without an upstream context a record continues the bridge's own trace (its send span).
// The batch's span reaches the sink through AsyncLocalStorage: the pipeline passes no context.
import { AsyncLocalStorage } from "node:async_hooks";
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { OutRecord, RecordSink } from "../../pipeline/records.ts";
import type { SourceMessage } from "../../sources/source.ts";
import type { BatchTracer, ReceiveSource } from "./batch-tracer.ts";
import {
  createAttributes,
  describeSource,
  processAttributes,
  receiveAttributes,
  sendAttributes,
} from "./messaging-attributes.ts";
import { formatTraceparent, remoteSpanContext } from "./trace-context.ts";

export interface OtelTracerOptions {
  readonly serviceName: string;
  /** Share of new traces (batches) recorded; a record follows its upstream's sampled flag. */
  readonly sampleRatio: number;
  readonly exporter: SpanExporter;
  /** Export in batches (production) or span by span as they end (tests). */
  readonly batching: boolean;
  readonly version?: string;
}

const TRACEPARENT = "traceparent";

export class OtelBatchTracer implements BatchTracer {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;
  readonly #batch = new AsyncLocalStorage<Span>();

  constructor(options: OtelTracerOptions) {
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": options.serviceName, "service.version": options.version ?? "" }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
      spanProcessors: [
        options.batching
          ? new BatchSpanProcessor({ exporter: options.exporter })
          : new SimpleSpanProcessor({ exporter: options.exporter }),
      ],
    });
    this.#tracer = this.#provider.getTracer("meshbridge", options.version);
  }

  process(batch: readonly SourceMessage[], run: () => Promise<void>): Promise<void> {
    const source = describeSource(batch[0]?.source ?? "unknown");
    const span = this.#tracer.startSpan(
      `process ${source.name}`,
      { kind: SpanKind.CONSUMER, root: true, attributes: processAttributes(source, batch.length) },
      ROOT_CONTEXT,
    );
    return this.#batch.run(span, run).then(
      () => span.end(),
      (error: unknown) => {
        // Only the class: a bug's message may quote what it was processing.
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
        span.end();
        throw error;
      },
    );
  }

  async receive<T extends readonly unknown[]>(source: ReceiveSource, call: () => Promise<T>): Promise<T> {
    const span = this.#tracer.startSpan(
      `receive ${source.name}`,
      { kind: SpanKind.CLIENT, root: true, attributes: receiveAttributes(source) },
      ROOT_CONTEXT,
    );
    let result: T;
    try {
      result = await call();
    } catch (error) {
      // A receive cut short by shutdown is not a failure; it leaves no span, like an empty one.
      if (!(error instanceof Error && error.name === "AbortError")) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
        span.end();
      }
      throw error;
    }
    // Never ended, an empty receive's span is never exported (the SDK keeps nothing of it).
    if (result.length > 0) {
      span.setAttribute("messaging.batch.message_count", result.length);
      span.end();
    }
    return result;
  }

  sink(inner: RecordSink): RecordSink {
    return {
      send: (records) => this.#send(inner, records),
      checkRecordSize: (record) => inner.checkRecordSize(record),
    };
  }

  async #send(inner: RecordSink, records: readonly OutRecord[]): Promise<void> {
    const batchSpan = this.#batch.getStore();
    const parent = batchSpan === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, batchSpan);
    const topic =
      records.length > 0 && records.every((record) => record.topic === records[0]!.topic) ? records[0]!.topic : undefined;
    const send = this.#tracer.startSpan(
      topic === undefined ? "send" : `send ${topic}`,
      { kind: SpanKind.PRODUCER, attributes: sendAttributes(topic, records.length) },
      parent,
    );
    const sendContext = send.spanContext();
    const ownTraceparent = formatTraceparent(sendContext);
    const linked = new Set<string>();
    const traced = records.map((record) => {
      const upstream = record.headers?.get(TRACEPARENT);
      if (typeof upstream !== "string") return withTraceparent(record, ownTraceparent);
      const remote = remoteSpanContext(upstream);
      const create = this.#tracer.startSpan(
        `create ${record.topic}`,
        { kind: SpanKind.PRODUCER, attributes: createAttributes(record.topic), links: [{ context: sendContext }] },
        trace.setSpanContext(ROOT_CONTEXT, remote),
      );
      create.end();
      if (batchSpan !== undefined && !linked.has(upstream)) {
        linked.add(upstream);
        batchSpan.addLink({ context: remote });
      }
      return withTraceparent(record, formatTraceparent(create.spanContext()));
    });
    try {
      await inner.send(traced);
    } catch (error) {
      send.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
      throw error;
    } finally {
      send.end();
    }
  }

  /** Exports every ended span now (tests, and before a planned stop). */
  flush(): Promise<void> {
    return this.#provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}

/** The record with its traceparent replaced: a copy, because records are shared and immutable. */
function withTraceparent(record: OutRecord, traceparent: string): OutRecord {
  const headers = new Map(record.headers).set(TRACEPARENT, traceparent);
  return { topic: record.topic, key: record.key, value: record.value, headers };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
