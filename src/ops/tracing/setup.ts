// Tracing from the configuration: off (undefined) unless `tracing` is set. OpenTelemetry's
// modules are imported only then, so a bridge without tracing neither loads nor runs them.
import type { BatchTracer } from "./batch-tracer.ts";

export interface TracingSettings {
  /** OTLP/HTTP traces endpoint, e.g. http://otel-collector:4318/v1/traces. */
  readonly endpoint: string;
  readonly serviceName: string;
  readonly sampleRatio: number;
}

export async function createTracing(settings: TracingSettings | undefined): Promise<BatchTracer | undefined> {
  if (settings === undefined) return undefined;
  const [{ OtelBatchTracer }, { OTLPTraceExporter }] = await Promise.all([
    import("./otel-tracer.ts"),
    import("@opentelemetry/exporter-trace-otlp-http"),
  ]);
  return new OtelBatchTracer({
    serviceName: settings.serviceName,
    sampleRatio: settings.sampleRatio,
    exporter: new OTLPTraceExporter({ url: settings.endpoint }),
    batching: true,
  });
}
