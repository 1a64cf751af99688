// The results file of a fault run: each scenario appends its row as one JSON line; the reporter
// (report.ts) prints them as a table once `node --test` is done. `npm run test:faults` names
// the file (MB_FAULT_RESULTS); a test file run on its own appends to the cache's latest file.
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TestContext } from "node:test";
import { cacheDir } from "../../../infra/stack/ports.ts";
import type { Accounting, ScenarioResult } from "./accounting.ts";
import { scanTelemetryOfProcess } from "./canary.ts";
import { formatRow } from "./table.ts";

export const resultsFile = process.env.MB_FAULT_RESULTS || join(cacheDir, "fault-results", "latest.jsonl");

export function appendResult(result: ScenarioResult): void {
  mkdirSync(dirname(resultsFile), { recursive: true });
  appendFileSync(resultsFile, `${JSON.stringify(result)}\n`);
}

export function readResults(file: string = resultsFile): ScenarioResult[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ScenarioResult);
}

/** What makes a row fail the run (empty: it passes). */
export function rowProblems(result: ScenarioResult): string[] {
  const problems: string[] = [];
  if (result.lost !== 0) problems.push(`${result.lost} lost`);
  if (result.orderViolations !== 0) problems.push(`${result.orderViolations} order violations`);
  if (result.inBoth !== 0) problems.push(`${result.inBoth} both in Kafka and dead-lettered`);
  if (result.misrouted !== 0) problems.push(`${result.misrouted} misrouted`);
  if ((result.telemetryLeaks ?? 0) > 0) problems.push(`${result.telemetryLeaks} telemetry leaks`);
  if (result.duplicates > result.duplicateBound) {
    problems.push(`${result.duplicates} duplicates over the bound ${result.duplicateBound}`);
  }
  return problems;
}

/**
 * Records the scenario's row (results file and test diagnostics), then asserts it: nothing lost,
 * in order, no event on both sides or the wrong one, duplicates within the bound, no stray ce_id.
 * `explainLost` turns the lost ids into "never reached the bridge" / "lost by the bridge".
 */
export function recordScenario(t: TestContext, scenario: Accounting, explainLost?: (ids: readonly string[]) => string): void {
  const accounting = withCanary(scenario);
  const { result } = accounting;
  appendResult(result);
  t.diagnostic(formatRow(result));
  assert.deepEqual(
    accounting.lostIds.slice(0, 5),
    [],
    `${result.scenario}: ${result.lost} lost${explainLost === undefined ? "" : `: ${explainLost(accounting.lostIds)}`}`,
  );
  assert.deepEqual(accounting.orderViolationsSeen.slice(0, 5), [], `${result.scenario}: order violations`);
  assert.deepEqual(accounting.inBothIds.slice(0, 5), [], `${result.scenario}: in Kafka and in the dead-letter topic`);
  assert.deepEqual(accounting.misroutedIds.slice(0, 5), [], `${result.scenario}: on the wrong side (Kafka / DLQ)`);
  assert.deepEqual(accounting.unexpectedCeIds.slice(0, 5), [], `${result.scenario}: records nobody sent`);
  assert.ok(
    result.duplicates <= result.duplicateBound,
    `${result.scenario}: ${result.duplicates} duplicates, bound ${result.duplicateBound}`,
  );
  assert.equal(result.telemetryLeaks ?? 0, 0, `${result.scenario}: payload plaintext or key bytes in telemetry (see notes)`);
}

/** A row not yet scanned by accountScenario gets the telemetry canary of its test process. */
function withCanary(accounting: Accounting): Accounting {
  if (accounting.result.telemetryLeaks !== undefined) return accounting;
  const scan = scanTelemetryOfProcess(accounting.items, accounting.deadLetters);
  const canary = `canary: ${scan.needles} plaintext values and key encodings over ${scan.logLines} log lines and ${scan.deadLetters} dead letters: ${scan.leaks} hits${scan.where.length === 0 ? "" : ` (${scan.where.join("; ")})`}`;
  const notes = accounting.result.notes === undefined ? canary : `${accounting.result.notes}; ${canary}`;
  return { ...accounting, result: { ...accounting.result, telemetryLeaks: scan.leaks, notes } };
}
