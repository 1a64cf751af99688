import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { deadLetterRecord, dlqHeader } from "../../../src/pipeline/records.ts";
import { pubsubEnvelopeReader } from "../../../src/sources/pubsub/envelope-reader.ts";
import type { SourceMessage } from "../../../src/sources/source.ts";
import { sqsEnvelopeReader } from "../../../src/sources/sqs/envelope-reader.ts";

const noop = (): void => {};

function sourceMessage(body: Buffer | string, bodyKind: "sqs" | "pubsub"): SourceMessage {
  return {
    id: "m-1",
    source: bodyKind === "sqs" ? "sqs:q" : "pubsub:s",
    reader: bodyKind === "sqs" ? sqsEnvelopeReader : pubsubEnvelopeReader,
    body,
    attributes: { origin: "x" },
    receiveCount: 1,
    publishedAtMs: 0,
    ack: noop,
    nack: noop,
  };
}

describe("deadLetterRecord", () => {
  const error = new PermanentError("MalformedEnvelope", "bad", { tenant: "t1" });

  test("an SQS body (text as received) becomes its exact UTF-8 bytes", () => {
    const body = '{"v":1,"note":"Zoë € 😀"}';
    const record = deadLetterRecord("dlq", sourceMessage(body, "sqs"), error);
    assert.deepEqual(record.value, Buffer.from(body, "utf8"));
    assert.equal(record.headers!.get(dlqHeader.bodyKind), "sqs");
    assert.equal(record.headers!.get(`${dlqHeader.attributePrefix}origin`), "x");
  });

  test("a Pub/Sub body (bytes) is the value unchanged", () => {
    const body = Buffer.from([0xff, 0x00, 0x7b]);
    const record = deadLetterRecord("dlq", sourceMessage(body, "pubsub"), error);
    assert.equal(record.value, body);
  });

  test("a replayed message carries its replay count, a failure after parse its event type", () => {
    const replayed = { ...sourceMessage("{}", "sqs"), replayCount: 2 };
    const record = deadLetterRecord("dlq", replayed, error, "order_created.v2");
    assert.equal(record.headers!.get(dlqHeader.replayCount), "2");
    assert.equal(record.headers!.get(dlqHeader.eventType), "order_created.v2");
    const first = deadLetterRecord("dlq", sourceMessage("{}", "sqs"), error);
    assert.equal(first.headers!.has(dlqHeader.replayCount), false);
    assert.equal(first.headers!.has(dlqHeader.eventType), false);
  });
});
