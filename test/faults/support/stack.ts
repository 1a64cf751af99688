// Control of the servers of the stack the fault tests run against (the ports and MB_STACK_DIR
// in the environment; `npm run test:faults` sets them to a stack of its own): pause, resume,
// kill and restart one server, as a crash or an outage would. Refuses the shared mesh's
// default ports unless MB_FAULTS_ON_DEFAULT_PORTS=1 says that stack is the test's alone.
import { ports } from "../../../infra/stack/ports.ts";
import { isAlive, readPid, waitFor } from "../../../infra/stack/process.ts";
import { services } from "../../../infra/stack/services.ts";

export type StackServer = "kafka" | "registry" | "elasticmq" | "pubsub" | "moto";

function service(name: StackServer) {
  const found = services.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`fault stack: no service named ${name}`);
  return found;
}

function assertOwnStack(): void {
  if (ports.kafka === 19092 && process.env.MB_FAULTS_ON_DEFAULT_PORTS !== "1") {
    throw new Error(
      "fault stack: Kafka is on the default port 19092 (the shared mesh); run through `npm run test:faults`, " +
        "which starts a stack of its own, or set MB_FAULTS_ON_DEFAULT_PORTS=1 where that mesh is yours alone",
    );
  }
}

function pidOf(name: StackServer): number {
  const pid = readPid(name);
  if (pid === undefined || !isAlive(pid)) throw new Error(`fault stack: ${name} is not running (no live pid file)`);
  return pid;
}

/** Signals the server's whole process group (the stack starts each server as a group leader). */
export function signalServer(name: StackServer, signal: NodeJS.Signals): void {
  assertOwnStack();
  process.kill(-pidOf(name), signal);
}

/** SIGSTOP: the server keeps its sockets open and answers nothing (a hung broker). */
export function pauseServer(name: StackServer): void {
  signalServer(name, "SIGSTOP");
}

/** SIGCONT; harmless when not paused (use it in `after` so nothing stays frozen). */
export function resumeServer(name: StackServer): void {
  const pid = readPid(name);
  if (pid !== undefined && isAlive(pid)) process.kill(-pid, "SIGCONT");
}

/** SIGKILL and wait until the process is gone. */
export async function killServer(name: StackServer): Promise<void> {
  const pid = pidOf(name);
  signalServer(name, "SIGKILL");
  const deadline = Date.now() + 30_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`fault stack: ${name} (pid ${pid}) still alive 30 s after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a killed server again on its previous state (Kafka: same log directory) and waits until healthy. */
export async function restartServer(name: StackServer): Promise<void> {
  assertOwnStack();
  const target = service(name);
  if (target.restart === undefined) target.start();
  else target.restart();
  await waitFor(name, () => target.healthy(), target.startTimeoutMs, name);
}
