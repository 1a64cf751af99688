// Opens a legacy envelope: AES-256-GCM with a prepared KeyObject (no per-message key import).
import { createDecipheriv, type KeyObject } from "node:crypto";
import type { LegacyEnvelope } from "../envelope/legacy-envelope.ts";
import { GCM_TAG_BYTES } from "../envelope/legacy-envelope.ts";
import { PermanentError } from "../pipeline/errors.ts";
import { legacyAad } from "./aad.ts";

const AUTH_OPTIONS = { authTagLength: GCM_TAG_BYTES } as const;

/**
 * Decrypts and authenticates the envelope. Authentication failure (tampered ciphertext, iv or
 * tag, wrong key, or an envelope moved to another tenant / key version) is a PermanentError
 * ("decrypt", "AuthenticationFailed"). The plaintext is returned only after the tag verified.
 */
export function openLegacyEnvelope(envelope: LegacyEnvelope, key: KeyObject): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, envelope.iv, AUTH_OPTIONS);
  decipher.setAAD(legacyAad(envelope.tenant, envelope.keyVersion));
  decipher.setAuthTag(envelope.tag);
  const plaintext = decipher.update(envelope.ciphertext);
  try {
    decipher.final(); // GCM yields nothing here; it only verifies the tag
  } catch (error) {
    plaintext.fill(0);
    throw new PermanentError(
      "AuthenticationFailed",
      `legacy envelope failed authentication for tenant ${envelope.tenant} key version ${envelope.keyVersion}: tampered, or encrypted for another tenant`,
      { tenant: envelope.tenant, cause: error },
    );
  }
  return plaintext;
}
