import assert from "node:assert/strict";
import { createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { openLegacyEnvelope } from "../../../src/crypto/decrypt.ts";
import { StaticKeyring } from "../../../src/crypto/static-keyring.ts";
import { parseLegacyEnvelope } from "../../../src/envelope/legacy-envelope.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { sealLegacyEnvelope } from "../../../tools/legacy-crypto/seal.ts";

const rawKey = randomBytes(32);
const key = createSecretKey(rawKey);
const secretText = '{"type":"card.charged","pan":"4111111111111111","cvv":"123"}';
const plaintext = Buffer.from(secretText);

function expectAuthFailure(text: string, withKey: KeyObject, tenant: string): void {
  const envelope = parseLegacyEnvelope(text);
  let caught: unknown;
  try {
    openLegacyEnvelope(envelope, withKey);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PermanentError, `expected a PermanentError, got ${String(caught)}`);
  assert.equal(caught.stage, "decrypt");
  assert.equal(caught.errorClass, "AuthenticationFailed");
  assert.equal(caught.tenant, tenant);
  assert.match(caught.message, new RegExp(`tenant ${tenant} key version ${envelope.keyVersion}`));
  // Neither key material nor plaintext in the message
  for (const secret of [rawKey.toString("base64"), rawKey.toString("hex"), secretText, "4111111111111111"]) {
    assert.ok(!caught.message.includes(secret), "error message leaks a secret");
    assert.ok(!String(caught.stack).includes(secret), "error stack leaks a secret");
  }
}

/** Re-encodes one field of the envelope JSON after changing its bytes. */
function mutate(text: string, field: "iv" | "ct", change: (bytes: Buffer) => void): string {
  const json = JSON.parse(text) as Record<string, unknown>;
  const bytes = Buffer.from(json[field] as string, "base64");
  change(bytes);
  json[field] = bytes.toString("base64");
  return JSON.stringify(json);
}

describe("seal → open", () => {
  test("round trip for 0, 1, 1 KB and 4 KB plaintexts", () => {
    for (const size of [0, 1, 1024, 4096]) {
      const data = randomBytes(size);
      const text = sealLegacyEnvelope(data, "tenant-0001", 1, `evt-${size}`, key);
      const envelope = parseLegacyEnvelope(text);
      assert.equal(envelope.eventId, `evt-${size}`);
      assert.deepEqual(openLegacyEnvelope(envelope, key), data);
    }
  });

  test("the envelope has the documented shape and a fresh random iv every time", () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const json = JSON.parse(sealLegacyEnvelope(plaintext, "tenant-0001", 3, "e", key)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(json), ["v", "tenant", "kver", "alg", "eid", "iv", "ct"]);
      assert.equal(json.alg, "A256GCM");
      ivs.add(json.iv as string);
    }
    assert.equal(ivs.size, 2000);
  });

  test("event ids with quotes are JSON-escaped", () => {
    const text = sealLegacyEnvelope(plaintext, "tenant-0001", 1, 'a"b\\c', key);
    assert.equal(parseLegacyEnvelope(text).eventId, 'a"b\\c');
  });

  test("a flipped bit in ciphertext, tag or iv fails authentication", () => {
    const text = sealLegacyEnvelope(plaintext, "tenant-0001", 1, "evt", key);
    const ctLength = Buffer.from((JSON.parse(text) as { ct: string }).ct, "base64").length;
    expectAuthFailure(
      mutate(text, "ct", (b) => (b[0]! ^= 0x01)),
      key,
      "tenant-0001",
    ); // ciphertext
    expectAuthFailure(
      mutate(text, "ct", (b) => (b[ctLength - 1]! ^= 0x80)),
      key,
      "tenant-0001",
    ); // tag
    expectAuthFailure(
      mutate(text, "iv", (b) => (b[5]! ^= 0x10)),
      key,
      "tenant-0001",
    );
  });

  test("an envelope relabelled with another tenant or key version fails, even with the same key", () => {
    const text = sealLegacyEnvelope(plaintext, "tenant-0001", 1, "evt", key);
    expectAuthFailure(text.replace('"tenant":"tenant-0001"', '"tenant":"tenant-0002"'), key, "tenant-0002");
    expectAuthFailure(text.replace('"kver":1', '"kver":2'), key, "tenant-0001");
  });

  test("the wrong key fails authentication", () => {
    const text = sealLegacyEnvelope(plaintext, "tenant-0001", 1, "evt", key);
    expectAuthFailure(text, createSecretKey(randomBytes(32)), "tenant-0001");
  });

  test("key rotation: envelopes under v1 and v2 both open, each only with its own key", async () => {
    const keys = {
      tenants: { "tenant-0001": { "1": randomBytes(32).toString("base64"), "2": randomBytes(32).toString("base64") } },
    };
    const keyring = StaticKeyring.fromObject(keys, "test keys");
    const v1 = await keyring.load("tenant-0001", 1);
    const v2 = await keyring.load("tenant-0001", 2);
    const old = parseLegacyEnvelope(sealLegacyEnvelope(Buffer.from("old"), "tenant-0001", 1, "e1", v1));
    const fresh = parseLegacyEnvelope(sealLegacyEnvelope(Buffer.from("new"), "tenant-0001", 2, "e2", v2));
    assert.equal(openLegacyEnvelope(old, keyring.peek("tenant-0001", old.keyVersion)!).toString(), "old");
    assert.equal(openLegacyEnvelope(fresh, keyring.peek("tenant-0001", fresh.keyVersion)!).toString(), "new");
    assert.throws(
      () => openLegacyEnvelope(old, v2),
      (e: unknown) => e instanceof PermanentError && e.errorClass === "AuthenticationFailed",
    );
  });

  test("seal rejects bad inputs", () => {
    assert.throws(() => sealLegacyEnvelope(plaintext, "bad tenant", 1, "e", key), RangeError);
    assert.throws(() => sealLegacyEnvelope(plaintext, "t", 0, "e", key), RangeError);
    assert.throws(() => sealLegacyEnvelope(plaintext, "t", 1, "", key), RangeError);
    assert.throws(() => sealLegacyEnvelope(plaintext, "t", 1, "e", createSecretKey(randomBytes(16))), RangeError);
  });
});
