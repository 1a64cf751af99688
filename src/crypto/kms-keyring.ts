// AWS KMS envelope keys. The key file lists, per tenant and version, the data key wrapped by
// one KMS key under the encryption context {tenant}:
//   {"kmsKeyId": "arn:aws:kms:…", "tenants": {"tenant-0001": {"1": "<base64 CiphertextBlob>"}}}
// On first use the data key is unwrapped with KMS Decrypt (same context; KMS refuses a blob
// listed under the wrong tenant) and cached by CachingKeyring (max age, max uses).

import { readFile } from "node:fs/promises";
import { DecryptCommand, type KMSClient } from "@aws-sdk/client-kms";
import { oneLine } from "../envelope/describe.ts";
import { PermanentError } from "../pipeline/errors.ts";
import { type AwsClientConfig, createKmsClient } from "../sources/aws-clients.ts";
import { CachingKeyring, type KeyCacheLimits } from "./caching-keyring.ts";
import { type DecodedTenantKeys, decodeTenantKeys, parseJsonObject } from "./key-file.ts";
import { KeyServiceUnavailableError } from "./key-service-error.ts";
import type { DataKeyProvider } from "./keyring.ts";
import { unknownKeyVersion, unknownTenant } from "./unknown-key.ts";

export interface KmsKeyFile {
  readonly kmsKeyId: string;
  /** tenant → key version → base64 CiphertextBlob of the data key (context {tenant}). */
  readonly tenants: Record<string, Record<string, string>>;
}

// KMS answers that will not change on retry: the blob does not open under this context / key.
// Everything else (throttling, network, AccessDenied, DisabledException, KMSInvalidState,
// KMSInternal) is transient: an operator can fix it, and dead-lettering every event of every
// tenant meanwhile would be worse than waiting.
const PERMANENT_KMS_ERRORS = new Set(["InvalidCiphertextException", "IncorrectKeyException", "NotFoundException"]);

/** The encryption context every meshbridge data key is bound to. */
export function tenantEncryptionContext(tenant: string): Record<string, string> {
  return { tenant };
}

export interface ParsedKmsKeyFile {
  readonly kmsKeyId: string;
  readonly wrappedKeys: DecodedTenantKeys;
}

/** Validates a key file (parsed, or its JSON text); plain Errors name the file and tenant/version. */
export function parseKmsKeyFile(file: unknown, origin: string): ParsedKmsKeyFile {
  const record = typeof file === "string" ? parseJsonObject(file, origin) : file;
  if (typeof record !== "object" || record === null) throw new Error(`${origin}: must be a JSON object`);
  const { kmsKeyId, tenants } = record as { kmsKeyId?: unknown; tenants?: unknown };
  if (typeof kmsKeyId !== "string" || kmsKeyId === "") throw new Error(`${origin}: "kmsKeyId" must be a non-empty string`);
  if (tenants === undefined) throw new Error(`${origin}: "tenants" is missing`);
  return { kmsKeyId, wrappedKeys: decodeTenantKeys(tenants, origin, "wrapped data key") };
}

export class AwsKmsDataKeyProvider implements DataKeyProvider {
  readonly description: string;
  readonly #client: KMSClient;
  readonly #ownsClient: boolean;
  readonly #kmsKeyId: string;
  readonly #wrappedKeys: DecodedTenantKeys;

  /** `keys`: from parseKmsKeyFile. The client is destroyed on close() only if `ownsClient`. */
  constructor(keys: ParsedKmsKeyFile, origin: string, client: KMSClient, ownsClient: boolean) {
    const { kmsKeyId, wrappedKeys } = keys;
    this.description = origin;
    this.#client = client;
    this.#ownsClient = ownsClient;
    this.#kmsKeyId = kmsKeyId;
    this.#wrappedKeys = wrappedKeys;
  }

  async resolve(tenant: string, keyVersion: number): Promise<Uint8Array> {
    const versions = this.#wrappedKeys.get(tenant);
    if (versions === undefined) throw unknownTenant(tenant, this.description);
    const blob = versions.get(keyVersion);
    if (blob === undefined) throw unknownKeyVersion(tenant, keyVersion, this.description);
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await this.#client.send(
        new DecryptCommand({
          CiphertextBlob: blob,
          EncryptionContext: tenantEncryptionContext(tenant),
          // Pinning the key makes KMS refuse blobs wrapped by any other KMS key.
          KeyId: this.#kmsKeyId,
        }),
      ));
    } catch (error) {
      const name = error instanceof Error ? error.name : "Error";
      if (PERMANENT_KMS_ERRORS.has(name)) {
        throw new PermanentError(
          "KeyUnwrapFailed",
          `KMS refused the data key of tenant ${tenant} version ${keyVersion} (${name}): wrapped for another tenant or KMS key, or the KMS key is gone (${this.description})`,
          { tenant, cause: error },
        );
      }
      const detail = error instanceof Error ? oneLine(error.message) : "unknown error";
      throw new KeyServiceUnavailableError(
        `KMS Decrypt of the data key of tenant ${tenant} version ${keyVersion} failed: ${name}: ${detail}`,
        {
          cause: error,
        },
      );
    }
    if (plaintext === undefined)
      throw new KeyServiceUnavailableError(`KMS Decrypt for tenant ${tenant} version ${keyVersion} returned no plaintext`);
    return plaintext;
  }

  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }
}

export interface KmsKeyringOptions extends KeyCacheLimits {
  /** A ready client (the caller keeps ownership), or the config to create one (destroyed on close). */
  readonly kms: KMSClient | AwsClientConfig;
  /** Names the key file in errors. Default "KMS key file". */
  readonly origin?: string;
}

export class KmsKeyring extends CachingKeyring {
  /** `file`: the parsed key file ({kmsKeyId, tenants}) or its JSON text. */
  constructor(file: unknown, options: KmsKeyringOptions) {
    const origin = options.origin ?? "KMS key file";
    const keys = parseKmsKeyFile(file, origin); // before a client exists, so a bad file leaks nothing
    const owns = !isKmsClient(options.kms);
    const client = isKmsClient(options.kms) ? options.kms : createKmsClient(options.kms);
    super(new AwsKmsDataKeyProvider(keys, origin, client, owns), options);
  }

  static async fromFile(path: string, options: Omit<KmsKeyringOptions, "origin">): Promise<KmsKeyring> {
    return new KmsKeyring(await readFile(path, "utf8"), { ...options, origin: `KMS key file ${path}` });
  }
}

function isKmsClient(value: KMSClient | AwsClientConfig): value is KMSClient {
  return typeof (value as KMSClient).send === "function";
}
