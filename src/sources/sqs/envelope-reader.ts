// SQS carries the legacy envelope as its body: the published string itself (SNS raw delivery)
// or inside an SNS notification, whose message attributes may hold the trace context; SQS's own
// AWSTraceHeader (X-Ray) is the last resort.
import { parseLegacyEnvelope } from "../../envelope/legacy-envelope.ts";
import { traceparentOf, xrayTraceparentOf } from "../../envelope/read.ts";
import { unwrapSqsBody } from "../../envelope/sqs-body.ts";
import type { EnvelopeReader } from "../source.ts";

export const sqsEnvelopeReader: EnvelopeReader = {
  bodyKind: "sqs",
  read(message) {
    const unwrapped = unwrapSqsBody(message.body);
    return {
      envelope: parseLegacyEnvelope(unwrapped.payload),
      traceparent:
        traceparentOf(message.attributes) ?? traceparentOf(unwrapped.snsAttributes) ?? xrayTraceparentOf(message.attributes),
    };
  },
};
