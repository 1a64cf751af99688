// Protobuf bytes of the google.pubsub.v1.Subscriber calls the source makes: Pull, Acknowledge and
// ModifyAckDeadline on the hot path, GetSubscription and ListSubscriptions for discovery. The
// field numbers come from the descriptors generated from Google's pubsub.proto (./gen, `npm run
// generate:pubsub`); the varints, tags and lengths are @bufbuild/protobuf's wire reader and
// writer. Responses are read field by field (unknown fields skipped) rather than with
// `fromBinary`, which builds a full message object graph per pull for ~1.4× the CPU
// (docs/decisions/0008); requests go through the same writer.
// Not the generated client: it wraps every call in gax's retry machinery and costs ~30 MB of
// resident memory (docs/decisions/0006).

import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import {
  AcknowledgeRequestSchema,
  GetSubscriptionRequestSchema,
  ListSubscriptionsRequestSchema,
  ListSubscriptionsResponseSchema,
  ModifyAckDeadlineRequestSchema,
  PubsubMessageSchema,
  PullRequestSchema,
  PullResponseSchema,
  ReceivedMessageSchema,
  SubscriptionSchema,
} from "./gen/google/pubsub/v1/pubsub_pb.ts";
import type { PulledMessage, SubscriptionInfo } from "./subscriber-api.ts";

const LEN = WireType.LengthDelimited;
const VARINT = WireType.Varint;

const pullRequest = PullRequestSchema.field;
export function encodePullRequest(subscription: string, maxMessages: number): Uint8Array {
  // return_immediately is deprecated but still honoured: the scheduler decides when to ask again.
  return new BinaryWriter()
    .tag(pullRequest.subscription.number, LEN)
    .string(subscription)
    .tag(pullRequest.returnImmediately.number, VARINT)
    .bool(true)
    .tag(pullRequest.maxMessages.number, VARINT)
    .int32(maxMessages)
    .finish();
}

const ackRequest = AcknowledgeRequestSchema.field;
export function encodeAcknowledgeRequest(subscription: string, ackIds: readonly string[]): Uint8Array {
  const writer = new BinaryWriter().tag(ackRequest.subscription.number, LEN).string(subscription);
  const ackIdField = ackRequest.ackIds.number;
  for (const ackId of ackIds) writer.tag(ackIdField, LEN).string(ackId);
  return writer.finish();
}

const modifyRequest = ModifyAckDeadlineRequestSchema.field;
export function encodeModifyAckDeadlineRequest(subscription: string, ackIds: readonly string[], seconds: number): Uint8Array {
  const writer = new BinaryWriter()
    .tag(modifyRequest.subscription.number, LEN)
    .string(subscription)
    .tag(modifyRequest.ackDeadlineSeconds.number, VARINT)
    .int32(seconds);
  const ackIdField = modifyRequest.ackIds.number;
  for (const ackId of ackIds) writer.tag(ackIdField, LEN).string(ackId);
  return writer.finish();
}

export function encodeGetSubscriptionRequest(subscription: string): Uint8Array {
  return new BinaryWriter().tag(GetSubscriptionRequestSchema.field.subscription.number, LEN).string(subscription).finish();
}

const listRequest = ListSubscriptionsRequestSchema.field;
export function encodeListSubscriptionsRequest(project: string, pageSize: number, pageToken: string): Uint8Array {
  const writer = new BinaryWriter()
    .tag(listRequest.project.number, LEN)
    .string(project)
    .tag(listRequest.pageSize.number, VARINT)
    .int32(pageSize);
  if (pageToken !== "") writer.tag(listRequest.pageToken.number, LEN).string(pageToken);
  return writer.finish();
}

/** A response that is not valid protobuf of the expected type. Never carries payload bytes. */
export class PubSubDecodeError extends Error {
  override name = "PubSubDecodeError";
}

/**
 * Runs one decoder, turning the wire reader's own errors (RangeError "premature EOF", Error
 * "illegal tag …") into a PubSubDecodeError that names the response type.
 */
function decoding<T>(typeName: string, buf: Buffer, read: (reader: BinaryReader, buf: Buffer) => T): T {
  try {
    return read(new BinaryReader(buf), buf);
  } catch (error) {
    if (error instanceof PubSubDecodeError) throw error;
    throw wireError(error, `a ${typeName}`, "truncated");
  }
}

/** The wire reader's RangeError means it ran past the end; anything else is malformed input. */
function wireError(error: unknown, what: string, truncated: string): PubSubDecodeError {
  if (error instanceof RangeError) return new PubSubDecodeError(`${truncated} in ${what} from Pub/Sub`, { cause: error });
  const reason = error instanceof Error ? error.message : String(error);
  return new PubSubDecodeError(`${reason} in ${what} from Pub/Sub`, { cause: error });
}

