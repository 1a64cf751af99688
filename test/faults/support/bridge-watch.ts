// Watching a bridge process during a fault: a metric that stops moving, and its resident memory.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { BridgeProcess } from "../../support/bridge.ts";

/** Polls until the metric has not changed for `quietMs`; resolves with its value (or throws after `timeoutMs`). */
export async function metricSettled(bridge: BridgeProcess, name: string, quietMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = await bridge.metric(name);
  let since = Date.now();
  for (;;) {
    await sleep(200);
    const now = await bridge.metric(name);
    if (now !== value) {
      value = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return value;
    if (Date.now() > deadline) throw new Error(`${name} still moving after ${timeoutMs} ms (at ${value})`);
  }
}

/** The process's resident set in bytes, from /proc (the kernel's figure, not the process's own). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
