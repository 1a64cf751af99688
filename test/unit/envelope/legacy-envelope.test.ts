import assert from "node:assert/strict";
import { createSecretKey, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { parseLegacyEnvelope } from "../../../src/envelope/legacy-envelope.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { sealLegacyEnvelope } from "../../../tools/legacy-crypto/seal.ts";

const key = createSecretKey(randomBytes(32));
const sealed = sealLegacyEnvelope(Buffer.from('{"type":"order.placed"}'), "tenant-0007", 2, "evt-1", key);
const valid: Record<string, unknown> = JSON.parse(sealed);

function withField(field: string, value: unknown): string {
  const copy = { ...valid };
  if (value === undefined) delete copy[field];
  else copy[field] = value;
  return JSON.stringify(copy);
}

function expectError(text: string, errorClass: string, mentions: string, tenant: string | undefined): PermanentError {
  let caught: unknown;
  try {
    parseLegacyEnvelope(text);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PermanentError, `expected a PermanentError, got ${String(caught)}`);
  assert.equal(caught.stage, "envelope");
  assert.equal(caught.errorClass, errorClass, caught.message);
  assert.ok(caught.message.includes(mentions), `"${caught.message}" should mention ${mentions}`);
  assert.equal(caught.tenant, tenant);
  assert.doesNotMatch(caught.message, /[\r\n]/);
  return caught;
}

describe("parseLegacyEnvelope", () => {
  test("parses a valid envelope from a string and from a Buffer", () => {
    for (const input of [sealed, Buffer.from(sealed)]) {
      const envelope = parseLegacyEnvelope(input);
      assert.equal(envelope.version, 1);
      assert.equal(envelope.tenant, "tenant-0007");
      assert.equal(envelope.keyVersion, 2);
      assert.equal(envelope.eventId, "evt-1");
      assert.equal(envelope.iv.length, 12);
      assert.equal(envelope.tag.length, 16);
      const ct = Buffer.from(valid.ct as string, "base64");
      assert.deepEqual(Buffer.concat([envelope.ciphertext, envelope.tag]), ct);
      // views into one decoded buffer, not copies
      assert.equal(envelope.ciphertext.buffer, envelope.tag.buffer);
      assert.equal(envelope.ciphertext.byteOffset + envelope.ciphertext.length, envelope.tag.byteOffset);
    }
  });

  test("ignores unknown extra fields", () => {
    assert.equal(parseLegacyEnvelope(withField("extra", { a: 1 })).tenant, "tenant-0007");
  });

  test("accepts a ct of exactly 16 bytes (empty plaintext)", () => {
    const envelope = parseLegacyEnvelope(withField("ct", Buffer.alloc(16).toString("base64")));
    assert.equal(envelope.ciphertext.length, 0);
    assert.equal(envelope.tag.length, 16);
  });

  test("rejects text that is not JSON without echoing it", () => {
    const error = expectError("secret-looking {not json", "MalformedEnvelope", "not valid JSON", undefined);
    assert.ok(!error.message.includes("secret-looking"));
  });

  test("rejects JSON that is not an object", () => {
    expectError("[1,2]", "MalformedEnvelope", "JSON object, got array", undefined);
    expectError("null", "MalformedEnvelope", "JSON object, got null", undefined);
    expectError('"x"', "MalformedEnvelope", "JSON object, got string", undefined);
  });

  const cases: [string, unknown, string, string, string | undefined][] = [
    ["v", undefined, "MalformedEnvelope", '"v" is missing', "tenant-0007"],
    ["v", "1", "MalformedEnvelope", '"v" must be an integer, got string', "tenant-0007"],
    ["v", 2, "UnsupportedEnvelopeVersion", '"v" is 2', "tenant-0007"],
    ["tenant", undefined, "MalformedEnvelope", '"tenant" is missing', undefined],
    ["tenant", 7, "MalformedEnvelope", '"tenant" must be a string, got number', undefined],
    ["tenant", "tenant 7/x", "MalformedEnvelope", '"tenant" "tenant 7/x" does not match', undefined],
    ["tenant", "t".repeat(65), "MalformedEnvelope", '"tenant"', undefined],
    ["tenant", "", "MalformedEnvelope", '"tenant" "" does not match', undefined],
    ["tenant", "a\r\nb", "MalformedEnvelope", '"tenant"', undefined],
    ["alg", undefined, "MalformedEnvelope", '"alg" is missing', "tenant-0007"],
    ["alg", 256, "MalformedEnvelope", '"alg" must be a string, got number', "tenant-0007"],
    ["alg", "A128GCM", "UnsupportedAlgorithm", '"alg" is "A128GCM"', "tenant-0007"],
    ["kver", undefined, "MalformedEnvelope", '"kver" is missing', "tenant-0007"],
    ["kver", "2", "MalformedEnvelope", '"kver" must be an integer, got string', "tenant-0007"],
    ["kver", 0, "MalformedEnvelope", '"kver" must be an integer from 1', "tenant-0007"],
    ["kver", 1.5, "MalformedEnvelope", '"kver" must be an integer from 1', "tenant-0007"],
    ["kver", 2 ** 31, "MalformedEnvelope", '"kver" must be an integer from 1', "tenant-0007"],
    ["eid", undefined, "MalformedEnvelope", '"eid" is missing', "tenant-0007"],
    ["eid", 5, "MalformedEnvelope", '"eid" must be a string, got number', "tenant-0007"],
    ["eid", "", "MalformedEnvelope", '"eid" must have 1 to 256 characters, got 0', "tenant-0007"],
    ["eid", "e".repeat(257), "MalformedEnvelope", '"eid" must have 1 to 256 characters, got 257', "tenant-0007"],
    ["eid", "evt\n1", "MalformedEnvelope", '"eid" "evt\\n1" contains a control character', "tenant-0007"],
    ["iv", undefined, "MalformedEnvelope", '"iv" is missing', "tenant-0007"],
    ["iv", [1, 2], "MalformedEnvelope", '"iv" must be a base64 string, got array', "tenant-0007"],
    ["iv", "AAAA*AAAAAAAAAAA", "MalformedEnvelope", '"iv" is not valid base64', "tenant-0007"],
    ["iv", Buffer.alloc(16).toString("base64"), "MalformedEnvelope", '"iv" must decode to 12 bytes, got 16', "tenant-0007"],
    ["iv", Buffer.alloc(11).toString("base64"), "MalformedEnvelope", '"iv" must decode to 12 bytes, got 11', "tenant-0007"],
    ["ct", undefined, "MalformedEnvelope", '"ct" is missing', "tenant-0007"],
    ["ct", {}, "MalformedEnvelope", '"ct" must be a base64 string, got object', "tenant-0007"],
    ["ct", "AAAA AAAA", "MalformedEnvelope", '"ct" is not valid base64', "tenant-0007"],
    ["ct", Buffer.alloc(15).toString("base64"), "MalformedEnvelope", '"ct" must decode to at least 16 bytes', "tenant-0007"],
  ];
  for (const [field, value, errorClass, mentions, tenant] of cases) {
    const shown = JSON.stringify(value) ?? "(missing)";
    test(`field ${field} = ${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown} → ${errorClass}`, () => {
      expectError(withField(field, value), errorClass, mentions, tenant);
    });
  }

  test("an oversized tenant value is truncated in the message", () => {
    const error = expectError(withField("tenant", "x".repeat(10_000)), "MalformedEnvelope", '"tenant"', undefined);
    assert.ok(error.message.length < 300, error.message);
  });
});
