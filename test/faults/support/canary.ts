// The telemetry canary through the fault scenarios: after each one, the logs of every bridge the
// scenario ran (at debug level), the /metrics of those still alive and every dead-letter record
// are scanned for values that exist only inside the encrypted payloads (the events' e-mail
// addresses) and for the tenants' key bytes (base64 and hex). Any hit is a leak.
import { readFileSync } from "node:fs";
import type { ReadRecord } from "../../../src/ops/kafka-reader.ts";
import { startedBridges } from "../../support/bridge.ts";
import type { Deployment } from "../../support/deployment.ts";
import type { SentItem } from "./accounting.ts";

export interface TelemetryScan {
  readonly leaks: number;
  /** Where the first hits were, without the secret itself ("log of bridge 2: key bytes"). */
  readonly where: readonly string[];
  readonly needles: number;
  readonly logLines: number;
  readonly deadLetters: number;
}

/** The key bytes of a static key file, as base64 and hex (a KMS file holds only wrapped keys). */
function keyNeedles(file: string): string[] {
  let parsed: { kmsKeyId?: unknown; tenants?: Record<string, Record<string, unknown>> };
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as typeof parsed;
  } catch {
    return [];
  }
  if (parsed.kmsKeyId !== undefined || parsed.tenants === undefined) return [];
  const needles: string[] = [];
  for (const versions of Object.values(parsed.tenants)) {
    for (const value of Object.values(versions)) {
      if (typeof value !== "string") continue;
      needles.push(value, Buffer.from(value, "base64").toString("hex"));
    }
  }
  return needles;
}

interface Haystack {
  readonly name: string;
  readonly text: string;
}

function needlesOf(items: readonly SentItem[], keyFiles: Iterable<string | undefined>): Map<string, string> {
  const needles = new Map<string, string>();
  for (const item of items) for (const text of item.plaintexts ?? []) needles.set(text, "payload plaintext");
  for (const file of new Set(keyFiles))
    if (file !== undefined) for (const text of keyNeedles(file)) needles.set(text, "key bytes");
  return needles;
}

function deadLetterHaystacks(deadLetters: readonly ReadRecord[]): Haystack[] {
  return deadLetters.map((record) => ({
    name: "dead-letter record",
    text: `${[...record.headers.values()].map((value) => value.toString()).join("\n")}\n${record.value.toString("utf8")}`,
  }));
}

function search(
  needles: ReadonlyMap<string, string>,
  haystacks: readonly Haystack[],
  logLines: number,
  deadLetters: number,
): TelemetryScan {
  const where: string[] = [];
  let leaks = 0;
  for (const haystack of haystacks) {
    for (const [needle, kind] of needles) {
      if (!haystack.text.includes(needle)) continue;
      leaks++;
      if (where.length < 5) where.push(`${haystack.name}: ${kind}`);
    }
  }
  return { leaks, where, needles: needles.size, logLines, deadLetters };
}

/** After a scenario of `deployment`: its bridges' logs and live /metrics, and the dead letters. */
export async function scanTelemetry(
  deployment: Deployment,
  items: readonly SentItem[],
  deadLetters: readonly ReadRecord[],
): Promise<TelemetryScan> {
  const bridges = startedBridges.get(deployment.prefix) ?? [];
  const haystacks: Haystack[] = [];
  let logLines = 0;
  for (const [index, { bridge }] of bridges.entries()) {
    logLines += bridge.logs.length;
    haystacks.push({ name: `log of bridge ${index + 1}`, text: bridge.logs.join("\n") });
    if (bridge.child.exitCode === null && bridge.child.signalCode === null) {
      const metrics = await fetch(`http://127.0.0.1:${bridge.opsPort}/metrics`).then(
        (response) => response.text(),
        () => "",
      );
      haystacks.push({ name: `/metrics of bridge ${index + 1}`, text: metrics });
    }
  }
  haystacks.push(...deadLetterHaystacks(deadLetters));
  const needles = needlesOf(
    items,
    bridges.map((entry) => entry.keyFile),
  );
  return search(needles, haystacks, logLines, deadLetters.length);
}

/**
 * For rows accounted without a deployment at hand: the logs of every bridge this test process
 * started (a test file runs in a process of its own) and the dead letters; no /metrics.
 */
export function scanTelemetryOfProcess(items: readonly SentItem[], deadLetters: readonly ReadRecord[]): TelemetryScan {
  const bridges = [...startedBridges.values()].flat();
  const haystacks: Haystack[] = bridges.map(({ bridge }, index) => ({
    name: `log of bridge ${index + 1}`,
    text: bridge.logs.join("\n"),
  }));
  haystacks.push(...deadLetterHaystacks(deadLetters));
  const logLines = bridges.reduce((sum, { bridge }) => sum + bridge.logs.length, 0);
  return search(
    needlesOf(
      items,
      bridges.map((entry) => entry.keyFile),
    ),
    haystacks,
    logLines,
    deadLetters.length,
  );
}
