// The pipeline's envelope stage: each message's source kind reads its legacy envelope (see
// EnvelopeReader in src/sources/source.ts); this stage only asks it, and knows no source kind.
import type { SourceMessage } from "../sources/source.ts";
import type { LegacyEnvelope } from "./legacy-envelope.ts";
import { isW3cTraceparent, traceparentFromXray } from "./traceparent.ts";

export interface ReadEnvelope {
  readonly envelope: LegacyEnvelope;
  readonly traceparent: string | undefined;
}

// Where a W3C traceparent may travel: our own attribute, or the Pub/Sub client's.
const TRACE_ATTRIBUTES = ["traceparent", "googclient_traceparent"] as const;

/**
 * The first well-formed W3C traceparent among transport attributes, for the source kinds'
 * readers; a malformed one is ignored, never copied into records.
 */
export function traceparentOf(attributes: Readonly<Record<string, string>> | undefined): string | undefined {
  if (attributes === undefined) return undefined;
  for (const name of TRACE_ATTRIBUTES) {
    const value = attributes[name];
    if (value !== undefined && isW3cTraceparent(value)) return value;
  }
  return undefined;
}

/**
 * The trace an SQS AWSTraceHeader system attribute (X-Ray) names, as a W3C traceparent: the last
 * resort after W3C attributes, which the producer set on purpose.
 */
export function xrayTraceparentOf(attributes: Readonly<Record<string, string>>): string | undefined {
  const header = attributes.AWSTraceHeader;
  return header === undefined ? undefined : traceparentFromXray(header);
}

export function readEnvelope(message: SourceMessage): ReadEnvelope {
  return message.reader.read(message);
}
