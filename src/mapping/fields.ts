// Readers for legacy JSON fields. Each takes the containing object, the key and the containing
// path (a static string such as "order.items[]"), so the success path builds no strings; a bad
// field throws LegacyDataError naming the path and the JSON type found — never the value.
import { LegacyDataError } from "./legacy-data-error.ts";

export type JsonObject = Readonly<Record<string, unknown>>;

/** The JSON type of a value as a word for error messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function fieldPath(where: string, key: string): string {
  return where === "" ? key : `${where}.${key}`;
}

function fail(where: string, key: string, expected: string, value: unknown): never {
  const found = value === undefined ? "missing" : `got ${jsonTypeOf(value)}`;
  throw new LegacyDataError(`${fieldPath(where, key)} must be ${expected} (${found})`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An element of an array that must be an object; `path` names the array, e.g. "order.items[]". */
export function asObject(value: unknown, path: string): JsonObject {
  if (isObject(value)) return value;
  throw new LegacyDataError(`${path} must be an object (got ${jsonTypeOf(value)})`);
}

export function requireObject(obj: JsonObject, key: string, where: string): JsonObject {
  const value = obj[key];
  if (isObject(value)) return value;
  return fail(where, key, "an object", value);
}

/** Absent or null → undefined. */
export function optionalObject(obj: JsonObject, key: string, where: string): JsonObject | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (isObject(value)) return value;
  return fail(where, key, "an object or null", value);
}

export function requireArray(obj: JsonObject, key: string, where: string): readonly unknown[] {
  const value = obj[key];
  if (Array.isArray(value)) return value;
  return fail(where, key, "an array", value);
}

/** Absent or null → an empty array. */
export function optionalArray(obj: JsonObject, key: string, where: string): readonly unknown[] {
  const value = obj[key];
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  return fail(where, key, "an array or null", value);
}

/** A non-empty string. */
export function requireString(obj: JsonObject, key: string, where: string): string {
  const value = obj[key];
  if (typeof value === "string" && value !== "") return value;
  return fail(where, key, "a non-empty string", value);
}

/** Absent, null or "" → undefined. */
export function optionalString(obj: JsonObject, key: string, where: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") return value;
  return fail(where, key, "a string or null", value);
}

const integerText = /^[-+]?\d{1,15}$/;

function toInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  // Legacy quirk: many producers sent numbers as strings ("3", "-12").
  if (typeof value === "string" && integerText.test(value)) return Number(value);
  return undefined;
}

/** An integer given as a JSON number or as a decimal string. */
export function requireInteger(obj: JsonObject, key: string, where: string): number {
  const value = obj[key];
  const n = toInteger(value);
  if (n !== undefined) return n;
  return fail(where, key, "an integer or an integer string", value);
}

/** Absent, null or "" → undefined; otherwise as requireInteger. */
export function optionalInteger(obj: JsonObject, key: string, where: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null || value === "") return undefined;
  const n = toInteger(value);
  if (n !== undefined) return n;
  return fail(where, key, "an integer, an integer string or null", value);
}

/** A yes/no flag in any of the legacy spellings: true/false, 1/0, "Y"/"N", "1"/"0", "true"/"false". Absent/null → fallback. */
export function flag(obj: JsonObject, key: string, where: string, fallback: boolean): boolean {
  const value = obj[key];
  switch (value) {
    case undefined:
    case null:
      return fallback;
    case true:
    case 1:
    case "Y":
    case "y":
    case "1":
    case "true":
      return true;
    case false:
    case 0:
    case "N":
    case "n":
    case "0":
    case "false":
      return false;
    default:
      return fail(where, key, "a flag (boolean, 0/1, Y/N)", value);
  }
}
