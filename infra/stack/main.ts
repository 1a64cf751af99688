// `npm run stack -- up | down | status | logs [service] | env`: the local event mesh of real servers.
import { existsSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { meshEnvironment } from "./env.ts";
import { logFile, portOpen, portOwner, runningPid, stopGroup, waitFor } from "./process.ts";
import { type Service, services } from "./services.ts";

function pick(names: readonly string[]): readonly Service[] {
  if (names.length === 0) return services;
  return names.map((name) => {
    const service = services.find((candidate) => candidate.name === name);
    if (service === undefined) {
      throw new Error(`unknown service '${name}'; the mesh has: ${services.map((s) => s.name).join(", ")}`);
    }
    return service;
  });
}

/** The optional services that cannot run here are reported and left out. */
function available(selected: readonly Service[]): readonly Service[] {
  return selected.filter((service) => {
    const missing = service.missing?.();
    if (missing !== undefined) console.log(`${service.name}: ${missing}`);
    return missing === undefined;
  });
}

async function up(requested: readonly Service[]): Promise<void> {
  const selected = available(requested);
  for (const service of selected) service.prepare();
  // Start everything first, then wait: the JVMs boot in parallel.
  const starting: Service[] = [];
  for (const service of selected) {
    if (runningPid(service.name) !== undefined) {
      console.log(`${service.name}: already running at ${service.address}`);
      continue;
    }
    for (const port of service.ports) {
      if (await portOpen(port)) {
        throw new Error(
          `${service.name}: port ${port} is taken by ${portOwner(port)}; free it or set the port variable (see infra/stack/ports.ts)`,
        );
      }
    }
    console.log(`${service.name}: starting (log ${logFile(service.name)})`);
    service.start();
    starting.push(service);
  }
  await Promise.all(
    starting.map(async (service) => {
      const began = performance.now();
      await waitFor(service.name, () => service.healthy(), service.startTimeoutMs, service.name);
      console.log(`${service.name}: up at ${service.address} (${((performance.now() - began) / 1000).toFixed(1)}s)`);
    }),
  );
  // A service that was already running must still answer.
  for (const service of selected) {
    const outdated = starting.includes(service) ? undefined : await service.outdated?.();
    if (outdated !== undefined) throw new Error(`${service.name}: ${outdated}`);
    if (!starting.includes(service) && !(await service.healthy().catch(() => false))) {
      throw new Error(
        `${service.name}: running (pid ${runningPid(service.name)}) but not healthy; try 'stack down' then 'stack up'`,
      );
    }
  }
}

async function down(selected: readonly Service[]): Promise<void> {
  for (const service of [...selected].reverse()) {
    const stopped = await stopGroup(service.name);
    for (const port of service.ports) {
      const deadline = Date.now() + 10_000;
      while ((await portOpen(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (await portOpen(port)) throw new Error(`${service.name}: port ${port} still listening after stop (${portOwner(port)})`);
    }
    console.log(`${service.name}: ${stopped ? "stopped" : "was not running"}`);
  }
}

async function status(selected: readonly Service[]): Promise<boolean> {
  let allUp = true;
  for (const service of selected) {
    const missing = service.missing?.();
    if (missing !== undefined) {
      console.log(`${service.name.padEnd(9)} ${missing}`);
      continue;
    }
    const pid = runningPid(service.name);
    const healthy = pid !== undefined && (await service.healthy().catch(() => false));
    allUp &&= healthy;
    const state = pid === undefined ? "down" : healthy ? "up" : "running, not healthy";
    console.log(`${service.name.padEnd(9)} ${state.padEnd(21)} ${service.address}${pid ? `  (pid ${pid})` : ""}`);
  }
  return allUp;
}

function logs(selected: readonly Service[]): void {
  for (const service of selected) {
    const file = logFile(service.name);
    console.log(`==> ${file} <==`);
    if (existsSync(file)) console.log(readFileSync(file, "utf8").split("\n").slice(-40).join("\n"));
  }
}

async function main(): Promise<void> {
  const [command, ...names] = process.argv.slice(2);
  const selected = pick(names);
  switch (command) {
    case "up":
      await up(selected);
      return;
    case "down":
      await down(selected);
      return;
    case "status":
      process.exitCode = (await status(selected)) ? 0 : 3;
      return;
    case "logs":
      logs(selected);
      return;
    case "env":
      // For a shell: eval "$(npm run -s stack -- env)"
      console.log(meshEnvironment());
      return;
    default:
      console.error(`usage: stack up|down|status|logs [${services.map((s) => s.name).join("|")} ...] | env`);
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  console.error(`stack: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
