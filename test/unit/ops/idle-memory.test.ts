import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startIdleMemoryTrim } from "../../../src/ops/idle-memory.ts";
import { createLogger } from "../../../src/ops/log.ts";

function trimsLogged(lines: readonly string[]): number {
  return lines.filter((line) => line.includes('"idle: memory-reducing GC"')).length;
}

test("an interval without messages runs a memory-reducing GC; one with messages does not", async () => {
  const lines: string[] = [];
  const log = createLogger("debug", {}, (line) => lines.push(line));
  let received = 0;
  let busy = true;
  const busyTicker = setInterval(() => {
    if (busy) received++;
  }, 2);
  const stop = startIdleMemoryTrim({ intervalMs: 40, activity: () => received, log });
  try {
    await sleep(200);
    assert.equal(trimsLogged(lines), 0, "no GC while messages keep arriving");
    busy = false;
    await sleep(200);
    assert.equal(trimsLogged(lines), 1, "the first idle GC is logged (then every hundredth)");
    const fields = JSON.parse(lines.find((line) => line.includes("memory-reducing"))!) as Record<string, unknown>;
    assert.equal(typeof fields.cpuMs, "number");
    assert.ok((fields.rssBytes as number) > 0);
    assert.equal(typeof (globalThis as { gc?: unknown }).gc, "undefined", "gc stays out of the main context");
  } finally {
    stop();
    clearInterval(busyTicker);
  }
});

test("interval 0 never starts a timer", () => {
  const before = process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
  const stop = startIdleMemoryTrim({ intervalMs: 0, activity: () => 0, log: createLogger("error") });
  assert.equal(process.getActiveResourcesInfo().filter((name) => name === "Timeout").length, before);
  stop();
});
