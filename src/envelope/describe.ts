// Safe renderings of untrusted values for error messages: bounded length, no raw CR/LF or
// other control characters (JSON.stringify escapes them), never the value's full content.

const MAX_SHOWN = 80;

/** A short, quoted, escaped rendering of an untrusted string, e.g. for a tenant id or event id. */
export function quote(value: string): string {
  const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return JSON.stringify(shown);
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
