// The fault table: one row per scenario, fixed-width columns, problems marked at the end.
import type { ScenarioResult } from "./accounting.ts";

const columns: readonly { readonly title: string; readonly width: number; readonly value: (r: ScenarioResult) => string }[] = [
  { title: "scenario", width: 44, value: (r) => r.scenario },
  { title: "sent", width: 6, value: (r) => String(r.sent) },
  { title: "no-src", width: 6, value: (r) => String(r.neverReachedSource) },
  { title: "kafka", width: 6, value: (r) => String(r.inKafka) },
  { title: "dlq", width: 5, value: (r) => String(r.deadLettered) },
  { title: "filt", width: 5, value: (r) => String(r.filtered) },
  { title: "lost", width: 5, value: (r) => String(r.lost) },
  { title: "both", width: 5, value: (r) => String(r.inBoth) },
  { title: "misr", width: 5, value: (r) => String(r.misrouted) },
  { title: "dups", width: 11, value: (r) => `${r.duplicates}<=${r.duplicateBound}` },
  { title: "order", width: 5, value: (r) => String(r.orderViolations) },
];

function cells(values: readonly string[]): string {
  return values
    .map((value, index) => (index === 0 ? value.padEnd(columns[0]!.width) : value.padStart(columns[index]!.width)))
    .join(" ");
}

export function formatHeader(): string {
  return cells(columns.map((column) => column.title));
}

export function formatRow(result: ScenarioResult): string {
  return cells(columns.map((column) => column.value(result)));
}

/** The whole table, with each row's notes beneath it and a legend. */
export function formatTable(results: readonly ScenarioResult[], problemsOf: (r: ScenarioResult) => string[]): string {
  const lines = [formatHeader(), "-".repeat(formatHeader().length)];
  for (const result of results) {
    const problems = problemsOf(result);
    lines.push(`${formatRow(result)}${problems.length === 0 ? "" : `  FAIL: ${problems.join(", ")}`}`);
    if (result.notes !== undefined) lines.push(`    ${result.notes}`);
  }
  lines.push(
    "no-src: never reached the source (publish failed); kafka: all its records in Kafka; dlq: dead-lettered; " +
      "filt: mapped to no record by design; lost = sent - no-src - kafka - dlq - filt; both: in Kafka and the DLQ; " +
      "misr: on the wrong side; dups: events delivered more than once (same ce_id) <= bound; order: records before an earlier one of their ordered group",
  );
  return lines.join("\n");
}