/**
 * The end offset of the length-delimited value at the reader's position; checked here because
 * a nested message is read field by field up to it, not sliced.
 */
function delimitedEnd(reader: BinaryReader, what: string): number {
  let length: number;
  try {
    length = reader.uint32();
  } catch (error) {
    throw wireError(error, what, "truncated varint");
  }
  const end = reader.pos + length;
  if (end > reader.len) throw new PubSubDecodeError(`length past the end of ${what} from Pub/Sub`);
  return end;
}

/**
 * A string field: the reader reads its length, Buffer decodes the UTF-8 in place
 * (`reader.string()` would allocate a subarray per string first).
 */
function text(reader: BinaryReader, buf: Buffer, what: string): string {
  const end = delimitedEnd(reader, what);
  const value = buf.toString("utf8", reader.pos, end);
  reader.pos = end;
  return value;
}

/** The next tag, as a named error when it is cut off or not a valid tag. */
function nextTag(reader: BinaryReader, what: string): [number, WireType] {
  try {
    return reader.tag();
  } catch (error) {
    throw wireError(error, what, "truncated varint");
  }
}

const EMPTY_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

// Map entries are messages with key = 1 and value = 2 (protobuf language spec, "Maps").
const MAP_KEY = 1;
const MAP_VALUE = 2;

function readMapEntry(reader: BinaryReader, buf: Buffer, end: number, into: Record<string, string>, what: string): void {
  let key = "";
  let value = "";
  while (reader.pos < end) {
    const [fieldNo, wireType] = nextTag(reader, what);
    if (fieldNo === MAP_KEY && wireType === LEN) key = text(reader, buf, what);
    else if (fieldNo === MAP_VALUE && wireType === LEN) value = text(reader, buf, what);
    else reader.skip(wireType, fieldNo);
  }
  into[key] = value;
}

