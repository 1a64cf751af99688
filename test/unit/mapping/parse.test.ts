import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseLegacyEvent } from "../../../src/mapping/parse.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";

const SECRET = "4111111111111111";

function parse(text: string): ReturnType<typeof parseLegacyEvent> {
  return parseLegacyEvent(Buffer.from(text), "acme");
}

function rejects(text: string, errorClass: string, message: RegExp): PermanentError {
  let caught: unknown;
  try {
    parse(text);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PermanentError, "throws a PermanentError");
  assert.equal(caught.stage, "parse");
  assert.equal(caught.errorClass, errorClass);
  assert.equal(caught.tenant, "acme");
  assert.match(caught.message, message);
  assert.ok(!caught.message.includes(SECRET), "the message never quotes the payload");
  assert.equal(caught.cause, undefined, "no cause that could carry payload text");
  return caught;
}

describe("parseLegacyEvent", () => {
  test("parses a well-formed event; body is the whole object", () => {
    const event = parse(`{"event_type":"order_created","event_version":2,"event_id":"e-1","card":"${SECRET}"}`);
    assert.equal(event.type, "order_created");
    assert.equal(event.version, 2);
    assert.equal(event.id, "e-1");
    assert.equal(event.body.card, SECRET);
  });

  test("accepts a Uint8Array view at an offset", () => {
    const bytes = new TextEncoder().encode(`xx{"event_type":"a","event_version":1,"event_id":"i"}`);
    assert.equal(parseLegacyEvent(bytes.subarray(2), "acme").type, "a");
  });

  test("tolerates a UTF-8 byte-order mark", () => {
    assert.equal(parse(`\uFEFF{"event_type":"a","event_version":1,"event_id":"i"}`).id, "i");
  });

  test("invalid JSON → MalformedJson without quoting the input", () => {
    rejects(`{"event_type":"a","card":"${SECRET}"`, "MalformedJson", /not valid JSON \(\d+ bytes\)/);
    rejects(`${SECRET} trailing`, "MalformedJson", /not valid JSON/);
    rejects("", "MalformedJson", /\(0 bytes\)/);
  });

  test("non-object JSON → MalformedLegacyEvent naming the type", () => {
    rejects(`["${SECRET}"]`, "MalformedLegacyEvent", /must be a JSON object \(got array\)/);
    rejects("null", "MalformedLegacyEvent", /got null/);
    rejects(`"${SECRET}"`, "MalformedLegacyEvent", /got string/);
  });

  test("event_type missing, wrong type or not an identifier", () => {
    rejects(`{"event_version":1,"event_id":"${SECRET}"}`, "MalformedLegacyEvent", /event_type must be a string \(missing\)/);
    rejects(
      `{"event_type":7,"event_version":1,"event_id":"x"}`,
      "MalformedLegacyEvent",
      /event_type must be a string \(got number\)/,
    );
    rejects(
      `{"event_type":"${SECRET} x\\r\\n","event_version":1,"event_id":"x"}`,
      "MalformedLegacyEvent",
      /event_type must be an identifier/,
    );
    rejects(`{"event_type":"","event_version":1,"event_id":"x"}`, "MalformedLegacyEvent", /identifier/);
  });

  test("event_version must be a positive integer number", () => {
    rejects(`{"event_type":"a","event_id":"x"}`, "MalformedLegacyEvent", /event_version .*\(missing\)/);
    rejects(`{"event_type":"a","event_version":"1","event_id":"x"}`, "MalformedLegacyEvent", /event_version .*\(got string\)/);
    rejects(`{"event_type":"a","event_version":0,"event_id":"x"}`, "MalformedLegacyEvent", /event_version/);
    rejects(`{"event_type":"a","event_version":1.5,"event_id":"x"}`, "MalformedLegacyEvent", /event_version/);
  });

  test("event_id must be a non-empty string of bounded length", () => {
    rejects(`{"event_type":"a","event_version":1}`, "MalformedLegacyEvent", /event_id .*\(missing\)/);
    rejects(`{"event_type":"a","event_version":1,"event_id":42}`, "MalformedLegacyEvent", /event_id .*\(got number\)/);
    rejects(`{"event_type":"a","event_version":1,"event_id":""}`, "MalformedLegacyEvent", /got 0 chars/);
    rejects(`{"event_type":"a","event_version":1,"event_id":"${"x".repeat(257)}"}`, "MalformedLegacyEvent", /got 257 chars/);
  });
});
