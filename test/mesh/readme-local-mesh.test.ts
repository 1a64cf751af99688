// README "Running against the local mesh", as written: the exports from `npm run stack -- env`,
// schemas, topics, a legacy world, `check`, then `run` with examples/local.yaml until it is
// ready; the second block publishes to it and inspects the DLQ; SIGTERM stops the bridge gracefully.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "yaml";
import { repoRoot } from "../../infra/stack/ports.ts";
import { testedBlocks } from "../support/readme.ts";

const opsPort = (parse(readFileSync(join(repoRoot, "examples", "local.yaml"), "utf8")) as { http: { port: number } }).http.port;

async function metric(name: string): Promise<number> {
  // A fresh connection each time: a kept-alive one may have been closed by the server meanwhile.
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`, { headers: { connection: "close" } })).text();
  // Summed over its label sets (one per source).
  let total = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(" ").pop());
  return total;
}

function runScript(
  lines: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn("bash", ["-c", ["set -e", ...lines].join("\n")], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, stdout, stderr })));
}

it("the README's local-mesh steps start a bridge that becomes ready, takes events, and stops on SIGTERM", async () => {
  const [setup, publish] = testedBlocks("test/mesh/readme-local-mesh.test.ts");
  assert.ok(setup !== undefined && publish !== undefined, "the README marks two blocks for this test");
  const runLine = setup.at(-1)!;
  assert.match(runLine, /^npx meshbridge run --config examples\/local\.yaml/);
  const script = ["set -e", ...setup].join("\n");
  const env = { ...process.env };
  for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "MB_AWS_ENDPOINT", "MB_KAFKA_BOOTSTRAP", "MB_REGISTRY_URL"])
    delete env[name];
  // Its own process group: SIGTERM goes to the group, as Ctrl-C does in a terminal (npx does not
  // forward a signal sent to it alone).
  const child = spawn("bash", ["-c", script], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const group = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  // "close": every process holding the output pipes (bash, npx, the bridge) has exited.
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  try {
    const deadline = Date.now() + 120_000;
    let ready = false;
    while (!ready && Date.now() < deadline && child.exitCode === null) {
      ready = await fetch(`http://127.0.0.1:${opsPort}/readyz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (!ready) await sleep(500);
    }
    assert.ok(ready, `not ready:\n${output}`);
    assert.match(output, /all \d+ checks passed/, "check passed before run");

    const acked = await metric("meshbridge_source_messages_acked_total");
    // Not spawnSync: this process must keep reading the bridge's output meanwhile.
    const second = await runScript(publish, env);
    assert.equal(second.status, 0, `${second.stdout}${second.stderr}`);
    assert.match(second.stdout, /^published 100 events$/m);
    assert.match(second.stdout, /^\d+ dead letters in meshbridge\.dlq \(\d+ records read\)$/m);
    const until = Date.now() + 60_000;
    while ((await metric("meshbridge_source_messages_acked_total")) < acked + 100 && Date.now() < until) await sleep(500);
    assert.ok((await metric("meshbridge_source_messages_acked_total")) >= acked + 100, "the bridge took the 100 events");

    group("SIGTERM");
    const timer = setTimeout(() => group("SIGKILL"), 30_000);
    await closed;
    clearTimeout(timer);
    // One log line with both fields, in whichever order the logger writes them.
    assert.match(output, /^(?=.*"msg":"signal received")(?=.*"signal":"SIGTERM").*$/m);
    assert.match(output, /"msg":"stopped"/);
    assert.doesNotMatch(output, /second signal|shutdown failed/);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- output ---\n${output.slice(-4000)}`, {
      cause: error,
    });
  } finally {
    group("SIGKILL");
  }
});
