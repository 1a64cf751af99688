// Background processes of the local mesh: started detached in their own process group,
// tracked by pid files, stopped by group so no child (JVM, python, go) is left behind.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stackDir } from "./ports.ts";

export const pidFile = (name: string): string => join(stackDir, `${name}.pid`);
export const logFile = (name: string): string => join(stackDir, `${name}.log`);

export function readPid(name: string): number | undefined {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningPid(name: string): number | undefined {
  const pid = readPid(name);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

export function startDetached(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): number {
  mkdirSync(stackDir, { recursive: true });
  const log = openSync(logFile(name), "a");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", log, log],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${command} did not spawn`);
  child.unref();
  writeFileSync(pidFile(name), String(child.pid));
  return child.pid;
}

/** SIGTERM the process group, then SIGKILL whatever is left after the grace period. */
export async function stopGroup(name: string, graceMs = 15_000): Promise<boolean> {
  const pid = readPid(name);
  rmSync(pidFile(name), { force: true });
  if (pid === undefined || !isAlive(pid)) return false;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  signalGroup("SIGKILL");
  while (isAlive(pid)) await sleep(50);
  return true;
}

export function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Who listens on a port, as `ss` tells it, for a readable "port taken" message. */
export function portOwner(port: number): string {
  const out = spawnSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const line = out.stdout?.trim();
  return line ? line.replace(/\s+/g, " ") : "unknown process";
}

export function requireTool(tool: string, versionArgs: readonly string[], why: string): void {
  const probe = spawnSync(tool, versionArgs, { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(`missing toolchain: '${tool}' is needed to ${why}, but '${tool} ${versionArgs.join(" ")}' failed`);
  }
}

export function run(command: string, args: readonly string[], what: string, cwd?: string): void {
  // A first run downloads for minutes: say what is going on, before and after.
  const began = Date.now();
  console.log(`stack: ${what} (first run only; this can take a few minutes) ...`);
  const result = spawnSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    const tail = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-20).join("\n");
    throw new Error(`${what} failed (${command} ${args.join(" ")}):\n${tail}`);
  }
  console.log(`stack: ${what}: done (${((Date.now() - began) / 1000).toFixed(1)}s)`);
}

export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, logName: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!runningPid(logName)) {
      throw new Error(`${what} exited during start-up; see ${logFile(logName)}`);
    }
    try {
      if (await probe()) return;
    } catch {
      // Not ready yet.
    }
    await sleep(250);
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs / 1000}s; see ${logFile(logName)}`);
}
