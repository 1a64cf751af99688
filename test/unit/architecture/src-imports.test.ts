// src/ is the bridge: it imports nothing from the demo catalog, the benchmarks, the tests, the
// dev tooling or the examples, and no package that is only a devDependency — so a team's
// catalog is a plug-in (docs/catalogs.md) and the shipped bridge needs nothing else of this
// repository. Every import of every file is checked: static, `export … from`, and import("…").
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../../infra/stack/ports.ts";

const forbiddenFolders = ["catalog", "bench", "test", "tools", "infra", "examples"];

const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

/** Every module specifier a file's text names. */
export function specifiersOf(text: string): string[] {
  return [...text.matchAll(importPattern)].map((match) => match[1]!);
}

function tsFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? tsFiles(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const builtins = new Set(builtinModules);

/** The package a bare specifier names: "@scope/name" or "name". */
const packageOf = (specifier: string): string =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/** What is wrong with one import of `file` (a repository path), or undefined. */
function violation(file: string, specifier: string): string | undefined {
  if (specifier.startsWith(".")) {
    const target = relative(repoRoot, resolve(repoRoot, dirname(file), specifier))
      .split(sep)
      .join("/");
    const folder = target.split("/")[0]!;
    if (!forbiddenFolders.includes(folder)) return undefined;
    return `${file} -> ${target}`;
  }
  if (specifier.startsWith("node:") || builtins.has(specifier)) return undefined;
  const name = packageOf(specifier);
  return Object.hasOwn(manifest.dependencies, name) ? undefined : `${file} -> package ${name} (not a dependency)`;
}

test("the scanner finds every form of import", () => {
  const text = [
    'import { a } from "../../catalog/index.ts";',
    'import type { B } from "./b.ts";',
    'export { c } from "../c.ts";',
    'import "./side-effect.ts";',
    'const d = await import("kafkajs");',
    "const e = await import( './e.ts' );",
  ].join("\n");
  assert.deepEqual(specifiersOf(text), ["../../catalog/index.ts", "./b.ts", "../c.ts", "./side-effect.ts", "kafkajs", "./e.ts"]);
  assert.equal(violation("src/cli/x.ts", "../../catalog/index.ts"), "src/cli/x.ts -> catalog/index.ts");
  assert.equal(violation("src/cli/x.ts", "../../test/support/bridge.ts"), "src/cli/x.ts -> test/support/bridge.ts");
  assert.equal(violation("src/cli/x.ts", "kafkajs"), "src/cli/x.ts -> package kafkajs (not a dependency)");
  assert.equal(violation("src/cli/x.ts", "@bufbuild/protobuf/wire"), undefined);
  assert.equal(violation("src/cli/x.ts", "../mapping/parse.ts"), undefined);
});

test("src/ imports nothing from catalog/, bench/, test/, tools/, infra/, examples/ or devDependencies", () => {
  const found: string[] = [];
  for (const path of tsFiles(join(repoRoot, "src"))) {
    const file = relative(repoRoot, path).split(sep).join("/");
    for (const specifier of specifiersOf(readFileSync(path, "utf8"))) {
      const problem = violation(file, specifier);
      if (problem !== undefined) found.push(problem);
    }
  }
  assert.deepEqual(found, [], "catalogs are loaded through catalog.module (docs/catalogs.md), never imported");
});

test("the demo and example catalogs reach the bridge only through meshbridge/catalog", () => {
  // A catalog importing ../src/ directly loads only inside this repository, never beside an
  // installed bridge (test/mesh/production-install.test.ts loads the demo catalog that way).
  const found: string[] = [];
  for (const folder of ["catalog", "examples"]) {
    for (const path of tsFiles(join(repoRoot, folder))) {
      const file = relative(repoRoot, path).split(sep).join("/");
      for (const specifier of specifiersOf(readFileSync(path, "utf8"))) {
        if (!specifier.startsWith(".")) continue;
        const target = relative(repoRoot, resolve(repoRoot, dirname(file), specifier))
          .split(sep)
          .join("/");
        if (!target.startsWith(`${folder}/`)) found.push(`${file} -> ${target}`);
      }
    }
  }
  assert.deepEqual(found, []);
});
