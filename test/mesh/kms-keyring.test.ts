// KmsKeyring against moto's KMS: envelope data keys bound to the tenant by encryption context.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { CreateKeyCommand, DecryptCommand, GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { openLegacyEnvelope } from "../../src/crypto/decrypt.ts";
import { KmsKeyring, type KmsKeyringOptions } from "../../src/crypto/kms-keyring.ts";
import { StaticKeyring } from "../../src/crypto/static-keyring.ts";
import { parseLegacyEnvelope } from "../../src/envelope/legacy-envelope.ts";
import { isPermanent, isTransient, PermanentError } from "../../src/pipeline/errors.ts";
import { provisionKmsTenantKeys } from "../../tools/legacy-crypto/provision.ts";
import { sealLegacyEnvelope } from "../../tools/legacy-crypto/seal.ts";

const credentials = { accessKeyId: "test", secretAccessKey: "test" };
const suffix = randomBytes(4).toString("hex");
const tenants = [`kt-${suffix}-a`, `kt-${suffix}-b`, `kt-${suffix}-c`] as const;
const [tenantA, tenantB] = tenants;

/** A client that counts the Decrypt calls it sends. */
function countingClient(endpoint = meshEndpoints.awsEndpoint, maxAttempts = 3): { client: KMSClient; decrypts: () => number } {
  const client = new KMSClient({ endpoint, region: "us-east-1", credentials, maxAttempts });
  let count = 0;
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === "DecryptCommand") count++;
      return next(args);
    },
    { step: "initialize", name: "countDecrypts" },
  );
  return { client, decrypts: () => count };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

