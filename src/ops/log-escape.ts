// Makes a serialized JSON log line safe for line-oriented readers. JSON already escapes
// U+0000–U+001F, but leaves DEL and the C1 controls (U+007F–U+009F, among them NEL U+0085), the
// line and paragraph separators U+2028/U+2029 and lone surrogates raw: some log pipelines and
// terminals treat those as line breaks or escape sequences. Inside a JSON string `\uXXXX` means
// the same character, so the line parses to the same object. Only strings contain such
// characters in JSON text, and the line's own trailing "\n" is outside the matched set.
const unsafe = /[\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const unicodeEscape = (character: string): string => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`;

// A cheap first look without look-arounds; most lines have none of these characters.
const suspicious = /[\u007f-\u009f\u2028\u2029\ud800-\udfff]/;

export function jsonLineEscape(line: string): string {
  return suspicious.test(line) ? line.replace(unsafe, unicodeEscape) : line;
}
