import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { CachingKeyring, type KeyCacheLimits } from "../../../src/crypto/caching-keyring.ts";
import type { DataKeyProvider } from "../../../src/crypto/keyring.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";

/** A provider whose answers the test scripts; counts calls and keeps every buffer it handed out. */
class FakeProvider implements DataKeyProvider {
  readonly description = "fake provider";
  calls = 0;
  handedOut: Uint8Array[] = [];
  next: () => Promise<Uint8Array> = async () => randomBytes(32);
  resolve(tenant: string, _keyVersion: number): Promise<Uint8Array> {
    this.calls++;
    if (tenant === "nobody") return Promise.reject(new PermanentError("UnknownTenant", "no such tenant", { tenant }));
    return this.next().then((bytes) => {
      this.handedOut.push(bytes);
      return bytes;
    });
  }
}

function setup(limits: Partial<KeyCacheLimits> = {}) {
  const clock = { now: 1_000_000 };
  const provider = new FakeProvider();
  const keyring = new CachingKeyring(provider, {
    maxAgeMs: 60_000,
    maxUses: 1000,
    refreshAhead: 1,
    now: () => clock.now,
    ...limits,
  });
  return { clock, provider, keyring };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("CachingKeyring", () => {
  test("peek misses before the first load, hits after; the provider's buffer is zeroed", async () => {
    const { provider, keyring } = setup();
    assert.equal(keyring.peek("t1", 1), undefined);
    const key = await keyring.load("t1", 1);
    assert.equal(keyring.peek("t1", 1), key);
    assert.equal(keyring.peek("t1", 2), undefined);
    assert.equal(provider.calls, 1);
    assert.ok(provider.handedOut[0]!.every((b) => b === 0));
    assert.equal(key.symmetricKeySize, 32);
  });

  test("concurrent loads of one key share one provider call", async () => {
    const { provider, keyring } = setup();
    const keys = await Promise.all(Array.from({ length: 10 }, () => keyring.load("t1", 1)));
    assert.equal(provider.calls, 1);
    assert.ok(keys.every((k) => k === keys[0]));
    await keyring.load("t1", 2);
    assert.equal(provider.calls, 2);
  });

  test("max uses: a key is handed out at most maxUses times (load and peek both count)", async () => {
    const { provider, keyring } = setup({ maxUses: 5 });
    const first = await keyring.load("t1", 1); // use 1
    for (let i = 0; i < 4; i++) assert.equal(keyring.peek("t1", 1), first); // uses 2..5
    assert.equal(keyring.peek("t1", 1), undefined);
    const second = await keyring.load("t1", 1);
    assert.equal(provider.calls, 2);
    assert.notEqual(second, first);
  });

  test("max uses counts every waiter of a shared load", async () => {
    const { keyring } = setup({ maxUses: 5 });
    await Promise.all([keyring.load("t1", 1), keyring.load("t1", 1), keyring.load("t1", 1)]);
    assert.ok(keyring.peek("t1", 1) !== undefined);
    assert.ok(keyring.peek("t1", 1) !== undefined);
    assert.equal(keyring.peek("t1", 1), undefined);
  });

  test("max age: a key is dropped exactly maxAgeMs after it was fetched", async () => {
    const { clock, provider, keyring } = setup({ maxAgeMs: 10_000 });
    await keyring.load("t1", 1);
    clock.now += 9_999;
    assert.ok(keyring.peek("t1", 1) !== undefined);
    clock.now += 1;
    assert.equal(keyring.peek("t1", 1), undefined);
    await keyring.load("t1", 1);
    assert.equal(provider.calls, 2);
  });

  test("refresh-ahead fetches the successor in the background; peeks never miss", async () => {
    const { clock, provider, keyring } = setup({ maxUses: 10, maxAgeMs: 10_000, refreshAhead: 0.5 });
    const first = await keyring.load("t1", 1); // 9 uses left
    for (let i = 0; i < 3; i++) assert.equal(keyring.peek("t1", 1), first); // 6 left
    assert.equal(provider.calls, 1);
    assert.equal(keyring.peek("t1", 1), first); // 5 left = threshold → refresh starts
    assert.equal(provider.calls, 2);
    assert.equal(keyring.peek("t1", 1), first); // still the old key while refreshing; no second refresh
    assert.equal(provider.calls, 2);
    await tick();
    const second = keyring.peek("t1", 1);
    assert.ok(second !== undefined && second !== first);
    // age-based: half of maxAge later the next refresh starts
    clock.now += 5_000;
    assert.equal(keyring.peek("t1", 1), second);
    assert.equal(provider.calls, 3);
  });

  test("a failed background refresh keeps the current key and retries after refreshRetryMs", async () => {
    const { clock, provider, keyring } = setup({ maxUses: 100, maxAgeMs: 10_000, refreshAhead: 0.5, refreshRetryMs: 1000 });
    const first = await keyring.load("t1", 1);
    provider.next = () => Promise.reject(new Error("KMS throttled"));
    clock.now += 5_000;
    assert.equal(keyring.peek("t1", 1), first);
    assert.equal(provider.calls, 2);
    await tick();
    assert.equal(keyring.peek("t1", 1), first);
    assert.equal(provider.calls, 2, "no retry before refreshRetryMs");
    clock.now += 1000;
    provider.next = async () => randomBytes(32);
    assert.equal(keyring.peek("t1", 1), first);
    assert.equal(provider.calls, 3);
    await tick();
    assert.notEqual(keyring.peek("t1", 1), first);
  });

  test("a permanent unwrap failure is remembered for permanentErrorTtlMs, then retried", async () => {
    const { clock, provider, keyring } = setup({ permanentErrorTtlMs: 30_000 });
    const failure = new PermanentError("KeyUnwrapFailed", "refused", { tenant: "t1" });
    provider.next = () => Promise.reject(failure);
    await assert.rejects(keyring.load("t1", 1), (e) => e === failure);
    await assert.rejects(keyring.load("t1", 1), (e) => e === failure);
    assert.equal(provider.calls, 1);
    clock.now += 30_000;
    provider.next = async () => randomBytes(32);
    await keyring.load("t1", 1);
    assert.equal(provider.calls, 2);
  });

  test("transient failures are not remembered", async () => {
    const { provider, keyring } = setup();
    provider.next = () => Promise.reject(new Error("connect ECONNREFUSED"));
    await assert.rejects(keyring.load("t1", 1), (e: unknown) => e instanceof Error && !(e instanceof PermanentError));
    provider.next = async () => randomBytes(32);
    await keyring.load("t1", 1);
    assert.equal(provider.calls, 2);
  });

  test("unknown tenants are not cached (made-up tenant ids must not grow the cache)", async () => {
    const { provider, keyring } = setup();
    await assert.rejects(
      keyring.load("nobody", 1),
      (e: unknown) => e instanceof PermanentError && e.errorClass === "UnknownTenant",
    );
    await assert.rejects(keyring.load("nobody", 1), (e: unknown) => e instanceof PermanentError);
    assert.equal(provider.calls, 2);
  });

  test("a data key of the wrong length is a permanent InvalidDataKey error, zeroed, not echoed", async () => {
    const { provider, keyring } = setup();
    const short = randomBytes(16);
    const copy = Buffer.from(short);
    provider.next = async () => short;
    await assert.rejects(keyring.load("t1", 1), (e: unknown) => {
      assert.ok(e instanceof PermanentError);
      assert.equal(e.errorClass, "InvalidDataKey");
      assert.match(e.message, /tenant t1 version 1 has 16 bytes/);
      assert.ok(!e.message.includes(copy.toString("base64")) && !e.message.includes(copy.toString("hex")));
      return true;
    });
    assert.ok(short.every((b) => b === 0));
  });

  test("a provider that throws synchronously still yields a rejected promise", async () => {
    const provider: DataKeyProvider = {
      description: "sync thrower",
      resolve() {
        throw new Error("boom");
      },
    };
    const keyring = new CachingKeyring(provider, { maxAgeMs: 1000, maxUses: 10 });
    await assert.rejects(keyring.load("t1", 1), /boom/);
  });

  test("limits are validated", () => {
    const provider = new FakeProvider();
    assert.throws(() => new CachingKeyring(provider, { maxAgeMs: 0, maxUses: 10 }), RangeError);
    assert.throws(() => new CachingKeyring(provider, { maxAgeMs: 10, maxUses: 0 }), RangeError);
    assert.throws(() => new CachingKeyring(provider, { maxAgeMs: 10, maxUses: 1.5 }), RangeError);
    assert.throws(() => new CachingKeyring(provider, { maxAgeMs: 10, maxUses: 10, refreshAhead: 0 }), RangeError);
  });
});
