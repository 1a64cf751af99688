// Where the pipeline gets per-tenant AES-256 data keys.
//
// Hot path: `peek` (synchronous, no allocation) for every message; `load` only on a miss, once
// per tenant/version for a whole batch (concurrent loads of one key share one backend call).
//
// Providers. A keyring that wraps data keys with a KMS is a CachingKeyring (caching-keyring.ts)
// around a DataKeyProvider that turns (tenant, version) into the 32 data-key bytes:
//   - AWS KMS (kms-keyring.ts): Decrypt(CiphertextBlob, EncryptionContext {tenant}).
//   - GCP Cloud KMS would plug in the same way: the key file lists per tenant/version the
//     wrapped data key; resolve() calls KeyManagementServiceClient.decrypt({ name: cryptoKey,
//     ciphertext, additionalAuthenticatedData: utf8(tenant) }) — GCP's AAD plays the role of
//     AWS's encryption context. INVALID_ARGUMENT (wrong AAD / ciphertext) → PermanentError
//     ("KeyUnwrapFailed"); UNAVAILABLE / RESOURCE_EXHAUSTED / DEADLINE_EXCEEDED → KeyServiceUnavailableError.
//   - HashiCorp Vault Transit: resolve() calls POST transit/decrypt/<key> with
//     { ciphertext: "vault:vN:…", context: base64(tenant) } on a derived key (context binds
//     the tenant); HTTP 400 → permanent, 5xx / 429 / network → transient. Vault KV (the key
//     stored in plain in a secret) is instead a StaticKeyring fed from the secret's JSON.
// The provider decides unknown tenant / version (PermanentError "UnknownTenant" /
// "UnknownKeyVersion") before any remote call; the caching layer adds max age, max uses,
// single-flight loads, refresh-ahead and a short memory of permanent failures.
import type { KeyObject } from "node:crypto";

export interface Keyring {
  /** Cached key, synchronously, or undefined if it must be loaded first. */
  peek(tenant: string, keyVersion: number): KeyObject | undefined;
  /** Loads (and caches) the key. Unknown tenant → PermanentError("UnknownTenant"); unknown version → PermanentError("UnknownKeyVersion"); KMS unreachable/throttled → KeyServiceUnavailableError (transient). Anything else is a bug, retried and reported. */
  load(tenant: string, keyVersion: number): Promise<KeyObject>;
  close?(): Promise<void>;
}

/** Resolves the plaintext data key of a tenant/version, unwrapping it with a KMS if needed. */
export interface DataKeyProvider {
  /** For error messages and logs, e.g. "aws-kms key file /etc/meshbridge/keys.json". */
  readonly description: string;
  /**
   * The 32 data-key bytes, in a buffer the caller owns (and zeroes after import).
   * Same error contract as Keyring.load: a PermanentError of stage "key" when the key can never be
   * obtained, KeyServiceUnavailableError when the backend may recover.
   */
  resolve(tenant: string, keyVersion: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}
