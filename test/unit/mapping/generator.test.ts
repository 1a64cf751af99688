import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { createCatalogRegistry } from "../../../catalog/index.ts";
import { generateLegacyEvent } from "../../../catalog/legacy/generate.ts";
import { legacyEventKinds } from "../../../catalog/legacy/types.ts";
import { parseLegacyEvent } from "../../../src/mapping/parse.ts";

const tenants = ["acme", "globex", "initech"];

describe("generateLegacyEvent", () => {
  test("is deterministic in (seed, tenant, sequence), independent of call order", () => {
    const a = JSON.stringify(generateLegacyEvent(7, "acme", 42));
    generateLegacyEvent(7, "acme", 41);
    generateLegacyEvent(8, "globex", 42);
    assert.equal(JSON.stringify(generateLegacyEvent(7, "acme", 42)), a);
    assert.notEqual(JSON.stringify(generateLegacyEvent(8, "acme", 42)), a);
    assert.notEqual(JSON.stringify(generateLegacyEvent(7, "globex", 42)), a);
  });

  test("1000 events cover every type@version, have unique ids, and all map without error", () => {
    const registry = createCatalogRegistry("dead-letter");
    const kinds = new Map<string, number>();
    const ids = new Set<string>();
    const outputs = new Map<string, Set<number>>();
    for (let sequence = 0; sequence < 1000; sequence++) {
      const tenant = tenants[sequence % tenants.length]!;
      const payload = generateLegacyEvent(1, tenant, sequence);
      const kind = `${payload.event_type}@${payload.event_version}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      ids.add(payload.event_id);
      const event = parseLegacyEvent(Buffer.from(JSON.stringify(payload)), tenant);
      const events = registry.map(event, { tenant });
      for (const e of events) {
        assert.ok(toBinary(e.schema, e.message).length > 0);
        assert.ok(e.key.startsWith(`${tenant}/`));
      }
      if (!outputs.has(kind)) outputs.set(kind, new Set());
      outputs.get(kind)!.add(events.length);
    }
    assert.equal(ids.size, 1000, "event ids are unique");
    for (const k of legacyEventKinds)
      assert.ok((kinds.get(`${k.type}@${k.version}`) ?? 0) > 0, `${k.type}@${k.version} generated`);
    // The mix exercises 0, 1 and 2+ outputs.
    assert.ok(outputs.get("order_created@2")!.has(2));
    assert.ok(outputs.get("stock_movement@1")!.has(3));
    assert.ok(outputs.get("shipment_update@1")!.has(0));
    assert.equal(registry.skippedUnknown, 0);
  });

  test("ids are unique across tenants and seeds for the same sequence", () => {
    const ids = new Set([
      generateLegacyEvent(1, "acme", 5).event_id,
      generateLegacyEvent(1, "globex", 5).event_id,
      generateLegacyEvent(2, "acme", 5).event_id,
    ]);
    assert.equal(ids.size, 3);
  });

  test("targetBytes pads to exactly the target, and trims baggage to approach it", () => {
    for (const target of [1024, 4096]) {
      const sizes: number[] = [];
      for (let sequence = 0; sequence < 300; sequence++) {
        const payload = generateLegacyEvent(3, "acme", sequence, { targetBytes: target });
        sizes.push(Buffer.byteLength(JSON.stringify(payload)));
        // Padding never breaks mapping.
        createCatalogRegistry("dead-letter").map(parseLegacyEvent(Buffer.from(JSON.stringify(payload)), "acme"), {
          tenant: "acme",
        });
      }
      const exact = sizes.filter((s) => s === target).length;
      assert.ok(
        sizes.every((s) => s >= target),
        "never smaller than the target",
      );
      if (target === 4096) assert.equal(exact, sizes.length);
      else assert.ok(exact / sizes.length > 0.7, `${exact}/${sizes.length} exactly ${target} bytes`);
    }
  });

  test("natural size is a realistic ~1 KB on average", () => {
    let total = 0;
    for (let sequence = 0; sequence < 500; sequence++)
      total += Buffer.byteLength(JSON.stringify(generateLegacyEvent(9, "acme", sequence)));
    const mean = total / 500;
    assert.ok(mean > 600 && mean < 1500, `mean ${mean}`);
  });
});
