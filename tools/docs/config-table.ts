// The README's configuration table, rendered from the schema: every key with its type and
// range, default and description.
import type { GenericSchema } from "valibot";
import { describeSchema, formatNumber } from "../../src/cli/config/describe.ts";
import { configSchema } from "../../src/cli/config/schema.ts";
import { inspect } from "../../src/cli/config/schema-info.ts";

interface Row {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly description: string;
}

function defaultOf(value: unknown, optional: boolean): string {
  if (value === undefined) return optional ? "—" : "required";
  return typeof value === "number" ? formatNumber(value) : `\`${JSON.stringify(value)}\``;
}

function typeOf(schema: GenericSchema): string {
  const info = inspect(schema);
  if (info.secret === true) return `secret: ${describeSchema(schema)}`;
  if (info.kind === "choice") return info.choices!.map((value) => `\`${value}\``).join(", ");
  return describeSchema(schema);
}

function rows(schema: GenericSchema, prefix: string, out: Row[]): Row[] {
  for (const [key, inner] of Object.entries(inspect(schema).entries ?? {})) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const info = inspect(inner);
    const objects =
      info.kind === "array" && info.item !== undefined && inspect(info.item).kind === "object" ? info.item : undefined;
    out.push({
      key: objects === undefined ? path : `${path}[]`,
      type: objects === undefined ? typeOf(inner) : "a list of objects",
      default: defaultOf(info.default, info.optional),
      description: info.description ?? "",
    });
    if (info.kind === "object") rows(inner, path, out);
    if (objects !== undefined) rows(objects, `${path}[]`, out);
  }
  return out;
}

const cell = (text: string): string => text.replaceAll("|", "\\|");

export function renderConfigTable(): string {
  const header: Row = { key: "key", type: "type", default: "default", description: "meaning" };
  const body = rows(configSchema, "", []).map((row) => ({ ...row, key: `\`${row.key}\`` }));
  const table = [header, ...body].map((row) => [row.key, row.type, row.default, row.description].map(cell));
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((text, column) => text.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(table[0]!), line(widths.map((width) => "-".repeat(width))), ...table.slice(1).map(line)].join("\n");
}
