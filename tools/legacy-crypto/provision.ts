// Creating tenant data keys: for the simulator, tests and first-time setup.

import { randomBytes } from "node:crypto";
import { GenerateDataKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import type { KmsKeyFile } from "../../src/crypto/kms-keyring.ts";
import { tenantEncryptionContext } from "../../src/crypto/kms-keyring.ts";
import type { StaticKeyFile } from "../../src/crypto/static-keyring.ts";
import { isTenantId, TENANT_ID_PATTERN } from "../../src/envelope/tenant-id.ts";

const PROVISION_CONCURRENCY = 8;

function checkInputs(tenants: readonly string[], versions: readonly number[]): void {
  for (const tenant of tenants) {
    if (!isTenantId(tenant))
      throw new RangeError(`tenant id ${JSON.stringify(tenant)} does not match ${TENANT_ID_PATTERN.source}`);
  }
  for (const version of versions) {
    if (!Number.isInteger(version) || version < 1) throw new RangeError(`key version ${version} is not a positive integer`);
  }
}

/** Random 32-byte data keys for every tenant × version, in the static key file format. */
export function generateStaticKeys(tenants: readonly string[], versions: readonly number[]): StaticKeyFile {
  checkInputs(tenants, versions);
  const file: Record<string, Record<string, string>> = {};
  for (const tenant of tenants) {
    const byVersion: Record<string, string> = {};
    for (const version of versions) byVersion[version] = randomBytes(32).toString("base64");
    file[tenant] = byVersion;
  }
  return { tenants: file };
}

export interface ProvisionedKmsKeys {
  /** The KMS key file (wrapped data keys) for KmsKeyring. */
  readonly file: KmsKeyFile;
  /** The same data keys in plain, static key file format: what the simulator encrypts with. Keep it out of production. */
  readonly plaintextKeys: StaticKeyFile;
}

/** GenerateDataKey (AES_256, EncryptionContext {tenant}) for every tenant × version. */
export async function provisionKmsTenantKeys(
  kms: KMSClient,
  kmsKeyId: string,
  tenants: readonly string[],
  versions: readonly number[],
): Promise<ProvisionedKmsKeys> {
  checkInputs(tenants, versions);
  // Filled in tenant order up front, so the file lists tenants in the order given.
  const wrapped: Record<string, Record<string, string>> = {};
  const plain: Record<string, Record<string, string>> = {};
  for (const tenant of tenants) {
    wrapped[tenant] = {};
    plain[tenant] = {};
  }
  const jobs = tenants.flatMap((tenant) => versions.map((version) => ({ tenant, version })));
  let next = 0;
  async function worker(): Promise<void> {
    for (let job = jobs[next++]; job !== undefined; job = jobs[next++]) {
      const { tenant, version } = job;
      const out = await kms.send(
        new GenerateDataKeyCommand({ KeyId: kmsKeyId, KeySpec: "AES_256", EncryptionContext: tenantEncryptionContext(tenant) }),
      );
      if (out.CiphertextBlob === undefined || out.Plaintext === undefined) {
        throw new Error(`KMS GenerateDataKey for tenant ${tenant} version ${version} returned no key`);
      }
      wrapped[tenant]![version] = Buffer.from(out.CiphertextBlob).toString("base64");
      plain[tenant]![version] = Buffer.from(out.Plaintext).toString("base64");
      out.Plaintext.fill(0);
    }
  }
  await Promise.all(Array.from({ length: Math.min(PROVISION_CONCURRENCY, jobs.length) }, worker));
  return { file: { kmsKeyId, tenants: wrapped }, plaintextKeys: { tenants: plain } };
}
