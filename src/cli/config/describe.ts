// Words for what a schema accepts ("an integer from 1 to 256") and for what was found instead,
// shared by the error messages and the generated docs.
import type { ConfigNode } from "./schema.ts";

type Node = ConfigNode & {
  type?: string;
  enum?: readonly unknown[];
  const?: unknown;
  anyOf?: readonly Node[];
  items?: Node;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
};

const number = (value: number): string =>
  Number.isSafeInteger(value) && value >= 10_000 ? value.toLocaleString("en-US") : String(value);

/** Literal choices of a union of constants ("PLAIN", ...), or undefined. */
export function choices(schema: Node): readonly string[] | undefined {
  if (schema.anyOf?.every((option) => option.const !== undefined)) return schema.anyOf.map((option) => String(option.const));
  return undefined;
}

export function describeSchema(schema: Node): string {
  if (schema.expected !== undefined) return schema.expected;
  const literal = choices(schema);
  if (literal !== undefined) return `one of ${literal.join(", ")}`;
  switch (schema.type) {
    case "integer":
    case "number": {
      const what = schema.type === "integer" ? "an integer" : "a number";
      const { minimum, maximum } = schema;
      if (minimum !== undefined && maximum !== undefined) return `${what} from ${number(minimum)} to ${number(maximum)}`;
      if (minimum !== undefined) return `${what} ≥ ${number(minimum)}`;
      if (maximum !== undefined) return `${what} ≤ ${number(maximum)}`;
      return what;
    }
    case "string":
      return schema.minLength !== undefined && schema.minLength > 0 ? "a non-empty string" : "a string";
    case "boolean":
      return "true or false";
    case "array": {
      const of = schema.items === undefined ? "values" : describeItems(schema.items);
      return `${schema.minItems !== undefined && schema.minItems > 0 ? "a non-empty list" : "a list"} of ${of}`;
    }
    case "object":
      return "an object";
    default:
      return "a value";
  }
}

/** The entries of a list, in the plural: "host:port", "objects", "strings". */
function describeItems(items: Node): string {
  if (items.expected !== undefined) return items.expected;
  return (
    { object: "objects", string: "strings", integer: "integers", number: "numbers", boolean: "booleans" }[items.type ?? ""] ??
    "values"
  );
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
