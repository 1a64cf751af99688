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
  const ms = rfc3339.test(text) ? fastRfc3339(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new LegacyDataError(`${path} must be an RFC 3339 timestamp with a zone`);
  return inRange(ms, path);
}

/** Two ASCII digits at `at` (the regular expression has checked they are digits). */
const digits2 = (text: string, at: number): number => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;

/**
 * Date.parse of text the rfc3339 pattern accepted, without Date.parse (about a third of its cost)
 * for the usual form: a year from 100, a day up to 28 or valid for its month, at most 3 fraction
 * digits. Anything else (day 29–31 of a short month, 24:00, second 60, long fractions, odd
 * offsets) goes to Date.parse, so the result is Date.parse's in every case.
 */
function fastRfc3339(text: string): number {
  const year = digits2(text, 0) * 100 + digits2(text, 2);
  const month = digits2(text, 5);
  const day = digits2(text, 8);
  const hour = digits2(text, 11);
  const minute = digits2(text, 14);
  const second = digits2(text, 17);
  let at = 19;
  let millis = 0;
  if (text.charCodeAt(at) === 46 /* . */) {
    let scale = 100;
    for (at++; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code < 48 || code > 57) break;
      if (scale < 1) return Date.parse(text);
      millis += (code - 48) * scale;
      scale /= 10;
    }
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(at);
  if (zone === 43 /* + */ || zone === 45 /* - */) {
    const offsetHours = digits2(text, at + 1);
    const offsetMins = digits2(text, at + 4);
    if (offsetHours > 23 || offsetMins > 59) return Date.parse(text);
    offsetMinutes = (zone === 43 ? 1 : -1) * (offsetHours * 60 + offsetMins);
  }
  if (year < 100 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return Date.parse(text);
  if (day > 28 && day > daysInMonth(year, month)) return Date.parse(text);
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch milliseconds given as a JSON number or a digit string. */
export function parseEpochMillis(value: unknown, path: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return inRange(value, path);
  if (typeof value === "string" && millisText.test(value)) return inRange(Number(value), path);
  throw new LegacyDataError(`${path} must be epoch milliseconds (got ${jsonTypeOf(value)})`);
}

const MS_PER_DAY = 86_400_000;
/** 9999-12-31T23:59:59.999Z + 1: beyond it toISOString writes a six-digit year. */
const FAST_FORMAT_END_MS = 253_402_300_800_000;
const ISO_LENGTH = 24; // "YYYY-MM-DDTHH:MM:SS.mmmZ"
const isoScratch = Buffer.alloc(ISO_LENGTH);
isoScratch.write("0000-00-00T00:00:00.000Z", "latin1");

/** Writes `value` (0 ≤ value < 10^width ≤ 10^4) as `width` zero-padded decimal digits at `offset`. */
function writeDigits(buffer: Buffer, offset: number, value: number, width: number): void {
  let rest = value | 0;
  for (let index = offset + width - 1; index >= offset; index--) {
    const tenth = (rest / 10) | 0;
    buffer[index] = 48 + rest - tenth * 10;
    rest = tenth;
  }
}

/**
 * RFC 3339 in UTC with milliseconds, e.g. "2024-05-01T12:00:00.000Z": exactly what
 * Date#toISOString writes, at about a quarter of its cost (it runs for every timestamp of every
 * event). Integer arithmetic (H. Hinnant's civil_from_days) into a reused buffer; instants
 * before 1970 or after 9999, and fractional ones, go to toISOString.
 */
export function toRfc3339(ms: number): string {
  if (!(ms >= 0 && ms < FAST_FORMAT_END_MS && Number.isInteger(ms))) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  const msOfDay = ms - days * MS_PER_DAY;
  // Days since 0000-03-01 in 400-year eras (146097 days): leap days fall at the end of a year.
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const marchMonth = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March … 11 = February
  const day = dayOfYear - Math.floor((153 * marchMonth + 2) / 5) + 1;
  const month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9;
  const year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);

  const out = isoScratch; // the separators never change
  writeDigits(out, 0, year, 4);
  writeDigits(out, 5, month, 2);
  writeDigits(out, 8, day, 2);
  writeDigits(out, 11, Math.floor(msOfDay / 3_600_000), 2);
  writeDigits(out, 14, Math.floor(msOfDay / 60_000) % 60, 2);
  writeDigits(out, 17, Math.floor(msOfDay / 1000) % 60, 2);
  writeDigits(out, 20, msOfDay % 1000, 3);
  return out.toString("latin1", 0, ISO_LENGTH);
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
