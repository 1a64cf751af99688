// The additional authenticated data of a legacy envelope binds tenant and key version:
// a ciphertext moved to another tenant (or relabelled with another version) fails authentication.

export function legacyAad(tenant: string, keyVersion: number): Buffer {
  return Buffer.from(`${tenant}\n${keyVersion}`, "utf8");
}
