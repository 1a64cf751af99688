// The legacy envelope: what the legacy backend publishes (SNS Message / Pub/Sub data).
//   {"v":1,"tenant":"tenant-0007","kver":2,"alg":"A256GCM","eid":"…","iv":"<b64 12 bytes>","ct":"<b64 ciphertext‖16-byte tag>"}
// AES-256-GCM, AAD = UTF-8 of `${tenant}\n${kver}`. Unknown extra fields are ignored.
import { PermanentError } from "../pipeline/errors.ts";
import { decodeBase64Strict } from "./base64.ts";
import { jsonTypeOf, quote } from "./describe.ts";
import { isTenantId, TENANT_ID_PATTERN } from "./tenant-id.ts";

export const LEGACY_ENVELOPE_VERSION = 1;
export const LEGACY_ALGORITHM = "A256GCM";
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
/** Key versions are positive 31-bit integers (they appear in the AAD as decimal text). */
export const MAX_KEY_VERSION = 0x7fffffff;
export const MAX_EVENT_ID_LENGTH = 256;

export interface LegacyEnvelope {
  readonly version: typeof LEGACY_ENVELOPE_VERSION;
  readonly tenant: string;
  readonly keyVersion: number;
  /** The legacy event id (`eid`). */
  readonly eventId: string;
  /** 12 bytes. */
  readonly iv: Buffer;
  /** The ciphertext without the tag: a view into the decoded `ct` field. */
  readonly ciphertext: Buffer;
  /** The 16-byte GCM tag: a view into the decoded `ct` field. */
  readonly tag: Buffer;
}

/**
 * A class, not an object literal: an envelope lives until its message is acked. When most
 * objects of one literal survive a scavenge (a backlog while Kafka is slow is enough), V8
 * allocates that literal in the old generation from then on, for good, and every young object
 * stored in it is copied there too; that left the pipeline ≈25% slower after a Kafka
 * slowdown. V8 makes no such decision for class instances.
 */
class ParsedLegacyEnvelope implements LegacyEnvelope {
  readonly version = LEGACY_ENVELOPE_VERSION;
  readonly tenant: string;
  readonly keyVersion: number;
  readonly eventId: string;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;

  constructor(tenant: string, keyVersion: number, eventId: string, iv: Buffer, ciphertext: Buffer, tag: Buffer) {
    this.tenant = tenant;
    this.keyVersion = keyVersion;
    this.eventId = eventId;
    this.iv = iv;
    this.ciphertext = ciphertext;
    this.tag = tag;
  }
}

// Event ids go into Kafka headers and DLQ headers: no control characters (C0, DEL, C1) and no
// Unicode line or paragraph separator, which line-oriented readers take for line breaks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function malformed(message: string, tenant: string | undefined): PermanentError {
  return new PermanentError("MalformedEnvelope", message, tenant === undefined ? undefined : { tenant });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses and validates a legacy envelope. Every defect is a PermanentError of stage "envelope"
 * (MalformedEnvelope, UnsupportedEnvelopeVersion, UnsupportedAlgorithm) whose message names the field.
 */
