// Node's base64 decoder silently skips characters outside the alphabet, so a damaged field
// would decode to fewer bytes instead of failing. Comparing the decoded length with the length
// the text implies catches that without a regular expression over the whole field.
// (The URL-safe alphabet `-_` is accepted too, as Node accepts it; padding is optional.)

/** Decodes standard base64, or returns undefined when the text is not valid base64. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  let length = text.length;
  if (length % 4 === 1) return undefined;
  if (length > 0 && text.charCodeAt(length - 1) === 61 /* = */) {
    length -= text.charCodeAt(length - 2) === 61 ? 2 : 1;
    if (text.length % 4 !== 0) return undefined;
  }
  const expected = Math.floor((length * 3) / 4);
  const bytes = Buffer.from(text, "base64");
  return bytes.length === expected ? bytes : undefined;
}
