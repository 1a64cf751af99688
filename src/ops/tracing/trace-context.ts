// W3C traceparent text ↔ OpenTelemetry span contexts. The text reaching here was validated by
// isW3cTraceparent (src/envelope/traceparent.ts) before the pipeline copied it into a record.
import { type SpanContext, TraceFlags } from "@opentelemetry/api";

export function remoteSpanContext(traceparent: string): SpanContext {
  return {
    traceId: traceparent.slice(3, 35),
    spanId: traceparent.slice(36, 52),
    // Only the sampled bit is defined; the others are reserved and not carried on.
    traceFlags: Number.parseInt(traceparent.slice(53, 55), 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
}

export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags & TraceFlags.SAMPLED ? "01" : "00"}`;
}
