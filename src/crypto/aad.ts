// The additional authenticated data of a legacy envelope binds tenant and key version:
// a ciphertext moved to another tenant (or relabelled with another version) fails authentication.
//
// Every message needs one, and the same few tenant/version pairs recur: each is built once
// (two Map look-ups ≈0.02 µs instead of a Buffer.from ≈0.23 µs). The cache is capped; past the
// cap a pair's AAD is simply built each time.

const MAX_CACHED = 4096;
const cache = new Map<string, Map<number, Buffer>>();
let cached = 0;

/** UTF-8 of `${tenant}\n${keyVersion}`. Shared between calls: never modify it. */
export function legacyAad(tenant: string, keyVersion: number): Buffer {
  const byVersion = cache.get(tenant);
  const known = byVersion?.get(keyVersion);
  if (known !== undefined) return known;
  const aad = Buffer.from(`${tenant}\n${keyVersion}`, "utf8");
  if (cached < MAX_CACHED) {
    if (byVersion === undefined) cache.set(tenant, new Map([[keyVersion, aad]]));
    else byVersion.set(keyVersion, aad);
    cached++;
  }
  return aad;
}
