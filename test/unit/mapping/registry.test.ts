import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createCatalogRegistry } from "../../../catalog/index.ts";
import { legacyEventKinds } from "../../../catalog/legacy/types.ts";
import { LegacyDataError } from "../../../src/mapping/legacy-data-error.ts";
import type { CatalogEvent, LegacyEvent, Mapper } from "../../../src/mapping/mapper.ts";
import { MapperRegistry } from "../../../src/mapping/registry.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";

const SECRET = "4111111111111111";
const ctx = { tenant: "acme" };

function event(type: string, version: number): LegacyEvent {
  return { type, version, id: "e-1", body: { event_type: type, event_version: version, event_id: "e-1" } };
}

function caught(fn: () => unknown): PermanentError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PermanentError, `expected a PermanentError, got ${String(error)}`);
    return error;
  }
  assert.fail("expected a throw");
}

const fake = { topic: "t", key: "k" } as unknown as CatalogEvent;

describe("MapperRegistry", () => {
  test("dispatches by type and version", () => {
    const v1: Mapper = () => [fake];
    const v2: Mapper = () => [fake, fake];
    const registry = new MapperRegistry("dead-letter").register("a", 1, v1).register("a", 2, v2);
    assert.equal(registry.map(event("a", 1), ctx).length, 1);
    assert.equal(registry.map(event("a", 2), ctx).length, 2);
    assert.ok(registry.has("a", 2));
    assert.ok(!registry.has("a", 3));
    assert.deepEqual(registry.registered(), [
      { type: "a", version: 1 },
      { type: "a", version: 2 },
    ]);
  });

  test("passes the context through to the mapper", () => {
    let seen = "";
    const registry = new MapperRegistry("dead-letter").register("a", 1, (_e, c) => {
      seen = c.tenant;
      return [];
    });
    registry.map(event("a", 1), { tenant: "globex" });
    assert.equal(seen, "globex");
  });

  test("rejects a duplicate registration and a bad version", () => {
    const registry = new MapperRegistry("skip").register("a", 1, () => []);
    assert.throws(() => registry.register("a", 1, () => []), /already registered/);
    assert.throws(() => registry.register("b", 0, () => []), RangeError);
  });

  test("dead-letter policy: unknown type or version → UnknownEventType", () => {
    const registry = new MapperRegistry("dead-letter").register("a", 1, () => []).register("a", 3, () => []);
    const unknownType = caught(() => registry.map(event("zzz", 1), ctx));
    assert.equal(unknownType.stage, "map");
    assert.equal(unknownType.errorClass, "UnknownEventType");
    assert.equal(unknownType.tenant, "acme");
    assert.match(unknownType.message, /zzz@1 \(unknown type\)/);
    const unknownVersion = caught(() => registry.map(event("a", 2), ctx));
    assert.match(unknownVersion.message, /a@2 \(known versions: 1, 3\)/);
    assert.equal(registry.skippedUnknown, 0);
  });

  test("unknown type names are flattened to one line", () => {
    const registry = new MapperRegistry("dead-letter");
    const error = caught(() => registry.map(event("x\r\ny", 1), ctx));
    assert.ok(!/[\r\n]/.test(error.message));
  });

  test("skip policy: unknown → no events, counted", () => {
    const registry = new MapperRegistry("skip").register("a", 1, () => [fake]);
    assert.deepEqual(registry.map(event("b", 1), ctx), []);
    assert.deepEqual(registry.map(event("a", 9), ctx), []);
    assert.equal(registry.skippedUnknown, 2);
    assert.equal(registry.map(event("a", 1), ctx).length, 1);
    assert.equal(registry.skippedUnknown, 2);
  });

  test("a LegacyDataError from a mapper → MapperFailed with its message", () => {
    const registry = new MapperRegistry("dead-letter").register("a", 1, () => {
      throw new LegacyDataError("order.total must be a decimal amount");
    });
    const error = caught(() => registry.map(event("a", 1), ctx));
    assert.equal(error.stage, "map");
    assert.equal(error.errorClass, "MapperFailed");
    assert.equal(error.tenant, "acme");
    assert.equal(error.message, "mapper a@1 failed: LegacyDataError: order.total must be a decimal amount");
  });

  test("any other error → MapperFailed naming only its class (its message may quote data)", () => {
    const registry = new MapperRegistry("dead-letter")
      .register("a", 1, () => {
        BigInt(`${SECRET},50`);
        return [];
      })
      .register("a", 2, () => {
        throw new TypeError(`bad ${SECRET}`);
      })
      .register("a", 3, () => {
        throw SECRET;
      });
    const syntax = caught(() => registry.map(event("a", 1), ctx));
    assert.match(syntax.message, /^mapper a@1 failed: SyntaxError \(message withheld/);
    const type = caught(() => registry.map(event("a", 2), ctx));
    assert.match(type.message, /^mapper a@2 failed: TypeError/);
    const thrown = caught(() => registry.map(event("a", 3), ctx));
    assert.match(thrown.message, /non-Error value of type string/);
    for (const e of [syntax, type, thrown]) {
      assert.ok(!e.message.includes(SECRET));
      assert.equal(e.cause, undefined);
    }
  });

  test("long LegacyDataError messages are truncated and flattened", () => {
    const registry = new MapperRegistry("dead-letter").register("a", 1, () => {
      throw new LegacyDataError(`line1\nline2 ${"x".repeat(1000)}`);
    });
    const error = caught(() => registry.map(event("a", 1), ctx));
    assert.ok(error.message.length < 400, `length ${error.message.length}`);
    assert.ok(!error.message.includes("\n"));
  });

  test("a PermanentError from a mapper passes through unchanged", () => {
    const own = new PermanentError("MalformedLegacyEvent", "custom");
    const registry = new MapperRegistry("dead-letter").register("a", 1, () => {
      throw own;
    });
    assert.equal(
      caught(() => registry.map(event("a", 1), ctx)),
      own,
    );
  });
});

describe("createCatalogRegistry", () => {
  test("has a mapper for every legacy type@version and nothing else", () => {
    const registry = createCatalogRegistry("dead-letter");
    assert.deepEqual(
      registry.registered(),
      [...legacyEventKinds]
        .map((k) => ({ type: k.type, version: k.version }))
        .sort((a, b) => (a.type === b.type ? a.version - b.version : a.type < b.type ? -1 : 1)),
    );
    assert.equal(registry.unknownEventPolicy, "dead-letter");
    assert.equal(createCatalogRegistry("skip").unknownEventPolicy, "skip");
  });
});
