// The README's configuration table, rendered from the schema: every key with its type and
// range, default and description.
import { choices, describeSchema } from "../../src/cli/config/describe.ts";
import { type ConfigNode, configSchema } from "../../src/cli/config/schema.ts";

type Node = ConfigNode & {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, Node>;
  required?: readonly string[];
  items?: Node;
};

interface Row {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

function defaultOf(schema: Node, required: boolean): string {
  if (schema.default !== undefined) {
    const value = schema.default;
    if (typeof value === "number")
      return Number.isSafeInteger(value) && value >= 10_000 ? value.toLocaleString("en-US") : String(value);
    return `\`${JSON.stringify(value)}\``;
  }
  return required ? "required" : "—";
}

function typeOf(schema: Node): string {
  if (schema.secret === true) return `secret: ${describeSchema(schema)}`;
  const literal = choices(schema);
  if (literal !== undefined) return literal.map((value) => `\`${value}\``).join(", ");
  return describeSchema(schema);
}

function rows(schema: Node, prefix: string, out: Row[]): Row[] {
  for (const [key, inner] of Object.entries(schema.properties ?? {})) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const required = schema.required?.includes(key) === true;
    const listOfObjects = inner.type === "array" && inner.items?.type === "object";
    out.push({
      key: listOfObjects ? `${path}[]` : path,
      type: listOfObjects ? "a list of objects" : typeOf(inner),
      default: defaultOf(inner, required),
      description: inner.description ?? inner.items?.description ?? "",
    });
    if (inner.type === "object") rows(inner, path, out);
    if (listOfObjects) rows(inner.items!, `${path}[]`, out);
  }
  return out;
}

const cell = (text: string): string => text.replaceAll("|", "\\|");

export function renderConfigTable(): string {
  const header: Row = { key: "key", type: "type", default: "default", description: "meaning" };
  const body = rows(configSchema as Node, "", []).map((row) => ({ ...row, key: `\`${row.key}\`` }));
  const table = [header, ...body].map((row) => [row.key, row.type, row.default, row.description].map(cell));
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((text, column) => text.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(table[0]!), line(widths.map((width) => "-".repeat(width))), ...table.slice(1).map(line)].join("\n");
}
