// `npm run test:faults [-- --soak] [--keep-stack] [files...]`: the fault scenarios (--soak: also
// the slow ones, and every scenario on both sources; MB_FAULTS_SOAK=1) against a
// stack of their own, then the table. Ports: as the environment gives them (MB_*_PORT, with
// MB_STACK_DIR or the cache's stack/), else every default port + 200 with state in
// <cache>/stack-faults — never the shared mesh, whose servers these tests kill and pause.
// Starts the servers it needs that are not running, stops those again at the end (unless
// --keep-stack), and exits non-zero when a test failed or a row does not account for everything.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const portVariables: Readonly<Record<string, number>> = {
  MB_KAFKA_PORT: 19092,
  MB_KAFKA_CONTROLLER_PORT: 19093,
  MB_REGISTRY_PORT: 18081,
  MB_MOTO_PORT: 15000,
  MB_ELASTICMQ_PORT: 19324,
  MB_PUBSUB_PORT: 18085,
  MB_KAFKA_SASL_PORT: 19094,
  MB_REGISTRY_TLS_PORT: 18443,
  MB_PUBSUB_TLS_PORT: 18086,
  MB_PUBSUB_GOOGLE_PORT: 18087,
};
const PORT_OFFSET = 200;
const SERVERS = ["kafka", "registry", "moto", "elasticmq", "pubsub"];

const args = process.argv.slice(2);
const soak = args.includes("--soak");
const keepStack = args.includes("--keep-stack");
const files = args.filter((arg) => !arg.startsWith("--"));
if (soak) process.env.MB_FAULTS_SOAK = "1";

const ownPorts = Object.keys(portVariables).every((name) => (process.env[name] ?? "") === "");
if (ownPorts) {
  for (const [name, port] of Object.entries(portVariables)) process.env[name] = String(port + PORT_OFFSET);
}
// Set before ports.ts is imported, which reads the ports and the stack directory once: were the
// stack directory read first, it would be the shared mesh's, whose running servers would count as
// already running here, and none of the fault stack's would be stopped at the end.
if (ownPorts && (process.env.MB_STACK_DIR ?? "") === "") {
  const cache = process.env.MB_CACHE_DIR ?? join(import.meta.dirname, "..", "..", "..", ".cache");
  process.env.MB_STACK_DIR = join(cache, "stack-faults");
}
const { cacheDir, repoRoot, stackDir } = await import("../../../infra/stack/ports.ts");
if (ownPorts && stackDir !== join(cacheDir, "stack-faults"))
  throw new Error(`fault stack state in ${stackDir}, not the fault stack's`);
const { runningPid } = await import("../../../infra/stack/process.ts");
const { report } = await import("./report.ts");

const node = process.execPath;
const stack = (command: string, names: readonly string[]): number =>
  spawnSync(node, [join(repoRoot, "infra", "stack", "main.ts"), command, ...names], { stdio: "inherit" }).status ?? 1;

const started = SERVERS.filter((name) => runningPid(name) === undefined);
console.log(
  `fault stack: Kafka on ${process.env.MB_KAFKA_PORT}, state in ${process.env.MB_STACK_DIR ?? join(cacheDir, "stack")}`,
);
let ok = stack("up", SERVERS) === 0;
const results = join(cacheDir, "fault-results", `run-${new Date().toISOString().replaceAll(":", "-")}.jsonl`);
process.env.MB_FAULT_RESULTS = results;
if (ok) {
  const selected = files.length > 0 ? files : ["test/faults/*.test.ts"];
  const run = spawnSync(node, ["--test", "--test-concurrency=1", ...selected], { stdio: "inherit", cwd: repoRoot });
  ok = run.status === 0;
  if (!ok) console.log(`\nnode --test failed (exit ${run.status})`);
  ok = report(results) && ok;
}
if (!keepStack && started.length > 0) stack("down", started);
process.exitCode = ok ? 0 : 1;
