// Untrusted text from transport attributes and envelopes: a malformed traceparent is not
// forwarded, and quoted values in error messages (which reach logs and DLQ headers) carry no raw
// line breaks of any kind.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { quote } from "../../../src/envelope/describe.ts";
import { parseLegacyEnvelope } from "../../../src/envelope/legacy-envelope.ts";
import { traceparentOf } from "../../../src/envelope/read.ts";
import { isW3cTraceparent } from "../../../src/envelope/traceparent.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";

const valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("traceparent", () => {
  it("accepts the W3C version-00 layout", () => {
    assert.equal(isW3cTraceparent(valid), true);
    assert.equal(traceparentOf({ traceparent: valid }), valid);
  });

  for (const [what, value] of [
    ["too short", "00-ab-cd-01"],
    ["upper-case hex", valid.toUpperCase()],
    ["version ff", `ff${valid.slice(2)}`],
    ["all-zero trace id", `00-${"0".repeat(32)}-b7ad6b7169203331-01`],
    ["all-zero parent id", `00-0af7651916cd43dd8448eb211c80319c-${"0".repeat(16)}-01`],
    ["CR/LF appended", `${valid}\r\nX-Injected: 1`],
    ["a trailing line separator", `${valid}\u2028`],
    ["free text", "hello"],
    ["empty", ""],
  ] as const) {
    it(`rejects ${what}; the next attribute is tried`, () => {
      assert.equal(isW3cTraceparent(value), false);
      assert.equal(traceparentOf({ traceparent: value }), undefined);
      assert.equal(traceparentOf({ traceparent: value, googclient_traceparent: valid }), valid);
    });
  }
});

describe("quoted untrusted values", () => {
  it("escape C0, DEL, C1 (NEL), U+2028 and U+2029", () => {
    const quoted = quote("a\r\nb\u001b[31mc\u007fd\u0085e\u2028f\u2029g");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    assert.doesNotMatch(quoted, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    assert.equal(JSON.parse(quoted), "a\r\nb\u001b[31mc\u007fd\u0085e\u2028f\u2029g");
  });

  it("an envelope's event id with a line separator is malformed, and the message stays one line", () => {
    const envelope = {
      v: 1,
      tenant: "t1",
      kver: 1,
      alg: "A256GCM",
      eid: "e\u2028forged",
      iv: Buffer.alloc(12).toString("base64"),
      ct: Buffer.alloc(32).toString("base64"),
    };
    assert.throws(
      () => parseLegacyEnvelope(JSON.stringify(envelope)),
      (error: unknown) =>
        error instanceof PermanentError &&
        error.errorClass === "MalformedEnvelope" &&
        error.message.includes("control character") &&
        !/[\r\n\u0085\u2028\u2029]/.test(error.message),
    );
  });
});
