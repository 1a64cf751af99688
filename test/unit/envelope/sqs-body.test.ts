import assert from "node:assert/strict";
import { createSecretKey, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { parseLegacyEnvelope } from "../../../src/envelope/legacy-envelope.ts";
import { unwrapSqsBody } from "../../../src/envelope/sqs-body.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { sealLegacyEnvelope } from "../../../tools/legacy-crypto/seal.ts";

const key = createSecretKey(randomBytes(32));
const envelope = sealLegacyEnvelope(Buffer.from('{"type":"x"}'), "tenant-0001", 1, "evt-42", key);
const topicArn = "arn:aws:sns:us-east-1:123456789012:legacy-events";

/** An SNS notification as SNS writes it into SQS (pretty-printed, "Key" : value). */
function notification(fields: Record<string, unknown>): Buffer {
  const base: Record<string, unknown> = {
    Type: "Notification",
    MessageId: "2d9a3f3e-1c1b-5a4b-9d0b-3c0f6a1e7b11",
    TopicArn: topicArn,
    Message: envelope,
    Timestamp: "2025-01-02T03:04:05.678Z",
    SignatureVersion: "1",
    Signature: "c2lnbmF0dXJl",
    SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem",
    UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) delete base[name];
    else base[name] = value;
  }
  return Buffer.from(JSON.stringify(base, null, 2).replaceAll('": ', '" : '));
}

function expectMalformed(body: Buffer, mentions: string): void {
  assert.throws(
    () => unwrapSqsBody(body),
    (error: unknown) =>
      error instanceof PermanentError &&
      error.stage === "envelope" &&
      error.errorClass === "MalformedEnvelope" &&
      error.message.includes(mentions),
  );
}

describe("unwrapSqsBody", () => {
  test("a raw envelope (raw message delivery) is passed through", () => {
    const result = unwrapSqsBody(Buffer.from(envelope));
    assert.deepEqual(result, { payload: envelope });
  });

  test("an SNS notification yields Message, MessageId, TopicArn and attributes", () => {
    const body = notification({
      MessageAttributes: {
        traceparent: { Type: "String", Value: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
        blob: { Type: "Binary", Value: "AQID" },
      },
    });
    const result = unwrapSqsBody(body);
    assert.equal(result.payload, envelope);
    assert.equal(result.snsMessageId, "2d9a3f3e-1c1b-5a4b-9d0b-3c0f6a1e7b11");
    assert.equal(result.topicArn, topicArn);
    assert.deepEqual(
      { ...result.snsAttributes },
      { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", blob: "AQID" },
    );
    assert.equal(parseLegacyEnvelope(result.payload).eventId, "evt-42");
  });

  test("a notification without attributes has no snsAttributes", () => {
    const result = unwrapSqsBody(notification({}));
    assert.equal(result.payload, envelope);
    assert.equal(result.snsAttributes, undefined);
  });

  test("the body as SQS delivers it (text) gives the same results as its bytes", () => {
    assert.deepEqual(unwrapSqsBody(envelope), { payload: envelope });
    const body = notification({ MessageAttributes: { traceparent: { Type: "String", Value: "00-ab-cd-01" } } });
    assert.deepEqual(unwrapSqsBody(body.toString("utf8")), unwrapSqsBody(body));
    assert.equal(unwrapSqsBody(body.toString("utf8")).payload, envelope);
  });

  test("compact notification JSON is detected too", () => {
    const body = Buffer.from(JSON.stringify({ Type: "Notification", MessageId: "m1", Message: envelope }));
    assert.deepEqual(unwrapSqsBody(body), { payload: envelope, snsMessageId: "m1" });
  });

  test('a raw envelope whose event id is "Type" stays raw', () => {
    const raw = sealLegacyEnvelope(Buffer.from("{}"), "tenant-0001", 1, "Type", key);
    assert.ok(raw.includes('"Type"'));
    assert.deepEqual(unwrapSqsBody(Buffer.from(raw)), { payload: raw });
  });

  test("a body that is not JSON is returned for parseLegacyEnvelope to reject", () => {
    const body = Buffer.from('garbage "Type" garbage');
    const result = unwrapSqsBody(body);
    assert.equal(result.payload, body.toString());
    assert.throws(
      () => parseLegacyEnvelope(result.payload),
      (e: unknown) => e instanceof PermanentError,
    );
  });

  test("an SNS message that is not a Notification is rejected", () => {
    expectMalformed(notification({ Type: "SubscriptionConfirmation" }), 'Type "SubscriptionConfirmation", not a Notification');
    expectMalformed(notification({ Type: 3 }), '"Type" must be a string, got number');
  });

  test("Message missing or not a string is rejected", () => {
    expectMalformed(notification({ Message: undefined }), '"Message" is missing');
    expectMalformed(notification({ Message: { v: 1 } }), '"Message" must be a string, got object');
  });

  test("MessageId and TopicArn of the wrong type are rejected", () => {
    expectMalformed(notification({ MessageId: 5 }), '"MessageId" must be a string');
    expectMalformed(notification({ TopicArn: [] }), '"TopicArn" must be a string');
  });

  test("malformed MessageAttributes are rejected, naming the attribute", () => {
    expectMalformed(notification({ MessageAttributes: "x" }), '"MessageAttributes" must be an object, got string');
    expectMalformed(notification({ MessageAttributes: { tenant: { Type: "String" } } }), "MessageAttributes.tenant.Value");
    expectMalformed(notification({ MessageAttributes: { n: { Type: "Number", Value: 5 } } }), "MessageAttributes.n.Value");
  });

  test('an attribute named "__proto__" stays an ordinary entry', () => {
    const body = Buffer.from(
      `{"Type":"Notification","Message":${JSON.stringify(envelope)},"MessageAttributes":{"__proto__":{"Type":"String","Value":"v"}}}`,
    );
    const attributes = unwrapSqsBody(body).snsAttributes;
    assert.ok(attributes !== undefined);
    assert.equal(Object.getOwnPropertyDescriptor(attributes, "__proto__")?.value, "v");
    assert.deepEqual(Object.keys(attributes), ["__proto__"]);
  });
});
