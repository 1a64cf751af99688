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
/**
 * subscription, return_immediately = true, max_messages: one sized Buffer, as the settle requests
 * (BinaryWriter's chunk list was ~5 % of a bare drain's CPU, docs/decisions/0028). return_immediately
 * is deprecated but still honoured: the scheduler decides when to ask again.
 */
export function encodePullRequest(subscription: string, maxMessages: number): Uint8Array {
  const subBytes = Buffer.byteLength(subscription, "utf8");
  const buf = Buffer.allocUnsafe(1 + varintBytes(subBytes) + subBytes + 2 + 1 + varintBytes(maxMessages));
  let at = 0;
  buf[at++] = (pullRequest.subscription.number << 3) | LEN;
  at = writeVarint(buf, at, subBytes);
  at += buf.write(subscription, at, subBytes, "utf8");
  buf[at++] = (pullRequest.returnImmediately.number << 3) | VARINT;
  buf[at++] = 1;
  buf[at++] = (pullRequest.maxMessages.number << 3) | VARINT;
  writeVarint(buf, at, maxMessages);
  return buf;
}

const ackRequest = AcknowledgeRequestSchema.field;
/** One Acknowledge per many ack ids: written straight into one Buffer (see writeAckIdRequest). */
export function encodeAcknowledgeRequest(subscription: string, ackIds: readonly string[]): Uint8Array {
  return writeAckIdRequest(ackRequest.subscription.number, subscription, ackRequest.ackIds.number, ackIds, -1, 0);
}

const modifyRequest = ModifyAckDeadlineRequestSchema.field;
export function encodeModifyAckDeadlineRequest(subscription: string, ackIds: readonly string[], seconds: number): Uint8Array {
  return writeAckIdRequest(
    modifyRequest.subscription.number,
    subscription,
    modifyRequest.ackIds.number,
    ackIds,
    modifyRequest.ackDeadlineSeconds.number,
    seconds,
  );
}

for (const field of [
  pullRequest.subscription,
  pullRequest.returnImmediately,
  pullRequest.maxMessages,
  ackRequest.subscription,
  ackRequest.ackIds,
  modifyRequest.subscription,
  modifyRequest.ackIds,
  modifyRequest.ackDeadlineSeconds,
]) {
  if (field.number > 15) throw new Error(`pubsub codec: field ${field.name} (${field.number}) needs a two-byte tag`);
}

/** Bytes of a varint (values here are lengths, counts and deadlines: non-negative, below 2^31). */
const varintBytes = (value: number): number =>
  value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;

