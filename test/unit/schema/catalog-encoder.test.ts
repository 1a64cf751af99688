import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { create, equals } from "@bufbuild/protobuf";
import type { CatalogEvent } from "../../../src/mapping/mapper.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { createCatalogEncoder, loadCatalogEncoder, type RegistryReader } from "../../../src/schema/catalog-encoder.ts";
import {
  RegistryUnavailableError,
  SchemaCheckFailedError,
  SchemaDriftError,
  SubjectNotRegisteredError,
} from "../../../src/schema/errors.ts";
import type { SubjectVersion } from "../../../src/schema/registry-client.ts";
import { decodeFrame } from "../../fixtures/schema/decode-frame.ts";
import { fixtureEntry, fixtureProtoPath } from "../../fixtures/schema/entries.ts";
import {
  LineItemSchema,
  OrderPlacedSchema,
  OrderStatus,
} from "../../fixtures/schema/gen/meshbridge/fixture/v1/order_placed_pb.ts";

const fixtureText = readFileSync(fixtureProtoPath, "utf8");

function sampleEvent(topic: string): CatalogEvent<typeof OrderPlacedSchema> {
  return {
    topic,
    schema: OrderPlacedSchema,
    message: create(OrderPlacedSchema, {
      orderId: "o-1",
      customerId: "c-9",
      tenant: "acme",
      totalMinor: 123_456_789_012n,
      currency: "EUR",
      status: OrderStatus.PLACED,
      items: [create(LineItemSchema, { sku: "SKU-1", quantity: 3, unitPriceMinor: 999n })],
      attributes: { channel: "web" },
      payment: { case: "invoiceRef", value: "inv-1" },
    }),
    key: "o-1",
    type: "com.meshbridge.fixture.order.placed.v1",
    time: "2025-01-01T00:00:00Z",
  };
}

/** A registry that knows a fixed set of subjects (undefined schema = unreachable). */
function fakeRegistry(subjects: Record<string, Partial<SubjectVersion> | "down">): RegistryReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async getLatest(subject: string) {
      calls.push(subject);
      const found = subjects[subject];
      if (found === "down") throw new RegistryUnavailableError("schema registry unreachable: test");
      if (found === undefined) return undefined;
      return { subject, id: 1, version: 1, schema: fixtureText, schemaType: "PROTOBUF", references: [], ...found };
    },
  };
}

describe("createCatalogEncoder", () => {
  const encoder = createCatalogEncoder([
    { topic: "orders", subject: "orders-value", schemaId: 70_000, schema: OrderPlacedSchema },
  ]);

  it("frames toBinary bytes so an independent reader gets the message back", () => {
    const event = sampleEvent("orders");
    const bytes = encoder.encode(event);
    const decoded = decodeFrame(bytes, OrderPlacedSchema);
    assert.equal(decoded.schemaId, 70_000);
    assert.ok(equals(OrderPlacedSchema, decoded.message, event.message));
    assert.deepEqual([...bytes.subarray(0, 6)], [0, 0, 1, 0x11, 0x70, 0]);
  });

  it("tells the schema id of a topic", () => {
    assert.equal(encoder.schemaIdFor("orders"), 70_000);
    assert.throws(() => encoder.schemaIdFor("nope"), /no schema loaded for topic "nope"/);
  });

  it("fails permanently for an unknown topic or a message of another type", () => {
    assert.throws(
      () => encoder.encode(sampleEvent("elsewhere")),
      (e: unknown) => e instanceof PermanentError && e.stage === "encode" && e.errorClass === "UnknownTopic",
    );
    const wrong = { ...sampleEvent("orders"), schema: LineItemSchema, message: create(LineItemSchema) } as CatalogEvent;
    assert.throws(
      () => encoder.encode(wrong),
      (e: unknown) => e instanceof PermanentError && e.errorClass === "SchemaMismatch" && /LineItem/.test(e.message),
    );
  });

  it("reports an invalid value by field, never by value", () => {
    const event = sampleEvent("orders");
    event.message.totalMinor = 2n ** 70n;
    assert.throws(
      () => encoder.encode(event),
      (e: unknown) =>
        e instanceof PermanentError &&
        e.stage === "encode" &&
        e.errorClass === "EncodeFailed" &&
        e.message.includes("meshbridge.fixture.v1.OrderPlaced.total_minor: invalid int64 value") &&
        !e.message.includes(String(2n ** 70n)) &&
        e.cause === undefined,
    );
  });
});

