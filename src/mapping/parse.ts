// Decrypted bytes → LegacyEvent. Errors are permanent (the bytes will never parse) and name only
// the field and the JSON type found: the payload is decrypted customer data and must not leak.
import { PermanentError } from "../pipeline/errors.ts";
import { jsonTypeOf } from "./fields.ts";
import type { LegacyEvent } from "./mapper.ts";

/**
 * event_type must look like an identifier: it selects the mapper and appears in error messages and
 * metrics, so it may not carry arbitrary text.
 */
export const eventTypePattern = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
const MAX_EVENT_ID_LENGTH = 256;

function toText(plaintext: Uint8Array): string {
  const buffer = Buffer.isBuffer(plaintext)
    ? plaintext
    : Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  return buffer.toString("utf8");
}

function malformed(tenant: string, message: string): PermanentError {
  return new PermanentError("MalformedLegacyEvent", message, { tenant });
}

/**
 * Parses a decrypted legacy payload: a JSON object with `event_type` (identifier-like string),
 * `event_version` (positive integer) and `event_id` (non-empty string, at most 256 chars).
 * `body` is the whole parsed object, envelope fields included (no copy on the hot path).
 * @throws PermanentError("parse", "MalformedJson" | "MalformedLegacyEvent")
 */
export function parseLegacyEvent(plaintext: Uint8Array, tenant: string): LegacyEvent {
  let text = toText(plaintext);
  // Some legacy producers wrote a UTF-8 byte-order mark, which JSON.parse rejects.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The SyntaxError's message quotes the input, so neither it nor the error becomes the cause.
    throw new PermanentError("MalformedJson", `legacy payload is not valid JSON (${plaintext.byteLength} bytes)`, {
      tenant,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw malformed(tenant, `legacy payload must be a JSON object (got ${jsonTypeOf(parsed)})`);
  }
  const body = parsed as Record<string, unknown>;
  const type = body.event_type;
  if (typeof type !== "string") {
    throw malformed(tenant, `event_type must be a string (${type === undefined ? "missing" : `got ${jsonTypeOf(type)}`})`);
  }
  if (!eventTypePattern.test(type)) {
    throw malformed(tenant, "event_type must be an identifier (letter, then letters, digits, _ . : -; at most 100)");
  }
  const version = body.event_version;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    const found =
      version === undefined
        ? "missing"
        : typeof version === "number"
          ? "got a non-positive or fractional number"
          : `got ${jsonTypeOf(version)}`;
    throw malformed(tenant, `event_version must be a positive integer (${found})`);
  }
  const id = body.event_id;
  if (typeof id !== "string" || id === "" || id.length > MAX_EVENT_ID_LENGTH) {
    const found = id === undefined ? "missing" : typeof id === "string" ? `got ${id.length} chars` : `got ${jsonTypeOf(id)}`;
    throw malformed(tenant, `event_id must be a string of 1..${MAX_EVENT_ID_LENGTH} chars (${found})`);
  }
  return { type, version, id, body };
}
