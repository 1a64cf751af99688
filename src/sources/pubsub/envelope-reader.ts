// Pub/Sub carries the legacy envelope as the message data; the trace context is an attribute.
import { parseLegacyEnvelope } from "../../envelope/legacy-envelope.ts";
import { traceparentOf } from "../../envelope/read.ts";
import type { EnvelopeReader } from "../source.ts";

export const pubsubEnvelopeReader: EnvelopeReader = {
  bodyKind: "pubsub",
  read(message) {
    return { envelope: parseLegacyEnvelope(message.body), traceparent: traceparentOf(message.attributes) };
  },
};
