// Each source kind's envelope reader: SQS raw or SNS notification bodies, Pub/Sub data; the
// pipeline's envelope stage only asks the message's reader.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readEnvelope } from "../../../src/envelope/read.ts";
import { pubsubEnvelopeReader } from "../../../src/sources/pubsub/envelope-reader.ts";
import type { EnvelopeReader, SourceMessage } from "../../../src/sources/source.ts";
import { sqsEnvelopeReader } from "../../../src/sources/sqs/envelope-reader.ts";

const envelope = {
  v: 1,
  tenant: "t1",
  kver: 1,
  alg: "A256GCM",
  eid: "e-1",
  iv: Buffer.alloc(12, 1).toString("base64"),
  ct: Buffer.alloc(32, 2).toString("base64"),
};
const trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function message(reader: EnvelopeReader, body: string | Buffer, attributes: Record<string, string> = {}): SourceMessage {
  return { id: "m", source: "s", reader, body, attributes, receiveCount: 1, publishedAtMs: 0, ack() {}, nack() {} };
}

describe("envelope readers", () => {
  it("SQS, raw delivery: the body is the envelope; the trace context an attribute", () => {
    const read = readEnvelope(message(sqsEnvelopeReader, JSON.stringify(envelope), { traceparent: trace }));
    assert.equal(read.envelope.tenant, "t1");
    assert.equal(read.envelope.eventId, "e-1");
    assert.equal(read.traceparent, trace);
  });

  it("SQS, SNS notification: the envelope is its Message; the trace context an SNS attribute", () => {
    const notification = {
      Type: "Notification",
      MessageId: "sns-1",
      TopicArn: "arn:aws:sns:eu-central-1:123:t",
      Message: JSON.stringify(envelope),
      Timestamp: "2026-12-01T00:00:00.000Z",
      MessageAttributes: { traceparent: { Type: "String", Value: trace } },
    };
    const read = readEnvelope(message(sqsEnvelopeReader, JSON.stringify(notification)));
    assert.equal(read.envelope.tenant, "t1");
    assert.equal(read.traceparent, trace);
  });

  it("SQS: the AWSTraceHeader (X-Ray) continues its trace when no W3C attribute is set, and yields to one", () => {
    const xray = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    const fromXray = readEnvelope(message(sqsEnvelopeReader, JSON.stringify(envelope), { AWSTraceHeader: xray }));
    assert.equal(fromXray.traceparent, "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01");
    const both = readEnvelope(message(sqsEnvelopeReader, JSON.stringify(envelope), { AWSTraceHeader: xray, traceparent: trace }));
    assert.equal(both.traceparent, trace);
    const unsampled = "Sampled=0;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=a87bd80c:1";
    const reordered = readEnvelope(message(sqsEnvelopeReader, JSON.stringify(envelope), { AWSTraceHeader: unsampled }));
    assert.equal(reordered.traceparent, "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-00");
    for (const bad of [
      "Root=1-5759e988-bd862e3fe1be46a994272793",
      "Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
      "Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8",
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8\r\nX: y",
      "Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995c3f42cd8ad8",
    ]) {
      const read = readEnvelope(message(sqsEnvelopeReader, JSON.stringify(envelope), { AWSTraceHeader: bad }));
      assert.equal(read.traceparent, undefined, bad);
    }
  });

  it("Pub/Sub: the data bytes are the envelope; the client's trace attribute is honoured", () => {
    const data = Buffer.from(JSON.stringify(envelope));
    const read = readEnvelope(message(pubsubEnvelopeReader, data, { googclient_traceparent: trace }));
    assert.equal(read.envelope.eventId, "e-1");
    assert.equal(read.traceparent, trace);
  });

  it("a third source kind needs only its own reader", () => {
    const custom: EnvelopeReader = {
      bodyKind: "custom",
      read: (m) => pubsubEnvelopeReader.read({ ...m, body: Buffer.from(String(m.body).slice(1)) }),
    };
    const read = readEnvelope(message(custom, `#${JSON.stringify(envelope)}`));
    assert.equal(read.envelope.tenant, "t1");
  });
});
