// Point 5 of the benchmark: the Kafka client comparison of bench/kafka-clients.ts (written for
// docs/decisions/0001), run as it is in a child process, with a smaller workload in --quick.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../infra/stack/ports.ts";

export interface ClientRow {
  readonly client: string;
  readonly compression: string;
  readonly inFlight: number;
  readonly eventsPerSecond: number;
  readonly cpuUsPerRecord: number;
  readonly peakRssMB: number;
  /** Records missing after consuming the topic back (summed over runs); must be 0. */
  readonly missing: number;
  readonly failedRecords: number;
}

export interface KafkaComparison {
  readonly records: number;
  readonly runs: number;
  readonly workload: unknown;
  readonly rows: readonly ClientRow[];
}

interface Stats {
  median: number;
}
interface RawResult {
  config: { client: string; compression: string; inFlight: number };
  eventsPerSecond: Stats;
  cpuUsPerRecord: Stats;
  peakRssMB: Stats;
  failedRecords: number[];
  verification: ({ missing: number } | string)[];
}

export function compareKafkaClients(records: number, runs: number, only: string, timeoutMs: number): Promise<KafkaComparison> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, "bench/kafka-clients.ts"), "--runs", String(runs), "--records", String(records), "--only", only],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-2000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`bench/kafka-clients.ts exited ${code}: ${err}`);
        const parsed = JSON.parse(out) as { workload: unknown; results: RawResult[] };
        resolve({
          records,
          runs,
          workload: parsed.workload,
          rows: parsed.results.map((r) => ({
            client: r.config.client,
            compression: r.config.compression,
            inFlight: r.config.inFlight,
            eventsPerSecond: Math.round(r.eventsPerSecond.median),
            cpuUsPerRecord: r.cpuUsPerRecord.median,
            peakRssMB: r.peakRssMB.median,
            missing: r.verification.reduce((sum, v) => sum + (typeof v === "string" ? records : v.missing), 0),
            failedRecords: r.failedRecords.reduce((a, b) => a + b, 0),
          })),
        });
      } catch (error) {
        reject(error);
      }
    });
  });
}
