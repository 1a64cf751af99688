// Golden mapping cases: test/golden/mapping/<case>.input.json holds { tenant, payload } (the
// decrypted legacy JSON); <case>.expected.json holds what the bridge must produce from it — the
// catalog events (topic, key, CloudEvents attributes, ce_id, message as protobuf JSON) or the
// permanent error. `UPDATE_GOLDEN=1 node --test test/unit/mapping/golden.test.ts` rewrites the
// expected files; review every diff by hand before committing.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { toBinary, toJson } from "@bufbuild/protobuf";
import { catalogTopic, createCatalogRegistry } from "../../../catalog/index.ts";
import { cloudEventId } from "../../../src/mapping/identity.ts";
import { parseLegacyEvent } from "../../../src/mapping/parse.ts";
import { isPermanent } from "../../../src/pipeline/errors.ts";

const dir = join(import.meta.dirname, "../../golden/mapping");
const update = process.env.UPDATE_GOLDEN === "1";
const cases = readdirSync(dir)
  .filter((f) => f.endsWith(".input.json"))
  .map((f) => f.slice(0, -".input.json".length))
  .sort();

/** Mappers must be pure: a frozen input makes any write to it throw (ES modules are strict). */
function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

function run(tenant: string, payload: unknown): unknown {
  const registry = createCatalogRegistry("dead-letter");
  try {
    const event = parseLegacyEvent(Buffer.from(JSON.stringify(payload)), tenant);
    deepFreeze(event.body);
    const events = registry.map(event, { tenant });
    assert.deepEqual(registry.map(event, { tenant }), events, "mapping is deterministic");
    return {
      events: events.map((e, index) => {
        // Every event must be encodable and belong to the catalog topic it names.
        assert.equal(catalogTopic(e.topic)?.schema, e.schema, `${e.topic} is a catalog topic with this schema`);
        assert.equal(catalogTopic(e.topic)?.ceType, e.type);
        toBinary(e.schema, e.message);
        return {
          ceId: cloudEventId(tenant, event.id, index),
          topic: e.topic,
          key: e.key,
          type: e.type,
          time: e.time,
          subject: e.subject,
          message: toJson(e.schema, e.message, { alwaysEmitImplicit: true }),
        };
      }),
    };
  } catch (error) {
    if (!isPermanent(error)) throw error;
    return { error: { stage: error.stage, errorClass: error.errorClass, tenant: error.tenant, message: error.message } };
  }
}

test("there are golden cases", () => {
  assert.ok(cases.length >= 20, `found ${cases.length} cases`);
});

for (const name of cases) {
  test(`golden: ${name}`, () => {
    const input = JSON.parse(readFileSync(join(dir, `${name}.input.json`), "utf8")) as { tenant: string; payload: unknown };
    const actual = run(input.tenant, input.payload);
    const expectedPath = join(dir, `${name}.expected.json`);
    if (update) writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
    const expected: unknown = JSON.parse(readFileSync(expectedPath, "utf8"));
    assert.deepEqual(actual, expected);
  });
}