function writeVarint(buf: Buffer, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

/**
 * `subscription` (field subField), then every ack id (field idField), then, when `intField` ≥ 0,
 * that varint field: the two settle requests. Sized first and written into one Buffer, since
 * BinaryWriter keeps a chunk list and a TextEncoder pass per id — ~5% of a bare drain's CPU with
 * 100 ids per call (docs/decisions/0018). Every field number here is below 16: one-byte tags.
 */
function writeAckIdRequest(
  subField: number,
  subscription: string,
  idField: number,
  ackIds: readonly string[],
  intField: number,
  intValue: number,
): Buffer {
  const subBytes = Buffer.byteLength(subscription, "utf8");
  let total = 1 + varintBytes(subBytes) + subBytes;
  const idBytes = new Array<number>(ackIds.length);
  for (let i = 0; i < ackIds.length; i++) {
    const id = ackIds[i]!;
    const bytes = Buffer.byteLength(id, "utf8");
    idBytes[i] = bytes;
    total += 1 + varintBytes(bytes) + bytes;
  }
  if (intField >= 0) total += 1 + varintBytes(intValue);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  buf[at++] = (subField << 3) | LEN;
  at = writeVarint(buf, at, subBytes);
  at += buf.write(subscription, at, subBytes, "utf8");
  const idTag = (idField << 3) | LEN;
  for (let i = 0; i < ackIds.length; i++) {
    const bytes = idBytes[i]!;
    buf[at++] = idTag;
    at = writeVarint(buf, at, bytes);
    at += buf.write(ackIds[i]!, at, bytes, "utf8");
  }
  if (intField >= 0) {
    buf[at++] = (intField << 3) | VARINT;
    at = writeVarint(buf, at, intValue);
  }
  return buf;
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

/**
 * The next tag (field number << 3 | wire type), as a named error when it is cut off or not a valid
 * tag. The checks of BinaryReader.tag(), without its [fieldNo, wireType] array per field.
 */
function nextTag(reader: BinaryReader, buf: Buffer, what: string): number {
  const start = reader.pos;
  let tag: number;
  try {
    tag = reader.uint32();
  } catch (error) {
    throw wireError(error, what, "truncated varint");
  }
  const bytesRead = reader.pos - start;
  if (bytesRead > 5 || (bytesRead === 5 && buf[reader.pos - 1]! > 0x0f)) {
    throw new PubSubDecodeError(`illegal tag: varint overflows uint32 in ${what} from Pub/Sub`);
  }
  if (tag >>> 3 <= 0 || (tag & 7) > 5) {
    throw new PubSubDecodeError(`illegal tag: field no ${tag >>> 3} wire type ${tag & 7} in ${what} from Pub/Sub`);
  }
  return tag;
}

const EMPTY_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(Object.create(null));

// Map entries are messages with key = 1 and value = 2 (protobuf language spec, "Maps").
const MAP_KEY = 1;
const MAP_VALUE = 2;

function readMapEntry(reader: BinaryReader, buf: Buffer, end: number, into: Record<string, string>, what: string): void {
  let key = "";
  let value = "";
  while (reader.pos < end) {
    const tag = nextTag(reader, buf, what);
    const fieldNo = tag >>> 3;
    const wireType: WireType = tag & 7;
    if (fieldNo === MAP_KEY && wireType === LEN) key = text(reader, buf, what);
    else if (fieldNo === MAP_VALUE && wireType === LEN) value = text(reader, buf, what);
    else reader.skip(wireType, fieldNo);
  }
  into[key] = value;
}

const timestamp = TimestampSchema.field;
function readTimestampMs(reader: BinaryReader, buf: Buffer, end: number): number {
  let seconds = 0;
  let nanos = 0;
  while (reader.pos < end) {
    const tag = nextTag(reader, buf, "a publish time");
    const fieldNo = tag >>> 3;
    const wireType: WireType = tag & 7;
    if (fieldNo === timestamp.seconds.number && wireType === VARINT) seconds = Number(reader.int64());
    else if (fieldNo === timestamp.nanos.number && wireType === VARINT) nanos = reader.int32();
    else reader.skip(wireType, fieldNo);
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

/**
 * One decoded message: the ReceivedMessage and its PubsubMessage read into one object (not one
 * per level, copied), a class so every message has the same shape.
 */
class Pulled implements PulledMessage {
  ackId = "";
  messageId = "";
  data: Buffer = EMPTY_DATA;
  attributes: Readonly<Record<string, string>> = EMPTY_ATTRIBUTES;
  publishTimeMs = 0;
  orderingKey = "";
  deliveryAttempt = 0;
}

const EMPTY_DATA = Buffer.alloc(0);

const pubsubMessage = PubsubMessageSchema.field;
const DATA = pubsubMessage.data.number;
const ATTRIBUTES = pubsubMessage.attributes.number;
const MESSAGE_ID = pubsubMessage.messageId.number;
const PUBLISH_TIME = pubsubMessage.publishTime.number;
const ORDERING_KEY = pubsubMessage.orderingKey.number;

function readPubsubMessage(reader: BinaryReader, buf: Buffer, end: number, into: Pulled): void {
  let attributes: Record<string, string> | undefined;
  while (reader.pos < end) {
    const tag = nextTag(reader, buf, "a PubsubMessage");
    const fieldNo = tag >>> 3;
    const wireType: WireType = tag & 7;
    if (wireType !== LEN) reader.skip(wireType, fieldNo);
    else if (fieldNo === DATA) {
      // A subarray of the response Buffer: a view, not a copy. The response lives as long as the
      // last of its messages, which settle together in practice.
      const dataEnd = delimitedEnd(reader, "a message's data");
      into.data = buf.subarray(reader.pos, dataEnd);
      reader.pos = dataEnd;
    } else if (fieldNo === ATTRIBUTES) {
      // No prototype: an attribute named "__proto__" stays an ordinary entry.
      attributes ??= Object.create(null) as Record<string, string>;
      const entryEnd = delimitedEnd(reader, "a message attribute");
      readMapEntry(reader, buf, entryEnd, attributes, "a message attribute");
      reader.pos = entryEnd;
    } else if (fieldNo === MESSAGE_ID) into.messageId = text(reader, buf, "a message id");
    else if (fieldNo === PUBLISH_TIME) {
      const timeEnd = delimitedEnd(reader, "a publish time");
      into.publishTimeMs = readTimestampMs(reader, buf, timeEnd);
      reader.pos = timeEnd;
    } else if (fieldNo === ORDERING_KEY) into.orderingKey = text(reader, buf, "an ordering key");
    else reader.skip(wireType, fieldNo);
  }
  if (attributes !== undefined) into.attributes = attributes;
}

const receivedMessage = ReceivedMessageSchema.field;
const ACK_ID = receivedMessage.ackId.number;
const MESSAGE = receivedMessage.message.number;
const DELIVERY_ATTEMPT = receivedMessage.deliveryAttempt.number;

function readReceivedMessage(reader: BinaryReader, buf: Buffer, end: number): PulledMessage {
  const pulled = new Pulled();
  while (reader.pos < end) {
    const tag = nextTag(reader, buf, "a ReceivedMessage");
    const fieldNo = tag >>> 3;
    const wireType: WireType = tag & 7;
    if (fieldNo === ACK_ID && wireType === LEN) pulled.ackId = text(reader, buf, "an ack id");
    else if (fieldNo === MESSAGE && wireType === LEN) {
      const messageEnd = delimitedEnd(reader, "a PubsubMessage");
      // A repeated message field merges (protobuf semantics); the server sends it once.
      readPubsubMessage(reader, buf, messageEnd, pulled);
      reader.pos = messageEnd;
    } else if (fieldNo === DELIVERY_ATTEMPT && wireType === VARINT) pulled.deliveryAttempt = reader.int32();
    else reader.skip(wireType, fieldNo);
  }
  return pulled;
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
    const tag = nextTag(reader, buf, "a PullResponse");
    const fieldNo = tag >>> 3;
    const wireType: WireType = tag & 7;
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
    const tag = nextTag(reader, buf, "a Subscription");
    const fieldNo = tag >>> 3;
    const wireType: WireType = tag & 7;
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
      const tag = nextTag(reader, buf, "a ListSubscriptionsResponse");
      const fieldNo = tag >>> 3;
      const wireType: WireType = tag & 7;
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