describe("KmsKeyring against moto KMS", () => {
  const admin = new KMSClient({ endpoint: meshEndpoints.awsEndpoint, region: "us-east-1", credentials });
  let kmsKeyId = "";
  let file: Awaited<ReturnType<typeof provisionKmsTenantKeys>>["file"];
  let plainKeys: StaticKeyring;
  const limits = { maxAgeMs: 60_000, maxUses: 1_000_000 } as const;

  before(async () => {
    const created = await admin.send(new CreateKeyCommand({ Description: `meshbridge kms-keyring test ${suffix}` }));
    kmsKeyId = created.KeyMetadata?.Arn ?? "";
    assert.ok(kmsKeyId !== "");
    const provisioned = await provisionKmsTenantKeys(admin, kmsKeyId, tenants, [1, 2]);
    file = provisioned.file;
    plainKeys = StaticKeyring.fromObject(provisioned.plaintextKeys, "provisioned plaintext keys");
  });

  after(() => admin.destroy());

  test("KMS proof: a data key generated with context {tenant: A} decrypts with A and fails with B", async () => {
    const generated = await admin.send(
      new GenerateDataKeyCommand({ KeyId: kmsKeyId, KeySpec: "AES_256", EncryptionContext: { tenant: tenantA } }),
    );
    const same = await admin.send(
      new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { tenant: tenantA } }),
    );
    assert.deepEqual(Buffer.from(same.Plaintext!), Buffer.from(generated.Plaintext!));
    await assert.rejects(
      admin.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: { tenant: tenantB } })),
      (error: Error) => error.name === "InvalidCiphertextException",
    );
    await assert.rejects(
      admin.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob })),
      (error: Error) => error.name === "InvalidCiphertextException",
    );
  });

  test("provisioning wrote 3 tenants × 2 versions", () => {
    assert.equal(file.kmsKeyId, kmsKeyId);
    assert.deepEqual(Object.keys(file.tenants), [...tenants]);
    for (const tenant of tenants) assert.deepEqual(Object.keys(file.tenants[tenant]!), ["1", "2"]);
  });

  test("decrypts envelopes sealed with the provisioned plaintext keys, every tenant and version", async () => {
    const { client, decrypts } = countingClient();
    const keyring = new KmsKeyring(file, { kms: client, ...limits });
    try {
      for (const tenant of tenants) {
        for (const version of [1, 2]) {
          const plaintext = Buffer.from(`{"tenant":"${tenant}","v":${version}}`);
          const sealed = sealLegacyEnvelope(
            plaintext,
            tenant,
            version,
            `e-${tenant}-${version}`,
            plainKeys.peek(tenant, version)!,
          );
          const envelope = parseLegacyEnvelope(sealed);
          assert.equal(keyring.peek(tenant, version), undefined);
          const key = await keyring.load(tenant, version);
          assert.deepEqual(openLegacyEnvelope(envelope, key), plaintext);
          assert.equal(keyring.peek(tenant, version), key);
        }
      }
      assert.equal(decrypts(), 6);
      // An envelope of tenant A cannot be opened with tenant B's key
      const sealedA = parseLegacyEnvelope(sealLegacyEnvelope(Buffer.from("x"), tenantA, 1, "e", plainKeys.peek(tenantA, 1)!));
      assert.throws(
        () => openLegacyEnvelope(sealedA, keyring.peek(tenantB, 1)!),
        (e: unknown) => isPermanent(e),
      );
    } finally {
      await keyring.close();
      client.destroy();
    }
  });

  test("concurrent loads of one key share one KMS Decrypt", async () => {
    const { client, decrypts } = countingClient();
    const keyring = new KmsKeyring(file, { kms: client, ...limits });
    const keys = await Promise.all(Array.from({ length: 20 }, () => keyring.load(tenantA, 2)));
    assert.ok(keys.every((k) => k === keys[0]));
    assert.equal(decrypts(), 1);
    client.destroy();
  });

  test("a data key listed under the wrong tenant is a permanent KeyUnwrapFailed, remembered without new KMS calls", async () => {
    const { client, decrypts } = countingClient();
    const swapped = {
      kmsKeyId,
      tenants: { [tenantB]: { "1": file.tenants[tenantA]!["1"]! } },
    };
    const keyring = new KmsKeyring(swapped, { kms: client, ...limits, origin: "swapped test file" });
    for (let i = 0; i < 3; i++) {
      await assert.rejects(keyring.load(tenantB, 1), (error: unknown) => {
        assert.ok(error instanceof PermanentError);
        assert.equal(error.stage, "key");
        assert.equal(error.errorClass, "KeyUnwrapFailed");
        assert.equal(error.tenant, tenantB);
        assert.match(error.message, new RegExp(`tenant ${tenantB} version 1 \\(InvalidCiphertextException\\)`));
        return true;
      });
    }
    assert.equal(decrypts(), 1);
    client.destroy();
  });

  test("unknown tenant and version are permanent and need no KMS call", async () => {
    const { client, decrypts } = countingClient();
    const keyring = new KmsKeyring(file, { kms: client, ...limits });
    await assert.rejects(
      keyring.load(`kt-${suffix}-zz`, 1),
      (e: unknown) => e instanceof PermanentError && e.errorClass === "UnknownTenant",
    );
    await assert.rejects(
      keyring.load(tenantA, 9),
      (e: unknown) => e instanceof PermanentError && e.errorClass === "UnknownKeyVersion",
    );
    assert.equal(decrypts(), 0);
    client.destroy();
  });

  test("a KMS key that does not exist is permanent (NotFoundException)", async () => {
    const { client } = countingClient();
    const missingKey = kmsKeyId.replace(/key\/.*$/, "key/00000000-0000-0000-0000-000000000000");
    const keyring = new KmsKeyring({ ...file, kmsKeyId: missingKey }, { kms: client, ...limits });
    await assert.rejects(
      keyring.load(tenantA, 1),
      (e: unknown) => e instanceof PermanentError && /NotFoundException/.test(e.message),
    );
    client.destroy();
  });

  test("cache max age is honored: after maxAgeMs the next load calls KMS again", async () => {
    const { client, decrypts } = countingClient();
    const clock = { now: 0 };
    const options: KmsKeyringOptions = { kms: client, maxAgeMs: 5_000, maxUses: 1_000, refreshAhead: 1, now: () => clock.now };
    const keyring = new KmsKeyring(file, options);
    const first = await keyring.load(tenantC(), 1);
    clock.now = 4_999;
    assert.equal(keyring.peek(tenantC(), 1), first);
    assert.equal(decrypts(), 1);
    clock.now = 5_000;
    assert.equal(keyring.peek(tenantC(), 1), undefined);
    const second = await keyring.load(tenantC(), 1);
    assert.equal(decrypts(), 2);
    assert.deepEqual(second.export(), first.export()); // same data key, fetched again
    client.destroy();
  });

  test("cache max use count is honored: after maxUses hand-outs the next load calls KMS again", async () => {
    const { client, decrypts } = countingClient();
    const keyring = new KmsKeyring(file, { kms: client, maxAgeMs: 60_000, maxUses: 100, refreshAhead: 1 });
    await keyring.load(tenantC(), 2); // use 1
    let hits = 0;
    while (keyring.peek(tenantC(), 2) !== undefined) hits++;
    assert.equal(hits, 99);
    assert.equal(decrypts(), 1);
    await keyring.load(tenantC(), 2);
    assert.equal(decrypts(), 2);
    client.destroy();
  });

  test("an unreachable KMS endpoint is a transient (non-permanent) error naming the tenant", async () => {
    const port = await closedPort();
    const { client, decrypts } = countingClient(`http://127.0.0.1:${port}`, 1);
    const keyring = new KmsKeyring(file, { kms: client, ...limits });
    await assert.rejects(keyring.load(tenantA, 1), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(!isPermanent(error), `expected transient, got ${String(error)}`);
      assert.ok(isTransient(error) && error.errorClass === "KeyServiceUnavailable", `a known transient class: ${String(error)}`);
      assert.match(error.message, new RegExp(`KMS Decrypt of the data key of tenant ${tenantA} version 1 failed`));
      assert.doesNotMatch(error.message, /[\r\n]/);
      return true;
    });
    // not remembered: the next load tries KMS again
    await assert.rejects(keyring.load(tenantA, 1), (error: unknown) => !isPermanent(error));
    assert.equal(decrypts(), 2);
    client.destroy();
  });

  test("with an AwsClientConfig the keyring creates its own client and destroys it on close", async () => {
    const keyring = new KmsKeyring(JSON.stringify(file), {
      kms: { region: "us-east-1", endpoint: meshEndpoints.awsEndpoint, credentials },
      ...limits,
    });
    assert.equal((await keyring.load(tenantB, 2)).symmetricKeySize, 32);
    await keyring.close();
  });
});

function tenantC(): string {
  return tenants[2];
}
