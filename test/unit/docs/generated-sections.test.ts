// The committed docs hold what their sources generate (npm run docs rewrites them).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repoRoot } from "../../../infra/stack/ports.ts";
import { currentContent, replaceContent } from "../../../tools/docs/generated-section.ts";
import { generatedSections } from "../../../tools/docs/sections.ts";

for (const section of generatedSections) {
  test(`${section.file}: the generated section "${section.name}" is up to date (else: npm run docs)`, () => {
    const text = readFileSync(join(repoRoot, section.file), "utf8");
    assert.equal(currentContent(text, section.file, section.name), section.render());
  });
}

test("a section is replaced between its markers only, and missing markers are named", () => {
  const text = "before\n<!-- BEGIN GENERATED: x -->\nold\n<!-- END GENERATED: x -->\nafter\n";
  const replaced = replaceContent(text, "f.md", "x", "new\ntable");
  assert.equal(replaced, "before\n<!-- BEGIN GENERATED: x -->\nnew\ntable\n<!-- END GENERATED: x -->\nafter\n");
  assert.equal(currentContent(replaced, "f.md", "x"), "new\ntable");
  assert.throws(() => currentContent(text, "f.md", "y"), /f\.md: expected the markers "<!-- BEGIN GENERATED: y -->"/);
});

test("the configuration table lists every key of the schema with its type, default and range", () => {
  const table = generatedSections.find((section) => section.name === "config")!.render();
  for (const row of [
    /\| `kafka\.sasl\.mechanism` +\| `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` +\| `"PLAIN"` +\|/,
    /\| `kafka\.sasl\.password` +\| secret: a string, \{"env": "NAME"\} or \{"file": "\/path"\} +\| required +\|/,
    /\| `sources\.sqs\[\]\.visibilityTimeoutSeconds` +\| an integer from 1 to 43,200 +\| 30 +\|/,
    /\| `sources\.pubsub\.discovery\[\]\.label` +\| key or key=value +\| — +\|/,
    /\| `sources\.pubsub\.leaseSeconds` +\| an integer from 10 to 600 +\| 60 +\|/,
    /\| `shutdownGraceSeconds` +\| an integer from 1 to 3600 +\| 25 +\|/,
  ]) {
    assert.match(table, row);
  }
});

test("the README's YAML example is a valid configuration", async () => {
  const { parse } = await import("yaml");
  const { ConfigError, parseConfig } = await import("../../../src/cli/config.ts");
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const example = /### Configuration[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, "README.md has a YAML example under Configuration");
  const env = { MB_KAFKA_API_SECRET: "secret", MB_TENANT_KEYS: "{}" };
  // Everything holds but the mounted registry password, which exists only in a pod.
  assert.throws(
    () => parseConfig(parse(example), env),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.issues.length === 1 &&
      error.issues[0]!.path === "registry.password" &&
      /registry-password holding the secret, got ENOENT/.test(error.issues[0]!.message),
  );
});
