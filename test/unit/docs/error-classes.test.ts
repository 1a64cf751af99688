// The README's table of error classes is generated from the registry: a class added, renamed or
// re-described without regenerating the table fails here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../../../infra/stack/ports.ts";
import { errorClasses } from "../../../src/pipeline/error-classes.ts";
import { ERROR_CLASSES_SECTION, renderErrorClasses } from "../../../tools/docs/error-classes.ts";

/** The text between a generated section's markers, without the blank lines around it. */
function generatedSection(markdown: string, name: string): string {
  const begin = `<!-- BEGIN GENERATED: ${name} -->`;
  const end = `<!-- END GENERATED: ${name} -->`;
  const start = markdown.indexOf(begin);
  const stop = markdown.indexOf(end);
  assert.ok(start >= 0 && stop > start, `README.md has no section between "${begin}" and "${end}"`);
  return markdown.slice(start + begin.length, stop).trim();
}

describe("error classes in the docs", () => {
  it("README.md's table is renderErrorClasses()'s output", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    assert.equal(
      generatedSection(readme, ERROR_CLASSES_SECTION),
      renderErrorClasses(),
      "README.md's error-classes section is stale: run npm run docs",
    );
  });

  it("the table has one row per class, with its stage and kind", () => {
    const rows = renderErrorClasses().split("\n").slice(2);
    assert.equal(rows.length, Object.keys(errorClasses).length);
    const unexpected = rows.find((row) => row.startsWith("| `UnexpectedError`"));
    assert.match(unexpected ?? "", /\| envelope, decrypt, parse, map, encode +\| permanent +\|/);
    assert.match(rows.find((row) => row.startsWith("| `KafkaUnavailable`")) ?? "", /\| produce +\| transient +\|/);
  });
});
