// The simulator writes SNS's Notification form to ElasticMQ itself; the bridge must read it as
// it reads what SNS writes (the message, its id, the topic and the attributes inside).
import assert from "node:assert/strict";
import { it } from "node:test";
import { unwrapSqsBody } from "../../../src/envelope/sqs-body.ts";
import { snsNotificationBody } from "../../../tools/simulator/sns-notification.ts";

const topicArn = "arn:aws:sns:eu-central-1:000000000000:legacy-tenant-0001";
const envelope = JSON.stringify({ v: 1, tenant: "tenant-0001", kver: 1, alg: "A256GCM", eid: "e-1", iv: "aa", ct: "bb" });

it("a simulated notification unwraps to the envelope, the SNS message id, the topic and the attributes", () => {
  const traceparent = "00-0000000000000000000000000000000c-0000000000000001-01";
  const body = snsNotificationBody(topicArn, "m-1", envelope, { traceparent: { Type: "String", Value: traceparent } });
  const parsed = JSON.parse(body) as Record<string, unknown>;
  assert.equal(parsed.Type, "Notification");
  assert.equal(parsed.SignatureVersion, "1");
  assert.ok(!Number.isNaN(Date.parse(String(parsed.Timestamp))));
  assert.match(String(parsed.UnsubscribeURL), /^https:\/\/sns\.eu-central-1\.amazonaws\.com\//);
  assert.deepEqual(unwrapSqsBody(body), {
    payload: envelope,
    snsMessageId: "m-1",
    topicArn,
    snsAttributes: Object.assign(Object.create(null), { traceparent }),
  });
});

it("without attributes the notification has no MessageAttributes", () => {
  const body = snsNotificationBody(topicArn, "m-2", envelope, undefined);
  assert.equal("MessageAttributes" in (JSON.parse(body) as object), false);
  assert.equal(unwrapSqsBody(body).payload, envelope);
});
