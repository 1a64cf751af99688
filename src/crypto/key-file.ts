// Shared validation of the per-tenant key maps in key files:
//   "tenants": { "<tenant id>": { "<key version>": "<base64>" } }
// Errors are plain Errors (a bad key file is a start-up failure) naming the file and the
// tenant/version, never the value.
import { decodeBase64Strict } from "../envelope/base64.ts";
import { jsonTypeOf, quote } from "../envelope/describe.ts";
import { MAX_KEY_VERSION } from "../envelope/legacy-envelope.ts";
import { isTenantId, TENANT_ID_PATTERN } from "../envelope/tenant-id.ts";

/** tenant → key version → decoded bytes (the caller owns and zeroes them). */
export type DecodedTenantKeys = Map<string, Map<number, Buffer>>;

export function parseJsonObject(text: string, origin: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message may quote the text, which can hold keys.
    throw new Error(`${origin}: not valid JSON`);
  }
  if (!isRecord(parsed)) throw new Error(`${origin}: must be a JSON object, got ${jsonTypeOf(parsed)}`);
  return parsed;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a key version written as a JSON object key ("1", "2", …). */
export function parseKeyVersion(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const version = Number(text);
  return version <= MAX_KEY_VERSION ? version : undefined;
}

/** Validates and decodes the "tenants" map; `what` names the values, e.g. "data key". */
export function decodeTenantKeys(tenants: unknown, origin: string, what: string): DecodedTenantKeys {
  if (!isRecord(tenants)) throw new Error(`${origin}: "tenants" must be an object, got ${jsonTypeOf(tenants)}`);
  const decoded: DecodedTenantKeys = new Map();
  for (const [tenant, versions] of Object.entries(tenants)) {
    if (!isTenantId(tenant)) throw new Error(`${origin}: tenant id ${quote(tenant)} does not match ${TENANT_ID_PATTERN.source}`);
    if (!isRecord(versions)) throw new Error(`${origin}: tenant ${tenant} must map key versions to ${what}s`);
    const byVersion = new Map<number, Buffer>();
    for (const [versionText, value] of Object.entries(versions)) {
      const version = parseKeyVersion(versionText);
      if (version === undefined) {
        throw new Error(
          `${origin}: tenant ${tenant} key version ${quote(versionText)} is not an integer from 1 to ${MAX_KEY_VERSION}`,
        );
      }
      const bytes = typeof value === "string" ? decodeBase64Strict(value) : undefined;
      if (bytes === undefined || bytes.length === 0) {
        throw new Error(`${origin}: ${what} of tenant ${tenant} version ${version} is not a non-empty base64 string`);
      }
      byVersion.set(version, bytes);
    }
    if (byVersion.size === 0) throw new Error(`${origin}: tenant ${tenant} has no key versions`);
    decoded.set(tenant, byVersion);
  }
  return decoded;
}
