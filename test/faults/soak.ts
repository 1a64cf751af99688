// `npm run soak -- --minutes N [--rate R]`: the soak scenario (soak/soak.test.ts) for N minutes
// (default 10) at R events/s per cloud (default 20), on the fault stack through
// `npm run test:faults` (support/run.ts: a stack of its own, the table at the end).
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const args = process.argv.slice(2);
function option(name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = args[index + 1];
  if (value === undefined || !/^\d+$/.test(value)) {
    console.error(`soak: --${name} needs a whole number, got ${value ?? "nothing"}`);
    process.exit(2);
  }
  return value;
}

const minutes = option("minutes", "10");
const rate = option("rate", "20");
const keep = args.includes("--keep-stack") ? ["--keep-stack"] : [];
const root = join(import.meta.dirname, "..", "..");
const run = spawnSync(
  process.execPath,
  [join(root, "test", "faults", "support", "run.ts"), ...keep, join("test", "faults", "soak", "soak.test.ts")],
  { stdio: "inherit", cwd: root, env: { ...process.env, MB_SOAK_MINUTES: minutes, MB_SOAK_RATE: rate } },
);
process.exitCode = run.status ?? 1;
