// Protobuf bytes of the google.pubsub.v1.Subscriber calls the source makes, written and read
// directly: Pull, Acknowledge and ModifyAckDeadline on the hot path, GetSubscription and
// ListSubscriptions for discovery. The generated client decodes
// every PullResponse into protobufjs objects and wraps each call in gax's retry machinery: about
// 0.3 ms of CPU and tens of KB of short-lived garbage per call, which with hundreds of idle
// subscriptions polled each second dominated the bridge's CPU and memory (docs/decisions/0006).
// Field numbers: googleapis google/pubsub/v1/pubsub.proto; unknown fields are skipped.
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { PulledMessage, SubscriptionInfo } from "./subscriber-api.ts";

export function encodePullRequest(subscription: string, maxMessages: number): Uint8Array {
  // subscription = 1, return_immediately = 2 (deprecated, still honoured), max_messages = 3.
  return new BinaryWriter().tag(1, 2).string(subscription).tag(2, 0).bool(true).tag(3, 0).int32(maxMessages).finish();
}

export function encodeAcknowledgeRequest(subscription: string, ackIds: readonly string[]): Uint8Array {
  const writer = new BinaryWriter().tag(1, 2).string(subscription);
  for (const ackId of ackIds) writer.tag(2, 2).string(ackId);
  return writer.finish();
}

export function encodeModifyAckDeadlineRequest(subscription: string, ackIds: readonly string[], seconds: number): Uint8Array {
  // subscription = 1, ack_deadline_seconds = 3, ack_ids = 4.
  const writer = new BinaryWriter().tag(1, 2).string(subscription).tag(3, 0).int32(seconds);
  for (const ackId of ackIds) writer.tag(4, 2).string(ackId);
  return writer.finish();
}

export function encodeGetSubscriptionRequest(subscription: string): Uint8Array {
  return new BinaryWriter().tag(1, 2).string(subscription).finish();
}

export function encodeListSubscriptionsRequest(project: string, pageSize: number, pageToken: string): Uint8Array {
  // project = 1 ("projects/<id>"), page_size = 2, page_token = 3.
  const writer = new BinaryWriter().tag(1, 2).string(project).tag(2, 0).int32(pageSize);
  if (pageToken !== "") writer.tag(3, 2).string(pageToken);
  return writer.finish();
}

export class PubSubDecodeError extends Error {
  override name = "PubSubDecodeError";
}

const EMPTY_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

/** A forward-only reader over one response; strings and bytes are views, never copies. */
class Reader {
  readonly buf: Buffer;
  pos: number;
  constructor(buf: Buffer, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  varint(): number {
    // Values here fit in 53 bits (lengths, counts, seconds since 1970); larger ones are refused.
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) throw new PubSubDecodeError("truncated varint in a Pub/Sub response");
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
    throw new PubSubDecodeError("varint too long in a Pub/Sub response");
  }

  /** End offset of the length-delimited field starting here. */
  delimitedEnd(): number {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.buf.length) throw new PubSubDecodeError("length past the end of a Pub/Sub response");
    return end;
  }

  string(): string {
    const end = this.delimitedEnd();
    const text = this.buf.toString("utf8", this.pos, end);
    this.pos = end;
    return text;
  }

  bytes(): Buffer {
    const end = this.delimitedEnd();
    const bytes = this.buf.subarray(this.pos, end);
    this.pos = end;
    return bytes;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        // Any varint, up to 10 bytes (a negative int32 or int64 of a field we do not read).
        for (let i = 0; i < 10; i++) if (this.buf[this.pos++]! < 0x80) return;
        throw new PubSubDecodeError("varint too long in a Pub/Sub response");
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.pos = this.delimitedEnd();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new PubSubDecodeError(`unsupported wire type ${wireType} in a Pub/Sub response`);
    }
  }
}

/**
 * PullResponse → messages. `data` is a view into the response buffer (no copy): the buffer lives
 * as long as the last of its messages, which settle together in practice.
 */
export function decodePullResponse(buf: Buffer): PulledMessage[] {
  const reader = new Reader(buf);
  const out: PulledMessage[] = [];
  while (reader.pos < buf.length) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | 2)) {
      const end = reader.delimitedEnd();
      out.push(readReceivedMessage(reader, end));
      reader.pos = end;
    } else reader.skip(tag & 7);
  }
  return out;
}

// ReceivedMessage: ack_id = 1, message = 2, delivery_attempt = 3.
function readReceivedMessage(reader: Reader, end: number): PulledMessage {
  let ackId = "";
  let deliveryAttempt = 0;
  let message: MessageFields = EMPTY_MESSAGE;
  while (reader.pos < end) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | 2)) ackId = reader.string();
    else if (tag === ((2 << 3) | 2)) {
      const messageEnd = reader.delimitedEnd();
      message = readPubsubMessage(reader, messageEnd);
      reader.pos = messageEnd;
    } else if (tag === ((3 << 3) | 0)) deliveryAttempt = reader.varint();
    else reader.skip(tag & 7);
  }
  return {
    ackId,
    messageId: message.messageId,
    data: message.data,
    attributes: message.attributes,
    publishTimeMs: message.publishTimeMs,
    orderingKey: message.orderingKey,
    deliveryAttempt,
  };
}

