// A world's static data keys wrapped by a KMS key of the stack's moto (EncryptionContext
// {tenant}), as a KMS key file: the same keys the simulator seals with, unwrapped by the bridge
// through KMS (Pub/Sub worlds have only static keys).
import { readFileSync, writeFileSync } from "node:fs";
import { CreateKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import { type KmsKeyFile, tenantEncryptionContext } from "../../../src/crypto/kms-keyring.ts";
import type { StaticKeyFile } from "../../../src/crypto/static-keyring.ts";
import { meshKms } from "../../support/mesh.ts";

export interface WrappedKeys {
  readonly file: string;
  /** base64 CiphertextBlob -> {tenant, version}. */
  readonly byBlob: ReadonlyMap<string, { readonly tenant: string; readonly version: number }>;
}

export async function wrapStaticKeys(staticKeyFile: string, out: string): Promise<WrappedKeys> {
  const keys = JSON.parse(readFileSync(staticKeyFile, "utf8")) as StaticKeyFile;
  const kms = meshKms();
  try {
    const created = await kms.send(new CreateKeyCommand({ Description: `meshbridge fault test ${out}` }));
    const kmsKeyId = created.KeyMetadata?.Arn;
    if (kmsKeyId === undefined) throw new Error("moto CreateKey returned no key ARN");
    const tenants: Record<string, Record<string, string>> = {};
    const byBlob = new Map<string, { tenant: string; version: number }>();
    for (const [tenant, versions] of Object.entries(keys.tenants)) {
      tenants[tenant] = {};
      for (const [version, key] of Object.entries(versions)) {
        const wrapped = await kms.send(
          new EncryptCommand({
            KeyId: kmsKeyId,
            Plaintext: Buffer.from(key, "base64"),
            EncryptionContext: tenantEncryptionContext(tenant),
          }),
        );
        if (wrapped.CiphertextBlob === undefined) throw new Error(`moto Encrypt returned no blob for ${tenant} v${version}`);
        const blob = Buffer.from(wrapped.CiphertextBlob).toString("base64");
        tenants[tenant][version] = blob;
        byBlob.set(blob, { tenant, version: Number(version) });
      }
    }
    const file: KmsKeyFile = { kmsKeyId, tenants };
    writeFileSync(out, JSON.stringify(file), { mode: 0o600 });
    return { file: out, byBlob };
  } finally {
    kms.destroy();
  }
}
