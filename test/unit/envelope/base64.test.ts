import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeBase64Strict } from "../../../src/envelope/base64.ts";

test("decodes padded and unpadded base64 of every length", () => {
  for (let n = 0; n < 40; n++) {
    const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
    const padded = bytes.toString("base64");
    assert.deepEqual(decodeBase64Strict(padded), bytes, `padded, ${n} bytes`);
    assert.deepEqual(decodeBase64Strict(padded.replace(/=+$/, "")), bytes, `unpadded, ${n} bytes`);
  }
});

test("rejects characters outside the alphabet, bad padding and impossible lengths", () => {
  for (const bad of ["AAAA*AAA", "AA AA", "AAAA\nAAAA", "A", "AAAAA", "A===", "AA=A", "=AAA", "AAA==", "AB=", "é123"]) {
    assert.equal(decodeBase64Strict(bad), undefined, JSON.stringify(bad));
  }
});