interface MessageFields {
  data: Buffer;
  attributes: Readonly<Record<string, string>>;
  messageId: string;
  publishTimeMs: number;
  orderingKey: string;
}

const EMPTY_MESSAGE: MessageFields = {
  data: Buffer.alloc(0),
  attributes: EMPTY_ATTRIBUTES,
  messageId: "",
  publishTimeMs: 0,
  orderingKey: "",
};

// PubsubMessage: data = 1, attributes = 2 (map entries), message_id = 3, publish_time = 4,
// ordering_key = 5.
function readPubsubMessage(reader: Reader, end: number): MessageFields {
  const fields: MessageFields = { ...EMPTY_MESSAGE };
  let attributes: Record<string, string> | undefined;
  while (reader.pos < end) {
    const tag = reader.varint();
    switch (tag) {
      case (1 << 3) | 2:
        fields.data = reader.bytes();
        break;
      case (2 << 3) | 2: {
        // No prototype: an attribute named "__proto__" stays an ordinary entry.
        attributes ??= Object.create(null) as Record<string, string>;
        const entryEnd = reader.delimitedEnd();
        readAttribute(reader, entryEnd, attributes);
        reader.pos = entryEnd;
        break;
      }
      case (3 << 3) | 2:
        fields.messageId = reader.string();
        break;
      case (4 << 3) | 2: {
        const timeEnd = reader.delimitedEnd();
        fields.publishTimeMs = readTimestampMs(reader, timeEnd);
        reader.pos = timeEnd;
        break;
      }
      case (5 << 3) | 2:
        fields.orderingKey = reader.string();
        break;
      default:
        reader.skip(tag & 7);
    }
  }
  if (attributes !== undefined) fields.attributes = attributes;
  return fields;
}

// Map entry: key = 1, value = 2 (either may be absent: the empty string).
function readAttribute(reader: Reader, end: number, into: Record<string, string>): void {
  let key = "";
  let value = "";
  while (reader.pos < end) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | 2)) key = reader.string();
    else if (tag === ((2 << 3) | 2)) value = reader.string();
    else reader.skip(tag & 7);
  }
  into[key] = value;
}

// google.protobuf.Timestamp: seconds = 1 (int64), nanos = 2 (int32).
function readTimestampMs(reader: Reader, end: number): number {
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < end) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | 0)) seconds = reader.varint();
    else if (tag === ((2 << 3) | 0)) nanos = reader.varint();
    else reader.skip(tag & 7);
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

/** The server's default when a subscription does not say (it always does on Google). */
const DEFAULT_ACK_DEADLINE_SECONDS = 10;

// Subscription: name = 1, ack_deadline_seconds = 5, labels = 9 (map), enable_message_ordering = 10.
function readSubscription(reader: Reader, end: number): SubscriptionInfo {
  let name = "";
  let ackDeadlineSeconds = 0;
  let labels: Record<string, string> | undefined;
  let messageOrdering = false;
  while (reader.pos < end) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | 2)) name = reader.string();
    else if (tag === ((5 << 3) | 0)) ackDeadlineSeconds = reader.varint();
    else if (tag === ((9 << 3) | 2)) {
      labels ??= Object.create(null) as Record<string, string>;
      const entryEnd = reader.delimitedEnd();
      readAttribute(reader, entryEnd, labels);
      reader.pos = entryEnd;
    } else if (tag === ((10 << 3) | 0)) messageOrdering = reader.varint() !== 0;
    else reader.skip(tag & 7);
  }
  return {
    name,
    ackDeadlineSeconds: ackDeadlineSeconds || DEFAULT_ACK_DEADLINE_SECONDS,
    labels: labels ?? EMPTY_ATTRIBUTES,
    messageOrdering,
  };
}

export function decodeSubscription(buf: Buffer): SubscriptionInfo {
  return readSubscription(new Reader(buf), buf.length);
}

/** ListSubscriptionsResponse: subscriptions = 1, next_page_token = 2. */
export function decodeListSubscriptionsResponse(buf: Buffer): {
  subscriptions: SubscriptionInfo[];
  nextPageToken: string;
} {
  const reader = new Reader(buf);
  const subscriptions: SubscriptionInfo[] = [];
  let nextPageToken = "";
  while (reader.pos < buf.length) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | 2)) {
      const end = reader.delimitedEnd();
      subscriptions.push(readSubscription(reader, end));
      reader.pos = end;
    } else if (tag === ((2 << 3) | 2)) nextPageToken = reader.string();
    else reader.skip(tag & 7);
  }
  return { subscriptions, nextPageToken };
}
