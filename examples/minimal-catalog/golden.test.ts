// Golden mapping cases pin the mappers: golden/<case>.input.json holds {tenant, payload} (the
// decrypted legacy JSON), <case>.expected.json what the bridge must produce from it — the catalog
// events (topic, key, CloudEvents attributes, ce_id, message as Protobuf JSON) or the permanent
// error. `UPDATE_GOLDEN=1 node --test golden.test.ts` rewrites the expected files; review every
// diff before committing.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { toBinary, toJson } from "@bufbuild/protobuf";
import { cloudEventId, createMapperRegistry, isPermanent, parseLegacyEvent } from "meshbridge/catalog";
import catalog from "./index.ts";

const dir = join(import.meta.dirname, "golden");
const update = process.env.UPDATE_GOLDEN === "1";
const cases = readdirSync(dir)
  .filter((name) => name.endsWith(".input.json"))
  .map((name) => name.slice(0, -".input.json".length))
  .sort();
const topics = new Map(catalog.topics.map((topic) => [topic.topic, topic]));

function run(tenant: string, payload: unknown): unknown {
  const registry = createMapperRegistry(catalog, "dead-letter");
  const parse = catalog.parse ?? parseLegacyEvent;
  try {
    const event = parse(Buffer.from(JSON.stringify(payload)), tenant);
    const events = registry.map(event, { tenant });
    return {
      events: events.map((output, index) => {
        // Every event must belong to one of the catalog's topics, with its schema, and encode.
        assert.equal(topics.get(output.topic)?.schema, output.schema, `${output.topic} is a topic of the catalog`);
        assert.equal(topics.get(output.topic)?.ceType, output.type);
        toBinary(output.schema, output.message);
        return {
          ceId: cloudEventId(tenant, event.id, index),
          topic: output.topic,
          key: output.key,
          type: output.type,
          time: output.time,
          subject: output.subject,
          message: toJson(output.schema, output.message, { alwaysEmitImplicit: true }),
        };
      }),
    };
  } catch (error) {
    if (!isPermanent(error)) throw error;
    return { error: { stage: error.stage, errorClass: error.errorClass, message: error.message } };
  }
}

test("there are golden cases for every mapper", () => {
  const covered = new Set(cases.map((name) => name.split(".").slice(0, 2).join(".")));
  for (const { type, version } of catalog.mappers) assert.ok(covered.has(`${type}.v${version}`), `${type}@${version}`);
});

for (const name of cases) {
  test(`golden: ${name}`, () => {
    const input = JSON.parse(readFileSync(join(dir, `${name}.input.json`), "utf8")) as { tenant: string; payload: unknown };
    const actual = run(input.tenant, input.payload);
    const expectedPath = join(dir, `${name}.expected.json`);
    if (update) writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
    assert.deepEqual(actual, JSON.parse(readFileSync(expectedPath, "utf8")));
  });
}
