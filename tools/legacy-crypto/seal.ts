// Produces a legacy envelope (what the legacy backend publishes). Used by the simulator and tests.
import { createCipheriv, type KeyObject, randomFillSync } from "node:crypto";
import { legacyAad } from "../../src/crypto/aad.ts";
import { isDataKey } from "../../src/crypto/data-key.ts";
import {
  GCM_IV_BYTES,
  GCM_TAG_BYTES,
  LEGACY_ALGORITHM,
  MAX_EVENT_ID_LENGTH,
  MAX_KEY_VERSION,
} from "../../src/envelope/legacy-envelope.ts";
import { isTenantId, TENANT_ID_PATTERN } from "../../src/envelope/tenant-id.ts";

// Nonces come from a CSPRNG-filled pool consumed front to back (never reused), which is
// cheaper than one randomBytes() call per envelope when a simulator seals 10k+/s.
const POOL_BYTES = 4096;
const noncePool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function nextNonce(): Buffer {
  if (poolOffset + GCM_IV_BYTES > POOL_BYTES) {
    randomFillSync(noncePool);
    poolOffset = 0;
  }
  const nonce = noncePool.subarray(poolOffset, poolOffset + GCM_IV_BYTES);
  poolOffset += GCM_IV_BYTES;
  return nonce;
}

/** Encrypts `plaintext` for `tenant`/`keyVersion` and returns the legacy envelope JSON text. */
export function sealLegacyEnvelope(
  plaintext: Buffer,
  tenant: string,
  keyVersion: number,
  eventId: string,
  key: KeyObject,
): string {
  if (!isTenantId(tenant)) throw new RangeError(`sealLegacyEnvelope: tenant must match ${TENANT_ID_PATTERN.source}`);
  if (!Number.isInteger(keyVersion) || keyVersion < 1 || keyVersion > MAX_KEY_VERSION) {
    throw new RangeError(`sealLegacyEnvelope: keyVersion must be an integer from 1 to ${MAX_KEY_VERSION}`);
  }
  if (eventId.length === 0 || eventId.length > MAX_EVENT_ID_LENGTH) {
    throw new RangeError(`sealLegacyEnvelope: eventId must have 1 to ${MAX_EVENT_ID_LENGTH} characters`);
  }
  if (!isDataKey(key)) throw new RangeError("sealLegacyEnvelope: key must be a 32-byte secret KeyObject");

  const iv = nextNonce();
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(legacyAad(tenant, keyVersion));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `{"v":1,"tenant":"${tenant}","kver":${keyVersion},"alg":"${LEGACY_ALGORITHM}","eid":${JSON.stringify(eventId)},"iv":"${iv.toString("base64")}","ct":"${ct.toString("base64")}"}`;
}
