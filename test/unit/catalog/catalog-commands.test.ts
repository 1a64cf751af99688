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

test("a catalog's own legacy parser replaces the default one", async () => {
  // A legacy system that wrote {"kind", "rev", "uid", ...} instead of event_type/_version/_id.
  const module = join(directory, "own-parser.ts");
  writeFileSync(
    module,
    [
      `import example from ${JSON.stringify(exampleModule)};`,
      'import { LegacyDataError, defineCatalog } from "meshbridge/catalog";',
      "export default defineCatalog({",
      "  ...example,",
      '  name: "own-parser",',
      "  // Relative protoPaths are resolved against the loaded module's directory: this one's is elsewhere.",
      `  topics: example.topics.map((topic) => ({ ...topic, protoPath: ${JSON.stringify(join(repoRoot, "examples", "minimal-catalog"))} + "/" + topic.protoPath })),`,
      "  parse(plaintext, _tenant) {",
      "    const body = JSON.parse(Buffer.from(plaintext).toString());",
      '    if (typeof body.kind !== "string") throw new LegacyDataError("kind must be a string");',
      "    return { type: body.kind, version: body.rev, id: body.uid, body };",
      "  },",
      "});",
      "",
    ].join("\n"),
  );
  const ownFormat = join(directory, "own-format.json");
  writeFileSync(
    ownFormat,
    JSON.stringify({
      kind: "ticket_created",
      rev: 1,
      uid: "u-1",
      ticket: { id: "T-7", title: "Own format", opened_ms: 1767225600000 },
    }),
  );
  const parsed = await meshbridge(["dry-run", "--catalog", module, ownFormat], {});
  assert.equal(parsed.code, 0, parsed.stdout + parsed.stderr);
  assert.equal((JSON.parse(parsed.stdout) as { events: { key: string }[] }).events[0]?.key, "tenant-0001/T-7");
  // The default format is no longer understood by this catalog.
  const refused = await meshbridge(["dry-run", "--catalog", module, eventFile], {});
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /kind must be a string/);
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
  assert.match(overridden.stderr, /"catalog":"minimal-catalog"[^\n]*"msg":"catalog loaded"/);
});

test("topics create builds its specs from the catalog's topics, prefixed, plus the dead-letter topic", async () => {
  const catalog = await loadCatalogModule(exampleModule);
  assert.deepEqual(
    bridgeTopicSpecs(catalog.topics, "staging.dlq", 3, "staging.").map((spec) => spec.name),
    ["staging.acme.support.ticket-opened.v1", "staging.dlq"],
  );
});
