// The Prometheus text exposition format, read by the status page (a browser module, also
// imported by the unit tests). Only what /metrics writes: samples with optional labels and no
// timestamps are expected, but timestamps are tolerated. Comments (HELP, TYPE) are skipped.

/**
 * One sample per line of `text`: { name, labels, value }. `labels` has no prototype, so a label
 * named like an Object property (`__proto__`, `constructor`) is just a label.
 * Lines that are not samples are skipped; `errors` counts them.
 */
export function parsePrometheusText(text) {
  const samples = [];
  let errors = 0;
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const sample = parseSampleLine(line);
    if (sample === undefined) errors++;
    else samples.push(sample);
  }
  return { samples, errors };
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseSampleLine(line) {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let rest = line.slice(name.length);
  const labels = Object.create(null);
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith("}")) {
        rest = rest.slice(1);
        break;
      }
      const labelName = LABEL_NAME.exec(rest)?.[0];
      if (labelName === undefined) return undefined;
      rest = rest.slice(labelName.length).trimStart();
      if (!rest.startsWith('="')) return undefined;
      const value = readQuoted(rest, 2);
      if (value === undefined) return undefined;
      labels[labelName] = value.text;
      rest = rest.slice(value.end).trimStart();
      if (rest.startsWith(",")) rest = rest.slice(1);
      else if (!rest.startsWith("}")) return undefined;
    }
  }
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === "") return undefined;
  const value = parseValue(fields[0]);
  if (value === undefined) return undefined;
  return { name, labels, value };
}

/** The escaped string starting at `start` up to its closing quote: { text, end after the quote }. */
function readQuoted(text, start) {
  let out = "";
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return { text: out, end: i + 1 };
    if (c === "\\") {
      const next = text[++i];
      if (next === "n") out += "\n";
      else if (next === "\\" || next === '"') out += next;
      else return undefined;
    } else out += c;
  }
  return undefined;
}

function parseValue(text) {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
