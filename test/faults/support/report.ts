// `node test/faults/support/report.ts [results.jsonl]`: prints the fault table of a run and
// exits 1 when any row lost an event, broke an order, or another accounting rule (see
// rowProblems), or when the run recorded no row at all.
import { readResults, resultsFile, rowProblems } from "./results.ts";
import { formatTable } from "./table.ts";

export function report(file: string): boolean {
  const results = readResults(file);
  console.log(`\nFault scenarios (${results.length} rows, ${file}):\n`);
  if (results.length === 0) {
    console.log("no scenario recorded a row");
    return false;
  }
  console.log(formatTable(results, rowProblems));
  const failing = results.filter((result) => rowProblems(result).length > 0);
  console.log(failing.length === 0 ? "\nall accounted for: lost 0, order violations 0" : `\n${failing.length} rows FAIL`);
  return failing.length === 0;
}

if (import.meta.main) process.exitCode = report(process.argv[2] ?? resultsFile) ? 0 : 1;
