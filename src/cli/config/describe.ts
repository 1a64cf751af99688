// Words for what a schema accepts ("an integer from 1 to 256") and for what was found instead,
// shared by the error messages and the generated docs.
import type { GenericSchema } from "valibot";
import { inspect, type SchemaInfo } from "./schema-info.ts";

export const formatNumber = (value: number): string =>
  Number.isSafeInteger(value) && Math.abs(value) >= 10_000 ? value.toLocaleString("en-US") : String(value);

export function describeSchema(schema: GenericSchema): string {
  return describeInfo(inspect(schema));
}

function describeInfo(info: SchemaInfo): string {
  if (info.expected !== undefined) return info.expected;
  switch (info.kind) {
    case "choice":
      return `one of ${info.choices!.join(", ")}`;
    case "integer":
    case "number": {
      const what = info.kind === "integer" ? "an integer" : "a number";
      const { minimum, maximum } = info;
      if (minimum !== undefined && maximum !== undefined)
        return `${what} from ${formatNumber(minimum)} to ${formatNumber(maximum)}`;
      if (minimum !== undefined) return `${what} ≥ ${formatNumber(minimum)}`;
      if (maximum !== undefined) return `${what} ≤ ${formatNumber(maximum)}`;
      return what;
    }
    case "string":
      return info.minLength !== undefined && info.minLength > 0 ? "a non-empty string" : "a string";
    case "boolean":
      return "true or false";
    case "array": {
      const of = info.item === undefined ? "values" : describeItems(inspect(info.item));
      return `${info.minLength !== undefined && info.minLength > 0 ? "a non-empty list" : "a list"} of ${of}`;
    }
    case "object":
      return "an object";
    default:
      return "a value";
  }
}

/** The entries of a list, in the plural: "host:port", "objects", "strings". */
function describeItems(item: SchemaInfo): string {
  if (item.expected !== undefined) return item.expected;
  const plural: Partial<Record<SchemaInfo["kind"], string>> = {
    object: "objects",
    string: "strings",
    integer: "integers",
    number: "numbers",
    boolean: "booleans",
  };
  return plural[item.kind] ?? "values";
}

const MAX_SHOWN = 60;

/** What was found, for an error message: short, on one line; for a secret only its kind. */
export function describeFound(value: unknown, secret = false): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "an object";
  if (secret) return `a ${typeof value}`;
  if (typeof value === "string") {
    // JSON quoting escapes CR/LF and control characters: one line, no log injection.
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}
