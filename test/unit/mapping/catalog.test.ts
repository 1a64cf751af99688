import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { catalogTopic, catalogTopics } from "../../../catalog/index.ts";

test("the catalog has at least 6 topics with unique names, subjects and CloudEvents types", () => {
  assert.ok(catalogTopics.length >= 6);
  for (const field of ["topic", "subject", "ceType", "protoPath"] as const) {
    assert.equal(new Set(catalogTopics.map((t) => t[field])).size, catalogTopics.length, `${field} unique`);
  }
});

for (const t of catalogTopics) {
  test(`topic ${t.topic}`, () => {
    assert.match(t.topic, /^catalog\.[a-z]+\.[a-z-]+\.v\d+$/);
    assert.equal(t.subject, `${t.topic}-value`);
    assert.match(t.ceType, /^com\.meshbridge\.[a-z]+\.[a-z-]+\.v\d+$/);
    assert.equal(catalogTopic(t.topic), t);
    // The registry constraints: self-contained file, the event is its first top-level message.
    assert.ok(isAbsolute(t.protoPath));
    const text = readFileSync(t.protoPath, "utf8");
    assert.doesNotMatch(text, /^\s*import\s/m, "no imports");
    assert.equal(t.schema.file.messages[0], t.schema, "first top-level message (message-index [0])");
    assert.equal(t.schema.file.dependencies.length, 0);
    assert.ok(text.includes(`message ${t.schema.name} {`));
    assert.ok(t.protoPath.endsWith(`${t.schema.file.name}.proto`), "protoPath is the generated file's source");
    // The generated code runs and round-trips.
    const message = create(t.schema, { tenantId: "acme" });
    const decoded = fromBinary(t.schema, toBinary(t.schema, message)) as unknown as { tenantId: string };
    assert.equal(decoded.tenantId, "acme");
  });
}

test("catalogTopic returns undefined for unknown topics", () => {
  assert.equal(catalogTopic("catalog.nope.v1"), undefined);
});
