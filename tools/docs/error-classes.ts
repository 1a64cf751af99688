// Renders the operations table of error classes from the registry (src/pipeline/error-classes.ts),
// for README.md between `<!-- BEGIN GENERATED: error-classes -->` and its END marker.
// test/unit/docs/error-classes.test.ts fails when the README and this output differ.
import { errorClasses } from "../../src/pipeline/error-classes.ts";

export const ERROR_CLASSES_SECTION = "error-classes";

/** A Markdown table (class, stage, permanent/transient, description), columns aligned. */
export function renderErrorClasses(): string {
  const header = ["class", "stage", "kind", "what it means"];
  const rows = Object.entries(errorClasses).map(([name, spec]) => [
    `\`${name}\``,
    spec.stages.join(", "),
    spec.kind,
    spec.description.replaceAll("|", "\\|"),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}
