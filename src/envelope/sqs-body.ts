// An SQS body is either the legacy envelope itself (SNS raw message delivery, or sent straight
// to SQS) or an SNS notification whose `Message` is the envelope string.
//
// Detection without a wasted parse: a notification always has the key "Type"; a legacy envelope
// never does, and none of its values can contain the 6 characters `"Type"` except an event id
// that is exactly the word Type (a quote inside a JSON string is escaped as \"). So a raw body is
// recognised by one substring search and parsed once, later, by parseLegacyEnvelope; only a body
// containing `"Type"` is parsed here, and a false positive just falls back to raw.
import { PermanentError } from "../pipeline/errors.ts";
import { jsonTypeOf, quote } from "./describe.ts";

export interface UnwrappedSqsBody {
  /** The legacy envelope JSON text. */
  readonly payload: string;
  /** SNS MessageId, when the body was an SNS notification (stable across SNS retries). */
  readonly snsMessageId?: string;
  readonly topicArn?: string;
  /** SNS message attributes (name → Value; Binary values stay base64), when present. */
  readonly snsAttributes?: Record<string, string>;
}

const TYPE_KEY = '"Type"';

function malformed(message: string): PermanentError {
  return new PermanentError("MalformedEnvelope", message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `body`: the SQS message body as received (text), or its UTF-8 bytes. */
export function unwrapSqsBody(body: string | Buffer): UnwrappedSqsBody {
  const text = typeof body === "string" ? body : body.toString("utf8");
  if (text.indexOf(TYPE_KEY) === -1) return { payload: text };

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { payload: text }; // not JSON at all: parseLegacyEnvelope reports it
  }
  if (!isRecord(parsed) || !Object.hasOwn(parsed, "Type")) return { payload: text };

  const { Type, Message, MessageId, TopicArn, MessageAttributes } = parsed;
  if (Type !== "Notification") {
    throw malformed(
      typeof Type === "string"
        ? `SQS body is an SNS message of Type ${quote(Type)}, not a Notification`
        : `SNS notification field "Type" must be a string, got ${jsonTypeOf(Type)}`,
    );
  }
  if (typeof Message !== "string") {
    throw malformed(
      Message === undefined
        ? `SNS notification field "Message" is missing`
        : `SNS notification field "Message" must be a string, got ${jsonTypeOf(Message)}`,
    );
  }
  if (MessageId !== undefined && typeof MessageId !== "string") {
    throw malformed(`SNS notification field "MessageId" must be a string, got ${jsonTypeOf(MessageId)}`);
  }
  if (TopicArn !== undefined && typeof TopicArn !== "string") {
    throw malformed(`SNS notification field "TopicArn" must be a string, got ${jsonTypeOf(TopicArn)}`);
  }
  const result: { payload: string; snsMessageId?: string; topicArn?: string; snsAttributes?: Record<string, string> } = {
    payload: Message,
  };
  if (MessageId !== undefined) result.snsMessageId = MessageId;
  if (TopicArn !== undefined) result.topicArn = TopicArn;
  if (MessageAttributes !== undefined && MessageAttributes !== null) {
    result.snsAttributes = readAttributes(MessageAttributes);
  }
  return result;
}

function readAttributes(raw: unknown): Record<string, string> {
  if (!isRecord(raw)) {
    throw malformed(`SNS notification field "MessageAttributes" must be an object, got ${jsonTypeOf(raw)}`);
  }
  // No prototype: an attribute named "__proto__" must stay an ordinary entry.
  const attributes: Record<string, string> = Object.create(null);
  for (const name in raw) {
    const attribute = raw[name];
    const value = isRecord(attribute) ? attribute.Value : undefined;
    if (typeof value !== "string") {
      throw malformed(`SNS notification field "MessageAttributes.${quote(name).slice(1, -1)}.Value" must be a string`);
    }
    attributes[name] = value;
  }
  return attributes;
}
