// Loading a catalog module from configuration: by path (relative to a base directory) or package
// name, its shape checked with every problem named, relative protoPaths made absolute against the
// module's own directory, and `meshbridge/catalog` + `@bufbuild/protobuf` resolved from the bridge
// for a catalog that has no node_modules of its own (mounted into the image).
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import demoCatalog, { catalogTopics } from "../../../catalog/index.ts";
import { repoRoot } from "../../../infra/stack/ports.ts";
import { ConfigError } from "../../../src/cli/config.ts";
import { checkCatalogModule, loadCatalogModule } from "../../../src/cli/load-catalog.ts";
import { createMapperRegistry } from "../../../src/mapping/catalog-module.ts";
import { parseLegacyEvent } from "../../../src/mapping/parse.ts";

const example = join(repoRoot, "examples", "minimal-catalog");

async function refused(load: Promise<unknown>, ...words: RegExp[]): Promise<string> {
  const error = await load.then(
    () => assert.fail("the module was accepted"),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof ConfigError, String(error));
  for (const pattern of words) assert.match(error.message, pattern);
  return error.message;
}

test("the demo catalog loads by a path relative to the base directory, as the same module the tests import", async () => {
  const loaded = await loadCatalogModule("./catalog/index.ts", repoRoot);
  assert.equal(loaded.name, "meshbridge-demo");
  assert.deepEqual(
    loaded.topics.map((topic) => topic.topic),
    catalogTopics.map((topic) => topic.topic),
  );
  assert.equal(loaded.topics[0]?.schema, demoCatalog.topics[0]?.schema, "one module instance, one descriptor");
  assert.equal(loaded.mappers.length, 9);
  assert.ok(Object.isFrozen(loaded.topics));
});

test("a catalog copied anywhere, without node_modules, loads: relative protoPaths against its own directory", async () => {
  const mounted = join(mkdtempSync(join(tmpdir(), "mb-catalog-")), "mounted");
  cpSync(example, mounted, { recursive: true });
  assert.ok(!existsSync(join(mounted, "node_modules")));
  const loaded = await loadCatalogModule(join(mounted, "index.ts"), "/nonexistent-cwd");
  assert.equal(loaded.name, "minimal-catalog");
  assert.equal(loaded.topics[0]?.protoPath, join(mounted, "proto", "acme", "support", "v1", "ticket_opened.proto"));
  const registry = createMapperRegistry(loaded, "dead-letter");
  const payload = {
    event_type: "ticket_created",
    event_version: 1,
    event_id: "e-1",
    ticket: { id: "T-1", title: "Help", opened_ms: 1767225600000 },
  };
  const [event] = registry.map(parseLegacyEvent(Buffer.from(JSON.stringify(payload)), "t1"), { tenant: "t1" });
  assert.equal(event?.topic, "acme.support.ticket-opened.v1");
  assert.equal(event?.key, "t1/T-1");
  // A LegacyDataError thrown by the copied catalog is the bridge's class: its message is kept.
  const bad = Buffer.from(JSON.stringify({ ...payload, prio: 9 }));
  assert.throws(() => registry.map(parseLegacyEvent(bad, "t1"), { tenant: "t1" }), /LegacyDataError: prio must be from 0 to 5/);
});

test("a missing file, a missing package and a module that throws are refused by name", async () => {
  await refused(
    loadCatalogModule("./absent/index.ts", "/tmp"),
    /catalog module \.\/absent\/index\.ts \(\/tmp\/absent\/index\.ts\): no such file/,
  );
  await refused(loadCatalogModule("@acme/no-such-catalog"), /catalog module @acme\/no-such-catalog: no such package installed/);
  const directory = mkdtempSync(join(tmpdir(), "mb-catalog-"));
  writeFileSync(join(directory, "broken.ts"), 'throw new Error("catalog start-up failed");\n');
  await refused(loadCatalogModule(join(directory, "broken.ts")), /broken\.ts: import failed: catalog start-up failed/);
});

test("an export of the wrong shape is refused, naming every problem and the module", async () => {
  const directory = mkdtempSync(join(tmpdir(), "mb-catalog-"));
  writeFileSync(join(directory, "empty.ts"), "export const unrelated = 1;\n");
  await refused(
    loadCatalogModule(join(directory, "empty.ts")),
    /empty\.ts.*expected a default export \(or an export named `catalog`\)/,
  );
  const topic = demoCatalog.topics[0]!;
  const message = await refused(
    Promise.resolve().then(() =>
      checkCatalogModule(
        {
          topics: [{ ...topic, schema: {} }, { ...topic, protoPath: "proto/absent.proto" }, topic, topic],
          mappers: [
            { type: "a", version: 0, mapper: () => [] },
            { type: "b", version: 1 },
            { type: "c", version: 1, mapper: () => [] },
            { type: "c", version: 1, mapper: () => [] },
          ],
          parse: "json",
        },
        "my-catalog",
        directory,
      ),
    ),
    /^catalog module my-catalog is not usable \(9 problems\):\n/,
  );
  for (const expected of [
    "\n  name: expected a non-empty string",
    "topics[0].schema: expected a generated message descriptor",
    `topics[1].protoPath: ${join(directory, "proto", "absent.proto")} does not exist`,
    `topics[2]: topic ${topic.topic} is listed twice`,
    `topics[3]: topic ${topic.topic} is listed twice`,
    "mappers[0].version: expected a positive integer",
    "mappers[1].mapper: expected a function",
    "mappers[3]: a second mapper for c@1",
    "parse: expected a function",
  ]) {
    assert.ok(message.includes(expected), `${expected}\n${message}`);
  }
});

test("an export named `catalog` is accepted too, and an empty topic list is not", async () => {
  const directory = mkdtempSync(join(tmpdir(), "mb-catalog-"));
  mkdirSync(join(directory, "proto"));
  writeFileSync(join(directory, "proto", "x.proto"), 'syntax = "proto3";\n');
  const source = (topics: string) =>
    `import demo from ${JSON.stringify(join(repoRoot, "catalog", "index.ts"))};\n` +
    `export const catalog = { name: "named", mappers: [], topics: ${topics} };\n`;
  writeFileSync(join(directory, "named.ts"), source('[{ ...demo.topics[0], protoPath: "proto/x.proto" }]'));
  const loaded = await loadCatalogModule("./named.ts", directory);
  assert.equal(loaded.topics[0]?.protoPath, join(directory, "proto", "x.proto"));
  writeFileSync(join(directory, "none.ts"), source("[]"));
  await refused(loadCatalogModule("./none.ts", directory), /topics: expected a non-empty array/);
});
