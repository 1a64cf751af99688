// OpenTelemetry messaging semantic conventions (v1.x "messaging.*") for the bridge's spans.
import type { Attributes } from "@opentelemetry/api";

/** A SourceMessage's `source` is "sqs:<queue name>" or "pubsub:<subscription>". */
const SYSTEMS: Readonly<Record<string, string>> = { sqs: "aws_sqs", pubsub: "gcp_pubsub" };

export interface SourceDescription {
  readonly system: string;
  readonly name: string;
}

export function describeSource(source: string): SourceDescription {
  const colon = source.indexOf(":");
  const kind = colon < 0 ? source : source.slice(0, colon);
  return { system: SYSTEMS[kind] ?? kind, name: colon < 0 ? source : source.slice(colon + 1) };
}

export function processAttributes(source: SourceDescription, messages: number): Attributes {
  return {
    "messaging.system": source.system,
    "messaging.operation.type": "process",
    "messaging.operation.name": "process",
    // SQS: the queue. Pub/Sub: the subscription (the topic is not known to a subscriber).
    [source.system === "gcp_pubsub" ? "messaging.destination.subscription.name" : "messaging.destination.name"]: source.name,
    "messaging.batch.message_count": messages,
  };
}

export function sendAttributes(topic: string | undefined, records: number): Attributes {
  const attributes: Attributes = {
    "messaging.system": "kafka",
    "messaging.operation.type": "send",
    "messaging.operation.name": "send",
    "messaging.batch.message_count": records,
  };
  if (topic !== undefined) attributes["messaging.destination.name"] = topic;
  return attributes;
}

export function createAttributes(topic: string): Attributes {
  return {
    "messaging.system": "kafka",
    "messaging.operation.type": "create",
    "messaging.operation.name": "create",
    "messaging.destination.name": topic,
  };
}

export function receiveAttributes(source: SourceDescription): Attributes {
  return {
    "messaging.system": source.system,
    "messaging.operation.type": "receive",
    "messaging.operation.name": "receive",
    [source.system === "gcp_pubsub" ? "messaging.destination.subscription.name" : "messaging.destination.name"]: source.name,
  };
}
