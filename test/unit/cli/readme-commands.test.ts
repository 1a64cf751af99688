// Commands the README shows that need no server, run exactly as written: the mapper author's
// dry-run (which once failed on the golden input's {tenant, payload} wrapper) and every
// `npx meshbridge help`, `--version` and `... --help` it mentions.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { repoRoot } from "../../../infra/stack/ports.ts";
import { readme, testedBlocks } from "../../support/readme.ts";

const sh = (line: string) => spawnSync("bash", ["-c", line], { cwd: repoRoot, encoding: "utf8" });

describe("README commands without servers", () => {
  const [block] = testedBlocks("test/unit/cli/readme-commands.test.ts");

  it("the 'Writing mappers' dry-run prints catalog events", () => {
    assert.ok(block !== undefined && block.length === 1, "the README marks one dry-run block for this test");
    const result = sh(block[0]!);
    assert.equal(result.status, 0, `${block[0]}\n${result.stdout}${result.stderr}`);
    const printed = JSON.parse(result.stdout) as { events?: { topic: string }[]; error?: string };
    assert.equal(printed.error, undefined);
    assert.ok((printed.events ?? []).length >= 1, result.stdout);
    assert.ok(printed.events!.some((event) => event.topic === "catalog.orders.order-placed.v1"));
  });

  const inline = [...readme().matchAll(/`(npx meshbridge (?:help|--version|[a-z-]+(?: [a-z]+)? --help))`/g)].map((m) => m[1]!);
  it("every inline help and version command works", () => {
    assert.ok(inline.includes("npx meshbridge help") && inline.includes("npx meshbridge --version"), inline.join(", "));
    for (const command of new Set(inline)) {
      const result = sh(command);
      assert.equal(result.status, 0, `${command}\n${result.stderr}`);
      assert.match(result.stdout, /^meshbridge /, command);
    }
  });
});
