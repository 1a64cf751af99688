// Legacy timestamps come as RFC 3339 text (any offset) or epoch milliseconds (number or string);
// the catalog wants RFC 3339 in UTC. Values far outside the plausible range are rejected rather
// than silently turned into 1970 (epoch seconds sent as millis, a classic legacy bug).
import { fieldPath, type JsonObject, jsonTypeOf } from "./fields.ts";
import { LegacyDataError } from "./legacy-data-error.ts";

const MIN_MS = Date.UTC(2000, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;
const millisText = /^\d{12,14}$/;

function inRange(ms: number, path: string): number {
  if (ms >= MIN_MS && ms < MAX_MS) return ms;
  throw new LegacyDataError(`${path} is outside 2000..2100 (expected epoch milliseconds)`);
}

/** Epoch milliseconds of an RFC 3339 timestamp with a zone (Z or ±hh:mm). */
export function parseRfc3339(text: string, path: string): number {
  const ms = rfc3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new LegacyDataError(`${path} must be an RFC 3339 timestamp with a zone`);
  return inRange(ms, path);
}

/** Epoch milliseconds given as a JSON number or a digit string. */
export function parseEpochMillis(value: unknown, path: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return inRange(value, path);
  if (typeof value === "string" && millisText.test(value)) return inRange(Number(value), path);
  throw new LegacyDataError(`${path} must be epoch milliseconds (got ${jsonTypeOf(value)})`);
}

/** RFC 3339 in UTC with milliseconds, e.g. "2024-05-01T12:00:00.000Z". */
export function toRfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A legacy instant that may be given twice, as epoch millis and as RFC 3339 text (either may be
 * missing). The millis win: producers computed them from the clock, while the text was formatted
 * by hand in several places, with local offsets. Returns epoch ms.
 */
export function requireInstant(
  obj: JsonObject,
  millisKey: string | undefined,
  textKey: string | undefined,
  where: string,
): number {
  const millis = millisKey === undefined ? undefined : obj[millisKey];
  if (millis !== undefined && millis !== null && millis !== "") return parseEpochMillis(millis, fieldPath(where, millisKey!));
  const text = textKey === undefined ? undefined : obj[textKey];
  if (typeof text === "string" && text !== "") return parseRfc3339(text, fieldPath(where, textKey!));
  if (text !== undefined && text !== null) {
    throw new LegacyDataError(`${fieldPath(where, textKey!)} must be an RFC 3339 string (got ${jsonTypeOf(text)})`);
  }
  const names = [millisKey, textKey].filter((k) => k !== undefined).map((k) => fieldPath(where, k));
  throw new LegacyDataError(`${names.join(" or ")} is required (missing)`);
}