describe("loadCatalogEncoder", () => {
  it("builds the encoder from the registered id when the registry has the catalog schema", async () => {
    const entry = fixtureEntry();
    const registry = fakeRegistry({ [entry.subject]: { id: 4242, version: 3 } });
    const encoder = await loadCatalogEncoder([entry], registry);
    assert.deepEqual(registry.calls, [entry.subject]);
    assert.equal(encoder.schemaIdFor(entry.topic), 4242);
    assert.equal(encoder.topics[0]?.version, 3);
    assert.equal(decodeFrame(encoder.encode(sampleEvent(entry.topic)), OrderPlacedSchema).schemaId, 4242);
  });

  it("accepts a registered text that differs only in comments and layout", async () => {
    const entry = fixtureEntry();
    const reformatted = fixtureText.replace(/\/\/[^\n]*\n/g, "").replace(/ {2}/g, "\t");
    const encoder = await loadCatalogEncoder([entry], fakeRegistry({ [entry.subject]: { schema: reformatted } }));
    assert.equal(encoder.schemaIdFor(entry.topic), 1);
  });

  it("refuses drift, naming subject, version, id and the differing lines", async () => {
    const entry = fixtureEntry();
    const registered = fixtureText.replace("string customer_id = 2;", "string customer_ref = 2;");
    await assert.rejects(
      loadCatalogEncoder([entry], fakeRegistry({ [entry.subject]: { schema: registered, id: 17, version: 5 } })),
      (e: unknown) => {
        assert.ok(e instanceof SchemaDriftError);
        assert.equal(e.subject, entry.subject);
        assert.equal(e.registeredId, 17);
        assert.equal(e.registeredVersion, 5);
        assert.deepEqual(e.difference, [
          "    string order_id = 1;",
          "-   string customer_ref = 2;",
          "+   string customer_id = 2;",
          "    string tenant = 3;",
        ]);
        assert.match(e.message, new RegExp(`subject "${entry.subject}": latest registered version 5 \\(id 17\\)`));
        return true;
      },
    );
  });

  it("refuses a registered schema of another type or with references", async () => {
    const entry = fixtureEntry();
    await assert.rejects(
      loadCatalogEncoder([entry], fakeRegistry({ [entry.subject]: { schemaType: "AVRO" } })),
      /schemaType AVRO/,
    );
    await assert.rejects(
      loadCatalogEncoder(
        [entry],
        fakeRegistry({ [entry.subject]: { references: [{ name: "x.proto", subject: "x", version: 1 }] } }),
      ),
      SchemaDriftError,
    );
  });

  it("names a missing subject and the command that registers it", async () => {
    const entry = fixtureEntry();
    await assert.rejects(
      loadCatalogEncoder([entry], fakeRegistry({}), { registerCommand: "npm run register" }),
      (e: unknown) =>
        e instanceof SubjectNotRegisteredError && e.message.includes(entry.subject) && e.message.includes("npm run register"),
    );
  });

  it("lets an unreachable registry win over other failures, so the caller retries", async () => {
    const [a, b] = [fixtureEntry(), fixtureEntry()];
    await assert.rejects(loadCatalogEncoder([a, b], fakeRegistry({ [a.subject]: "down" })), RegistryUnavailableError);
  });

  it("lists every failing subject at once", async () => {
    const [a, b, c] = [fixtureEntry(), fixtureEntry(), fixtureEntry()];
    const drifted = fixtureText.replace("string tenant = 3;", "string tenant_id = 3;");
    await assert.rejects(
      loadCatalogEncoder([a, b, c], fakeRegistry({ [b.subject]: { schema: drifted }, [c.subject]: {} })),
      (e: unknown) =>
        e instanceof SchemaCheckFailedError &&
        e.errors.length === 2 &&
        e.message.includes(a.subject) &&
        e.message.includes(b.subject) &&
        !e.message.includes(c.subject),
    );
  });

  it("refuses an entry whose descriptor is not the file's first message", async () => {
    const entry = { ...fixtureEntry(), schema: LineItemSchema };
    await assert.rejects(loadCatalogEncoder([entry], fakeRegistry({})), /not the first top-level message/);
  });
});
