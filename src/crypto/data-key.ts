// Turns raw data-key bytes into a KeyObject. The bytes are copied into the KeyObject and the
// source is zeroed; errors name the tenant and version, never the bytes.
import { createSecretKey, type KeyObject } from "node:crypto";

export const DATA_KEY_BYTES = 32;

/** Imports a 32-byte AES-256 data key and zeroes `bytes`. Throws a plain Error on a wrong length. */
export function importDataKey(bytes: Uint8Array, tenant: string, keyVersion: number, origin: string): KeyObject {
  try {
    if (bytes.length !== DATA_KEY_BYTES) {
      throw new Error(
        `${origin}: data key of tenant ${tenant} version ${keyVersion} has ${bytes.length} bytes; AES-256 needs ${DATA_KEY_BYTES}`,
      );
    }
    return createSecretKey(bytes);
  } finally {
    bytes.fill(0);
  }
}

/** True when `key` is a 32-byte secret key (what AES-256-GCM needs). */
export function isDataKey(key: KeyObject): boolean {
  return key.type === "secret" && key.symmetricKeySize === DATA_KEY_BYTES;
}
