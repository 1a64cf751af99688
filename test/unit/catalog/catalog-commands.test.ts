// Every command that needs a catalog takes it the same way: --catalog MODULE, else MB_CATALOG;
// without either it refuses with exit code 2. Shown with dry-run (no server needed) on the
// example catalog, and with the topic specs `topics create` builds from a catalog's topics.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "../../../infra/stack/ports.ts";
import { bridgeTopicSpecs } from "../../../src/cli/commands/topics.ts";
import { loadCatalogModule } from "../../../src/cli/load-catalog.ts";

const run = promisify(execFile);
const exampleModule = join(repoRoot, "examples", "minimal-catalog", "index.ts");
const directory = mkdtempSync(join(tmpdir(), "mb-catalog-cli-"));
const eventFile = join(directory, "ticket.json");
writeFileSync(
  eventFile,
  JSON.stringify({
    event_type: "ticket_created",
    event_version: 1,
    event_id: "e-1",
    ticket: { id: "T-9", title: "Printer on fire", opened_ms: 1767225600000 },
  }),
);

async function meshbridge(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const { MB_CATALOG: _ignored, ...base } = process.env;
  try {
    const { stdout, stderr } = await run(
      join(repoRoot, "node_modules", ".bin", "node"),
      [join(repoRoot, "src", "cli", "main.ts"), ...args],
      {
        cwd: repoRoot,
        env: { ...base, ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return failed;
  }
}

test("dry-run maps with the catalog given by --catalog, or by MB_CATALOG", async () => {
  for (const [args, env] of [
    [["dry-run", "--catalog", "./examples/minimal-catalog/index.ts", eventFile], {}],
    [["dry-run", eventFile], { MB_CATALOG: "examples/minimal-catalog/index.ts" }],
  ] as const) {
    const result = await meshbridge([...args], env);
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as { legacy: string; events: { topic: string; message: { subject: string } }[] };
    assert.equal(printed.legacy, "ticket_created@1");
    assert.equal(printed.events[0]?.topic, "acme.support.ticket-opened.v1");
    assert.equal(printed.events[0]?.message.subject, "Printer on fire");
  }
});

test("a command that needs a catalog refuses to run without one (exit 2), naming how to give it", async () => {
  for (const [name, args] of [
    ["dry-run", ["dry-run", eventFile]],
    ["schemas register", ["schemas", "register"]],
    ["topics create", ["topics", "create"]],
  ] as const) {
    const result = await meshbridge([...args], {});
    assert.equal(result.code, 2, `${name}: ${result.stderr}`);
    assert.ok(result.stderr.includes(`${name}: --catalog MODULE (or MB_CATALOG) is required`), result.stderr);
  }
  const missing = await meshbridge(["dry-run", "--catalog", "./no/such/catalog.ts", eventFile], {});
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /catalog module \.\/no\/such\/catalog\.ts .*: no such file/);
});

test("run refuses a catalog module that does not load (exit 2) before it connects anywhere", async () => {
  const config = join(directory, "bridge.json");
  writeFileSync(
    config,
    JSON.stringify({
      catalog: { module: "./absent-catalog/index.ts" },
      kafka: { bootstrapBrokers: ["127.0.0.1:1"] },
      registry: { url: "http://127.0.0.1:1" },
      keys: { file: join(directory, "absent-keys.json") },
      sources: { sqs: [{ queueUrl: "http://127.0.0.1:1/123/q" }] },
      http: { port: 0, host: "127.0.0.1" },
    }),
  );
  const env = { MB_KAFKA_BOOTSTRAP: "", MB_REGISTRY_URL: "", MB_AWS_ENDPOINT: "" };
  const result = await meshbridge(["run", "--config", config], env);
  assert.equal(result.code, 2, result.stderr);
  assert.ok(
    result.stderr.includes(`catalog module ${join(directory, "absent-catalog", "index.ts")}: no such file`),
    result.stderr,
  );
  // --catalog overrides the file's catalog.module (as MB_CATALOG does): the start then gets as far as the keys.
  const overridden = await meshbridge(["run", "--config", config, "--catalog", exampleModule], env);
  assert.equal(overridden.code, 1, overridden.stderr);
  assert.match(overridden.stderr, /"catalog loaded".*"catalog":"minimal-catalog"/);
});

test("topics create builds its specs from the catalog's topics, prefixed, plus the dead-letter topic", async () => {
  const catalog = await loadCatalogModule(exampleModule);
  assert.deepEqual(
    bridgeTopicSpecs(catalog.topics, "staging.dlq", 3, "staging.").map((spec) => spec.name),
    ["staging.acme.support.ticket-opened.v1", "staging.dlq"],
  );
});