const timestamp = TimestampSchema.field;
function readTimestampMs(reader: BinaryReader, end: number): number {
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < end) {
    const [fieldNo, wireType] = nextTag(reader, "a publish time");
    if (fieldNo === timestamp.seconds.number && wireType === VARINT) seconds = Number(reader.int64());
    else if (fieldNo === timestamp.nanos.number && wireType === VARINT) nanos = reader.int32();
    else reader.skip(wireType, fieldNo);
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
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

const pubsubMessage = PubsubMessageSchema.field;
const DATA = pubsubMessage.data.number;
const ATTRIBUTES = pubsubMessage.attributes.number;
const MESSAGE_ID = pubsubMessage.messageId.number;
const PUBLISH_TIME = pubsubMessage.publishTime.number;
const ORDERING_KEY = pubsubMessage.orderingKey.number;

function readPubsubMessage(reader: BinaryReader, buf: Buffer, end: number): MessageFields {
  const fields: MessageFields = { ...EMPTY_MESSAGE };
  let attributes: Record<string, string> | undefined;
  while (reader.pos < end) {
    const [fieldNo, wireType] = nextTag(reader, "a PubsubMessage");
    if (wireType !== LEN) reader.skip(wireType, fieldNo);
    else if (fieldNo === DATA) {
      // A subarray of the response Buffer: a view, not a copy. The response lives as long as the
      // last of its messages, which settle together in practice.
      const dataEnd = delimitedEnd(reader, "a message's data");
      fields.data = buf.subarray(reader.pos, dataEnd);
      reader.pos = dataEnd;
    } else if (fieldNo === ATTRIBUTES) {
      // No prototype: an attribute named "__proto__" stays an ordinary entry.
      attributes ??= Object.create(null) as Record<string, string>;
      const entryEnd = delimitedEnd(reader, "a message attribute");
      readMapEntry(reader, buf, entryEnd, attributes, "a message attribute");
      reader.pos = entryEnd;
    } else if (fieldNo === MESSAGE_ID) fields.messageId = text(reader, buf, "a message id");
    else if (fieldNo === PUBLISH_TIME) {
      const timeEnd = delimitedEnd(reader, "a publish time");
      fields.publishTimeMs = readTimestampMs(reader, timeEnd);
      reader.pos = timeEnd;
    } else if (fieldNo === ORDERING_KEY) fields.orderingKey = text(reader, buf, "an ordering key");
    else reader.skip(wireType, fieldNo);
  }
  if (attributes !== undefined) fields.attributes = attributes;
  return fields;
}

const receivedMessage = ReceivedMessageSchema.field;
const ACK_ID = receivedMessage.ackId.number;
const MESSAGE = receivedMessage.message.number;
const DELIVERY_ATTEMPT = receivedMessage.deliveryAttempt.number;

function readReceivedMessage(reader: BinaryReader, buf: Buffer, end: number): PulledMessage {
  let ackId = "";
  let deliveryAttempt = 0;
  let message = EMPTY_MESSAGE;
  while (reader.pos < end) {
    const [fieldNo, wireType] = nextTag(reader, "a ReceivedMessage");
    if (fieldNo === ACK_ID && wireType === LEN) ackId = text(reader, buf, "an ack id");
    else if (fieldNo === MESSAGE && wireType === LEN) {
      const messageEnd = delimitedEnd(reader, "a PubsubMessage");
      message = readPubsubMessage(reader, buf, messageEnd);
      reader.pos = messageEnd;
    } else if (fieldNo === DELIVERY_ATTEMPT && wireType === VARINT) deliveryAttempt = reader.int32();
    else reader.skip(wireType, fieldNo);
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

const RECEIVED_MESSAGES = PullResponseSchema.field.receivedMessages.number;

/** PullResponse → messages; `data` of each is a view into `buf`. */
export function decodePullResponse(buf: Buffer): PulledMessage[] {
  return decoding("PullResponse", buf, readPullResponse);
}

// A module-level function, not a closure per call: idle subscriptions decode hundreds of empty
// responses a second.
function readPullResponse(reader: BinaryReader, buf: Buffer): PulledMessage[] {
  const out: PulledMessage[] = [];
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = nextTag(reader, "a PullResponse");
    if (fieldNo === RECEIVED_MESSAGES && wireType === LEN) {
      const end = delimitedEnd(reader, "a ReceivedMessage");
      out.push(readReceivedMessage(reader, buf, end));
      reader.pos = end;
    } else reader.skip(wireType, fieldNo);
  }
  return out;
}

/** The server's default when a subscription does not say (it always does on Google). */
const DEFAULT_ACK_DEADLINE_SECONDS = 10;

const subscription = SubscriptionSchema.field;
function readSubscription(reader: BinaryReader, buf: Buffer, end: number): SubscriptionInfo {
  let name = "";
  let ackDeadlineSeconds = 0;
  let labels: Record<string, string> | undefined;
  let messageOrdering = false;
  let exactlyOnceDelivery = false;
  while (reader.pos < end) {
    const [fieldNo, wireType] = nextTag(reader, "a Subscription");
    if (fieldNo === subscription.name.number && wireType === LEN) name = text(reader, buf, "a subscription name");
    else if (fieldNo === subscription.ackDeadlineSeconds.number && wireType === VARINT) ackDeadlineSeconds = reader.int32();
    else if (fieldNo === subscription.labels.number && wireType === LEN) {
      labels ??= Object.create(null) as Record<string, string>;
      const entryEnd = delimitedEnd(reader, "a subscription label");
      readMapEntry(reader, buf, entryEnd, labels, "a subscription label");
      reader.pos = entryEnd;
    } else if (fieldNo === subscription.enableMessageOrdering.number && wireType === VARINT) messageOrdering = reader.bool();
    else if (fieldNo === subscription.enableExactlyOnceDelivery.number && wireType === VARINT)
      exactlyOnceDelivery = reader.bool();
    else reader.skip(wireType, fieldNo);
  }
  return {
    name,
    ackDeadlineSeconds: ackDeadlineSeconds || DEFAULT_ACK_DEADLINE_SECONDS,
    labels: labels ?? EMPTY_ATTRIBUTES,
    messageOrdering,
    exactlyOnceDelivery,
  };
}

export function decodeSubscription(buf: Buffer): SubscriptionInfo {
  return decoding("Subscription", buf, (reader) => readSubscription(reader, buf, reader.len));
}

const listResponse = ListSubscriptionsResponseSchema.field;
export function decodeListSubscriptionsResponse(buf: Buffer): {
  subscriptions: SubscriptionInfo[];
  nextPageToken: string;
} {
  return decoding("ListSubscriptionsResponse", buf, (reader) => {
    const subscriptions: SubscriptionInfo[] = [];
    let nextPageToken = "";
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = nextTag(reader, "a ListSubscriptionsResponse");
      if (fieldNo === listResponse.subscriptions.number && wireType === LEN) {
        const end = delimitedEnd(reader, "a Subscription");
        subscriptions.push(readSubscription(reader, buf, end));
        reader.pos = end;
      } else if (fieldNo === listResponse.nextPageToken.number && wireType === LEN)
        nextPageToken = text(reader, buf, "a page token");
      else reader.skip(wireType, fieldNo);
    }
    return { subscriptions, nextPageToken };
  });
}
