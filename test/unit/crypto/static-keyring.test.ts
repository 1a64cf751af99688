import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { StaticKeyring } from "../../../src/crypto/static-keyring.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { generateStaticKeys } from "../../../tools/legacy-crypto/provision.ts";

const k1 = randomBytes(32).toString("base64");
const k2 = randomBytes(32).toString("base64");
const file = { tenants: { "tenant-0001": { "1": k1, "2": k2 } } };

async function rejectsPermanent(promise: Promise<unknown>, errorClass: string, mentions: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PermanentError);
    assert.equal(error.stage, "key");
    assert.equal(error.errorClass, errorClass);
    assert.ok(error.message.includes(mentions), error.message);
    return true;
  });
}

function throwsNaming(make: () => unknown, mentions: string[], secrets: string[]): void {
  assert.throws(make, (error: unknown) => {
    assert.ok(error instanceof Error);
    for (const m of mentions) assert.ok(error.message.includes(m), `"${error.message}" should mention ${m}`);
    for (const s of secrets) assert.ok(!error.message.includes(s), "error leaks key material");
    return true;
  });
}

describe("StaticKeyring", () => {
  test("peek and load return the keys of every version", async () => {
    const keyring = StaticKeyring.fromJson(JSON.stringify(file), "test");
    const key1 = await keyring.load("tenant-0001", 1);
    assert.deepEqual(key1.export(), Buffer.from(k1, "base64"));
    assert.equal(keyring.peek("tenant-0001", 1), key1);
    assert.deepEqual(keyring.peek("tenant-0001", 2)?.export(), Buffer.from(k2, "base64"));
    assert.equal(keyring.peek("tenant-0001", 3), undefined);
    assert.equal(keyring.peek("tenant-0009", 1), undefined);
    assert.deepEqual([...keyring.tenants()], [["tenant-0001", [1, 2]]]);
  });

  test("unknown tenant and unknown version are permanent key errors", async () => {
    const keyring = StaticKeyring.fromObject(file, "test keys");
    await rejectsPermanent(keyring.load("tenant-0009", 1), "UnknownTenant", "tenant-0009");
    await rejectsPermanent(keyring.load("tenant-0001", 7), "UnknownKeyVersion", "tenant tenant-0001 has no key version 7");
  });

  test("a key of the wrong length names tenant and version, never the key", () => {
    const short = randomBytes(16).toString("base64");
    throwsNaming(
      () => StaticKeyring.fromObject({ tenants: { "tenant-0002": { "3": short } } }, "env MB_KEYS"),
      ["env MB_KEYS", "tenant-0002", "version 3", "16 bytes"],
      [short],
    );
  });

  test("a key that is not base64 names tenant and version, never the key", () => {
    const bad = `${k1.slice(0, 20)}!!${k1.slice(22)}`;
    throwsNaming(
      () => StaticKeyring.fromObject({ tenants: { "tenant-0002": { "1": bad } } }, "f"),
      ["tenant-0002", "version 1"],
      [bad, k1],
    );
    throwsNaming(
      () => StaticKeyring.fromObject({ tenants: { "tenant-0002": { "1": 5 } } }, "f"),
      ["tenant-0002", "version 1"],
      [],
    );
  });

  test("bad tenant ids, versions and structure are rejected", () => {
    throwsNaming(() => StaticKeyring.fromObject({ tenants: { "bad tenant": { "1": k1 } } }, "f"), ['"bad tenant"'], [k1]);
    for (const version of ["0", "x", "01", "-1", "1.5", "99999999999"]) {
      throwsNaming(() => StaticKeyring.fromObject({ tenants: { t1: { [version]: k1 } } }, "f"), [`"${version}"`, "t1"], [k1]);
    }
    throwsNaming(() => StaticKeyring.fromObject({ tenants: { t1: {} } }, "f"), ["t1 has no key versions"], []);
    throwsNaming(() => StaticKeyring.fromObject({ tenants: { t1: [k1] } }, "f"), ["tenant t1"], [k1]);
    throwsNaming(() => StaticKeyring.fromObject({}, "f"), ['"tenants" is missing'], []);
    throwsNaming(() => StaticKeyring.fromObject({ tenants: [] }, "f"), ['"tenants" must be an object'], []);
  });

  test("text that is not JSON is rejected without quoting it", () => {
    const text = `{"tenants": {"t1": {"1": "${k1}"}`;
    throwsNaming(() => StaticKeyring.fromJson(text, "secret MB_KEYS"), ["secret MB_KEYS", "not valid JSON"], [k1]);
  });

  test("fromEnv reads the variable and names it when missing", () => {
    const keyring = StaticKeyring.fromEnv("MB_TEST_KEYS", { MB_TEST_KEYS: JSON.stringify(file) });
    assert.ok(keyring.peek("tenant-0001", 2) !== undefined);
    throwsNaming(() => StaticKeyring.fromEnv("MB_TEST_KEYS", {}), ["MB_TEST_KEYS"], []);
  });

  test("fromFile names the file in errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mb-keys-"));
    try {
      const path = join(dir, "keys.json");
      await writeFile(path, JSON.stringify(file));
      assert.ok((await StaticKeyring.fromFile(path)).peek("tenant-0001", 1) !== undefined);
      await writeFile(path, JSON.stringify({ tenants: { t1: { "1": "AAAA" } } }));
      await assert.rejects(StaticKeyring.fromFile(path), (e: Error) => e.message.includes(path) && e.message.includes("3 bytes"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("generateStaticKeys makes distinct 32-byte keys that load", () => {
    const generated = generateStaticKeys(["a", "b"], [1, 2]);
    const keyring = StaticKeyring.fromObject(generated, "generated");
    const all = new Set<string>();
    for (const tenant of ["a", "b"]) {
      for (const version of [1, 2]) {
        const key = keyring.peek(tenant, version);
        assert.equal(key?.symmetricKeySize, 32);
        all.add(key!.export().toString("hex"));
      }
    }
    assert.equal(all.size, 4);
    assert.throws(() => generateStaticKeys(["bad tenant"], [1]), RangeError);
    assert.throws(() => generateStaticKeys(["a"], [0]), RangeError);
  });
});
