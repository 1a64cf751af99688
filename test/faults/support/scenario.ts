// Running the accounting of a scenario against its deployment: reads the catalog topics and the
// DLQ from the beginning until every accepted item is accounted for (or the time is up), waits a
// little longer for late copies, and computes the row.
import type { Deployment } from "../../support/deployment.ts";
import { RecordCollector } from "../../support/records.ts";
import { type Accounting, type AccountingInput, account } from "./accounting.ts";
import { scanTelemetry } from "./canary.ts";

export interface ScenarioAccounting extends Omit<AccountingInput, "catalog" | "deadLetters"> {
  readonly deployment: Deployment;
  /** How long to wait for everything to arrive (default 120 s). */
  readonly timeoutMs?: number;
  /** A collector already reading the deployment (kept open by the caller); default: one of its own. */
  readonly collector?: RecordCollector;
}

/** Reads until every accepted item is in Kafka, the DLQ or filtered; then the accounting. */
export async function accountScenario(options: ScenarioAccounting): Promise<Accounting> {
  const collector = options.collector ?? (await RecordCollector.open(options.deployment));
  try {
    const compute = (): Accounting => account({ ...options, catalog: collector.records, deadLetters: collector.deadLetters });
    await collector.waitFor(() => compute().result.lost === 0, options.timeoutMs ?? 120_000);
    // Copies written after the last first copy (a redelivery still settling) count too.
    await collector.waitFor(() => false, 2_000);
    const accounting = compute();
    // The canary: nothing of a payload or a key in the logs, metrics or dead letters.
    const scan = await scanTelemetry(options.deployment, options.items, collector.deadLetters);
    const canary =
      `canary: ${scan.needles} plaintext values and key encodings over ${scan.logLines} log lines, ` +
      `${scan.deadLetters} dead letters and /metrics: ${scan.leaks} hits${scan.where.length === 0 ? "" : ` (${scan.where.join("; ")})`}`;
    const notes = accounting.result.notes === undefined ? canary : `${accounting.result.notes}; ${canary}`;
    return { ...accounting, result: { ...accounting.result, telemetryLeaks: scan.leaks, notes } };
  } finally {
    if (options.collector === undefined) await collector.close();
  }
}
