// What tracing costs the pipeline, in-process, CPU µs per 1 KB legacy event: off (twice, to
// show the run's noise: the off path is one branch in Pipeline.deliver), and on with the
// production setup (BatchSpanProcessor) and an exporter that discards, so the figure is the
// spans' cost, not a collector's. A third of the messages carry a sampled upstream traceparent,
// as the simulator sends them. Off and on alternate, best of 3 each.
import { createCatalogRegistry } from "../catalog/index.ts";
import { openLegacyEnvelope } from "../src/crypto/decrypt.ts";
import type { LegacyEnvelope } from "../src/envelope/legacy-envelope.ts";
import { readEnvelope } from "../src/envelope/read.ts";
import { parseLegacyEvent } from "../src/mapping/parse.ts";
import { silentLogger } from "../src/ops/log.ts";
import { BridgeMetrics } from "../src/ops/metrics.ts";
import { OtelBatchTracer } from "../src/ops/tracing/otel-tracer.ts";
import { Pipeline } from "../src/pipeline/pipeline.ts";
import type { OutRecord, RecordSink } from "../src/pipeline/records.ts";
import { defaultBackoff } from "../src/pipeline/retry.ts";
import type { PipelineStages } from "../src/pipeline/stages.ts";
import type { SourceMessage } from "../src/sources/source.ts";
import { makeTraffic } from "./events.ts";
import { benchEncoder } from "./pipeline-cost.ts";

export interface TracingCost {
  readonly offUs: number;
  readonly offAgainUs: number;
  readonly onUs: number;
  /** on ÷ off, and off ÷ off again (the noise). */
  readonly onOverOff: number;
  readonly offNoise: number;
  readonly spansExported: number;
  readonly method: string;
}

class CountingSink implements RecordSink {
  records = 0;
  send(records: readonly OutRecord[]): Promise<void> {
    this.records += records.length;
    return Promise.resolve();
  }
  checkRecordSize(): undefined {
    return undefined;
  }
}

export async function measureTracingCost(iterations: number): Promise<TracingCost> {
  const pool = 5000;
  const traffic = makeTraffic(pool, 1024);
  const messages: SourceMessage[] = traffic.messages.map((message, index) =>
    index % 3 === 0 ? { ...message, attributes: { ...message.attributes, traceparent: traceparentFor(index) } } : message,
  );
  const registry = createCatalogRegistry("dead-letter");
  const encoder = benchEncoder();
  const stages: PipelineStages<LegacyEnvelope> = {
    readEnvelope,
    keys: traffic.keyring,
    decrypt: openLegacyEnvelope,
    parse: parseLegacyEvent,
    map: (event, context) => registry.map(event, context),
    encode: (event) => encoder.encode(event),
  };
  let exported = 0;
  const tracer = new OtelBatchTracer({
    serviceName: "meshbridge-bench",
    sampleRatio: 1,
    batching: true,
    exporter: {
      export: (spans, done) => {
        exported += spans.length;
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
    },
  });
  const sink = new CountingSink();
  const options = { deadLetterTopic: "mbbench.meshbridge.dlq", backoff: defaultBackoff };
  const off = new Pipeline(stages, sink, options, new BridgeMetrics(), silentLogger);
  const on = new Pipeline(stages, tracer.sink(sink), { ...options, tracer }, new BridgeMetrics(), silentLogger);
  const batches: SourceMessage[][] = [];
  for (let i = 0; i + 10 <= pool; i += 10) batches.push(messages.slice(i, i + 10));

  // As Pipeline.deliver runs a batch, awaited so that one batch at a time is measured.
  const runOff = async (n: number) => {
    for (let done = 0, b = 0; done < n; done += 10, b = (b + 1) % batches.length) await off.process(batches[b]!);
  };
  const runOn = async (n: number) => {
    for (let done = 0, b = 0; done < n; done += 10, b = (b + 1) % batches.length) {
      const batch = batches[b]!;
      await tracer.process(batch, () => on.process(batch));
    }
  };
  const cpu = async (run: (n: number) => Promise<void>): Promise<number> => {
    const start = process.cpuUsage();
    await run(iterations);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / iterations;
  };
  await runOff(5000);
  await runOn(5000);
  let offUs = Number.POSITIVE_INFINITY;
  let offAgainUs = Number.POSITIVE_INFINITY;
  let onUs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    offUs = Math.min(offUs, await cpu(runOff));
    onUs = Math.min(onUs, await cpu(runOn));
    offAgainUs = Math.min(offAgainUs, await cpu(runOff));
  }
  await tracer.shutdown();
  return {
    offUs,
    offAgainUs,
    onUs,
    onOverOff: onUs / offUs,
    offNoise: offAgainUs / offUs,
    spansExported: exported,
    method:
      "Pipeline.process over batches of 10 (1 KB events, a third with a sampled upstream traceparent), in-memory sink; off = no tracer (Pipeline.deliver's one branch), on = OtelBatchTracer with BatchSpanProcessor, sample ratio 1, an exporter that discards; off, on, off alternate, best of 3 each; process.cpuUsage().",
  };
}

function traceparentFor(index: number): string {
  return `00-${(index + 1).toString(16).padStart(32, "0")}-${"1".padStart(16, "0")}-01`;
}
