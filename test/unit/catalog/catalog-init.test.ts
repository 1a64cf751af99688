// `meshbridge catalog init DIR` writes the minimal example catalog as a starting point, and what
// it writes stands on its own: buf lint passes, it type-checks, and its golden test passes —
// with only the packages a team installs (meshbridge, @bufbuild/protobuf, @types/node) linked in.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "../../../infra/stack/ports.ts";

const run = promisify(execFile);
const bin = (name: string): string => join(repoRoot, "node_modules", ".bin", name);
const example = join(repoRoot, "examples", "minimal-catalog");
// A nested `node --test` would report to this runner instead of its stdout.
const { NODE_TEST_CONTEXT: _nested, ...outsideTestEnv } = process.env;

function filesOf(directory: string, under = directory): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) =>
      entry.name === "node_modules"
        ? []
        : entry.isDirectory()
          ? filesOf(join(directory, entry.name), under)
          : [relative(under, join(directory, entry.name))],
    )
    .sort();
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(bin("node"), [join(repoRoot, "src", "cli", "main.ts"), ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test("catalog init writes the example's files; they pass buf lint, tsc and their golden test", async () => {
  const target = join(mkdtempSync(join(tmpdir(), "mb-init-")), "support-catalog");
  const result = await cli("catalog", "init", target);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(filesOf(target), filesOf(example));
  for (const file of filesOf(example)) {
    assert.equal(readFileSync(join(target, file), "utf8"), readFileSync(join(example, file), "utf8"), file);
  }
  // What `npm install meshbridge @bufbuild/protobuf @types/node` would give the team.
  for (const [name, source] of [
    ["meshbridge", repoRoot],
    ["@bufbuild/protobuf", join(repoRoot, "node_modules", "@bufbuild", "protobuf")],
    ["@types/node", join(repoRoot, "node_modules", "@types", "node")],
  ] as const) {
    mkdirSync(join(target, "node_modules", name, ".."), { recursive: true });
    symlinkSync(source, join(target, "node_modules", name));
  }
  await run(bin("buf"), ["lint", "proto"], { cwd: target });
  await run(bin("tsc"), ["-p", "."], { cwd: target });
  const golden = await run(bin("node"), ["--test", "--test-reporter=spec", "golden.test.ts"], {
    cwd: target,
    env: outsideTestEnv,
  });
  assert.match(golden.stdout, /ℹ pass [1-9]/);
  assert.match(golden.stdout, /ℹ fail 0/);
  // A mapper change the golden files do not expect fails the golden test.
  const mapper = join(target, "map-ticket-created.ts");
  writeFileSync(mapper, readFileSync(mapper, "utf8").replace("subject: ticketId,", 'subject: "changed",'));
  await assert.rejects(
    run(bin("node"), ["--test", "--test-reporter=spec", "golden.test.ts"], { cwd: target, env: outsideTestEnv }),
    (error: { stdout?: string }) =>
      /ℹ fail [1-9]/.test(error.stdout ?? "") && /golden: ticket_created\.v1\.basic/.test(error.stdout ?? ""),
  );
});

test("catalog init refuses a directory that is not empty, and a missing directory argument", async () => {
  const target = mkdtempSync(join(tmpdir(), "mb-init-"));
  writeFileSync(join(target, "keep.txt"), "mine");
  const refused = await cli("catalog", "init", target);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /catalog init: .* is not empty; give a new or empty directory/);
  assert.deepEqual(readdirSync(target), ["keep.txt"]);
  const missing = await cli("catalog", "init");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /catalog init: give (DIR|exactly one directory)/);
});
