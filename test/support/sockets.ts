// Established TCP connections of a process to one server, from `ss` (shared by the Pub/Sub
// footprint test and the benchmark's subscription-scale measurement).
import { execFileSync } from "node:child_process";

/** Established TCP connections of process `pid` to `hostPort`'s port (e.g. the Pub/Sub emulator). */
export function socketsTo(pid: number, hostPort: string): number {
  const out = execFileSync("ss", ["-tnpH", "state", "established"], { encoding: "utf8" });
  const port = `:${hostPort.slice(hostPort.lastIndexOf(":") + 1)}`;
  return out.split("\n").filter((line) => line.includes(`pid=${pid},`) && line.includes(port)).length;
}
