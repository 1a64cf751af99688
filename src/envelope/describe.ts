// Safe renderings of untrusted values for error messages: bounded length, no raw CR/LF or
// other control characters (JSON.stringify escapes them), never the value's full content.

const MAX_SHOWN = 80;

// JSON.stringify leaves DEL, the C1 controls (NEL U+0085 among them) and U+2028/U+2029 raw;
// log pipelines and terminals may take them for line breaks or escape sequences, and the quoted
// text ends up in DLQ headers (mb_error_message) too.
const UNESCAPED_BREAKS = /[\u007f-\u009f\u2028\u2029]/g;
const unicodeEscape = (character: string): string => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** A short, quoted, escaped rendering of an untrusted string, e.g. for a tenant id or event id. */
export function quote(value: string): string {
  const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return JSON.stringify(shown).replace(UNESCAPED_BREAKS, unicodeEscape);
}

/** The JSON type of an untrusted value, for "expected a string, got number". */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Removes CR/LF (log injection) from text that may contain untrusted parts. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}
