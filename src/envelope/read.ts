// The pipeline's envelope stage: from whatever carries it (an SQS body, raw or an SNS
// notification, or Pub/Sub data) to the parsed legacy envelope, plus the trace context.
import type { SourceMessage } from "../sources/source.ts";
import { type LegacyEnvelope, parseLegacyEnvelope } from "./legacy-envelope.ts";
import { unwrapSqsBody } from "./sqs-body.ts";

export interface ReadEnvelope {
  readonly envelope: LegacyEnvelope;
  readonly traceparent: string | undefined;
}

// Where a W3C traceparent may travel: our own attribute, or the Pub/Sub client's.
const TRACE_ATTRIBUTES = ["traceparent", "googclient_traceparent"] as const;

function traceparentOf(attributes: Readonly<Record<string, string>> | undefined): string | undefined {
  if (attributes === undefined) return undefined;
  for (const name of TRACE_ATTRIBUTES) {
    const value = attributes[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

export function readEnvelope(message: SourceMessage): ReadEnvelope {
  if (message.bodyKind === "pubsub") {
    return { envelope: parseLegacyEnvelope(message.body), traceparent: traceparentOf(message.attributes) };
  }
  const unwrapped = unwrapSqsBody(message.body);
  return {
    envelope: parseLegacyEnvelope(unwrapped.payload),
    traceparent: traceparentOf(message.attributes) ?? traceparentOf(unwrapped.snsAttributes),
  };
}