export function parseLegacyEnvelope(text: string | Buffer): LegacyEnvelope {
  const json = typeof text === "string" ? text : text.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // The parser's own message quotes the input; say only where it is broken.
    throw malformed(`legacy envelope is not valid JSON (${json.length} characters)`, undefined);
  }
  if (!isRecord(parsed)) throw malformed(`legacy envelope must be a JSON object, got ${jsonTypeOf(parsed)}`, undefined);

  const { v, tenant, kver, alg, eid, iv, ct } = parsed;
  // Known as early as possible so that every later error carries it.
  const knownTenant = isTenantId(tenant) ? tenant : undefined;

  if (v !== LEGACY_ENVELOPE_VERSION) {
    if (typeof v === "number" && Number.isInteger(v)) {
      throw new PermanentError(
        "UnsupportedEnvelopeVersion",
        `legacy envelope field "v" is ${v}; only version ${LEGACY_ENVELOPE_VERSION} is supported`,
        knownTenant === undefined ? undefined : { tenant: knownTenant },
      );
    }
    throw malformed(
      v === undefined
        ? `legacy envelope field "v" is missing`
        : `legacy envelope field "v" must be an integer, got ${jsonTypeOf(v)}`,
      knownTenant,
    );
  }
  if (knownTenant === undefined) {
    throw malformed(
      typeof tenant === "string"
        ? `legacy envelope field "tenant" ${quote(tenant)} does not match ${TENANT_ID_PATTERN.source}`
        : tenant === undefined
          ? `legacy envelope field "tenant" is missing`
          : `legacy envelope field "tenant" must be a string, got ${jsonTypeOf(tenant)}`,
      undefined,
    );
  }
  if (alg !== LEGACY_ALGORITHM) {
    if (typeof alg === "string") {
      throw new PermanentError(
        "UnsupportedAlgorithm",
        `legacy envelope field "alg" is ${quote(alg)}; only ${LEGACY_ALGORITHM} is supported`,
        { tenant: knownTenant },
      );
    }
    throw malformed(
      alg === undefined
        ? `legacy envelope field "alg" is missing`
        : `legacy envelope field "alg" must be a string, got ${jsonTypeOf(alg)}`,
      knownTenant,
    );
  }
  if (typeof kver !== "number" || !Number.isInteger(kver) || kver < 1 || kver > MAX_KEY_VERSION) {
    throw malformed(
      kver === undefined
        ? `legacy envelope field "kver" is missing`
        : typeof kver === "number"
          ? `legacy envelope field "kver" must be an integer from 1 to ${MAX_KEY_VERSION}, got ${kver}`
          : `legacy envelope field "kver" must be an integer, got ${jsonTypeOf(kver)}`,
      knownTenant,
    );
  }
  if (typeof eid !== "string" || eid.length === 0 || eid.length > MAX_EVENT_ID_LENGTH || CONTROL_CHARACTER.test(eid)) {
    throw malformed(
      eid === undefined
        ? `legacy envelope field "eid" is missing`
        : typeof eid !== "string"
          ? `legacy envelope field "eid" must be a string, got ${jsonTypeOf(eid)}`
          : eid.length === 0 || eid.length > MAX_EVENT_ID_LENGTH
            ? `legacy envelope field "eid" must have 1 to ${MAX_EVENT_ID_LENGTH} characters, got ${eid.length}`
            : `legacy envelope field "eid" ${quote(eid)} contains a control character`,
      knownTenant,
    );
  }
  if (typeof iv !== "string") {
    throw malformed(
      iv === undefined
        ? `legacy envelope field "iv" is missing`
        : `legacy envelope field "iv" must be a base64 string, got ${jsonTypeOf(iv)}`,
      knownTenant,
    );
  }
  const ivBytes = decodeBase64Strict(iv);
  if (ivBytes === undefined) throw malformed(`legacy envelope field "iv" is not valid base64`, knownTenant);
  if (ivBytes.length !== GCM_IV_BYTES) {
    throw malformed(`legacy envelope field "iv" must decode to ${GCM_IV_BYTES} bytes, got ${ivBytes.length}`, knownTenant);
  }
  if (typeof ct !== "string") {
    throw malformed(
      ct === undefined
        ? `legacy envelope field "ct" is missing`
        : `legacy envelope field "ct" must be a base64 string, got ${jsonTypeOf(ct)}`,
      knownTenant,
    );
  }
  const ctBytes = decodeBase64Strict(ct);
  if (ctBytes === undefined) throw malformed(`legacy envelope field "ct" is not valid base64`, knownTenant);
  if (ctBytes.length < GCM_TAG_BYTES) {
    throw malformed(
      `legacy envelope field "ct" must decode to at least ${GCM_TAG_BYTES} bytes (ciphertext + GCM tag), got ${ctBytes.length}`,
      knownTenant,
    );
  }
  const split = ctBytes.length - GCM_TAG_BYTES;
  return new ParsedLegacyEnvelope(knownTenant, kver, eid, ivBytes, ctBytes.subarray(0, split), ctBytes.subarray(split));
}
