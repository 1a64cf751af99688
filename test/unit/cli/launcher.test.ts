// The `meshbridge` command (bin/meshbridge.js): runs the CLI on Node 24, tells an older Node
// which version it needs, and `npx meshbridge` works in a clone without touching the work tree.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../../infra/stack/ports.ts";

const launcher = join(repoRoot, "bin", "meshbridge.js");
const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };

/** The machine's own Node when it is older than 24 (this machine's is 20), else undefined. */
function oldSystemNode(): string | undefined {
  for (const candidate of ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"]) {
    const result = spawnSync(candidate, ["-p", "process.versions.node"], { encoding: "utf8" });
    if (result.status === 0 && Number(result.stdout.split(".")[0]) < 24) return candidate;
  }
  return undefined;
}

test("on Node 24 the launcher runs the CLI", () => {
  const result = spawnSync(process.execPath, [launcher, "--version"], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), `meshbridge ${version}`);
});

const old = oldSystemNode();
test("on an older Node it says which Node it needs, and exits 1", { skip: old === undefined && "no Node < 24 here" }, () => {
  const result = spawnSync(old!, [launcher, "help"], { encoding: "utf8" });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^meshbridge needs Node >= 24 \(found \d+\.\d+\.\d+ at .+\)\./);
  assert.doesNotMatch(result.stderr, /ERR_UNKNOWN_FILE_EXTENSION/);
});

test("`npx meshbridge help` works in the clone and leaves the work tree as it was", () => {
  const status = () =>
    execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: repoRoot, encoding: "utf8" });
  const before = status();
  // A fresh npm cache: npx keeps a link to the package (and its bin) from an earlier run.
  const cache = mkdtempSync(join(tmpdir(), "mb-npx-"));
  const result = spawnSync("npx", ["meshbridge", "help"], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, npm_config_cache: cache, npm_config_offline: "true" },
  });
  rmSync(cache, { recursive: true, force: true });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^meshbridge \d+\.\d+\.\d+ — /);
  assert.match(result.stdout, /check {2,}pre-flight/);
  assert.equal(status(), before);
});
