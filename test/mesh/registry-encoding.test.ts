// Byte compatibility of meshbridge's own framing with Confluent's official Protobuf serde,
// against the real registry. Apicurio's ccompat API ignores `format=serialized` and always
// returns .proto text: the official serializer still works (it only needs the id), the
// official deserializer does not — unless the registry's answer is given to it in the
// serialized form Confluent's own registry returns, which the adapter below does.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { create, createMutableRegistry, equals, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import {
  ProtobufDeserializer,
  ProtobufSerializer,
  type SchemaInfo,
  SchemaRegistryClient,
  SerdeType,
} from "@confluentinc/schemaregistry";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import type { CatalogEvent } from "../../src/mapping/mapper.ts";
import { loadCatalogEncoder } from "../../src/schema/catalog-encoder.ts";
import { canonicalProto } from "../../src/schema/proto-canonical.ts";
import { registerSchemas } from "../../src/schema/register.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import { decodeFrame } from "../fixtures/schema/decode-frame.ts";
import { fixtureEntry, fixtureProtoPath } from "../fixtures/schema/entries.ts";
import {
  file_meshbridge_fixture_v1_order_placed as fixtureFile,
  LineItemSchema,
  OrderPlacedSchema,
  OrderStatus,
} from "../fixtures/schema/gen/meshbridge/fixture/v1/order_placed_pb.ts";

const registry = new RegistryClient({ url: meshEndpoints.registryUrl });
const fixtureText = readFileSync(fixtureProtoPath, "utf8");

function event(topic: string, n: number): CatalogEvent<typeof OrderPlacedSchema> {
  return {
    topic,
    schema: OrderPlacedSchema,
    message: create(OrderPlacedSchema, {
      orderId: `o-${n}`,
      customerId: "c-9",
      tenant: "acme",
      totalMinor: BigInt(n) * 1_000_000_007n,
      currency: "EUR",
      status: OrderStatus.PAID,
      items: [create(LineItemSchema, { sku: "SKU-ä", quantity: n, unitPriceMinor: -5n })],
      attributes: { channel: "web", n: String(n) },
      payment: n % 2 === 0 ? { case: "invoiceRef", value: `inv-${n}` } : { case: "cardToken", value: "tok" },
    }),
    key: `o-${n}`,
    type: "com.meshbridge.fixture.order.placed.v1",
    time: "2025-01-01T00:00:00Z",
  };
}

/**
 * Confluent's client, but answering schema-by-id in `format=serialized` (base64
 * FileDescriptorProto) as Confluent's registry does. It serves the generated descriptor only
 * after checking that the text Apicurio returned for that id is the fixture schema.
 */
class SerializedFormatClient extends SchemaRegistryClient {
  override async getBySubjectAndId(subject: string, id: number, format?: string): Promise<SchemaInfo> {
    const info = await super.getBySubjectAndId(subject, id, format);
    assert.equal(canonicalProto(info.schema), canonicalProto(fixtureText), "registry text for the id");
    const serialized = Buffer.from(toBinary(FileDescriptorProtoSchema, fixtureFile.proto)).toString("base64");
    return { ...info, schema: serialized };
  }
}

describe("registry encoding: own framing vs the official Confluent serde", async () => {
  const entry = fixtureEntry();
  const [registered] = await registerSchemas([entry], registry);
  const encoder = await loadCatalogEncoder([entry], registry);
  const samples = [1, 2, 300, 70_000].map((n) => event(entry.topic, n));

  it("encodes to frames that decode back to the input (independent reader + fromBinary)", () => {
    for (const sample of samples) {
      const decoded = decodeFrame(encoder.encode(sample), OrderPlacedSchema);
      assert.equal(decoded.schemaId, registered?.id);
      assert.ok(equals(OrderPlacedSchema, decoded.message, sample.message));
    }
  });

  it("writes exactly the bytes of ProtobufSerializer (useLatestVersion, autoRegisterSchemas: false)", async () => {
    const client = new SchemaRegistryClient({ baseURLs: [meshEndpoints.registryUrl], maxRetries: 0 });
    const serializer = new ProtobufSerializer(client, SerdeType.VALUE, {
      useLatestVersion: true,
      autoRegisterSchemas: false,
      registry: createMutableRegistry(fixtureFile),
    });
    for (const sample of samples) {
      const official = await serializer.serialize(entry.topic, sample.message);
      assert.deepEqual(encoder.encode(sample), official);
    }
  });

  it("is decoded by ProtobufDeserializer when the registry answers in serialized format", async () => {
    const client = new SerializedFormatClient({ baseURLs: [meshEndpoints.registryUrl], maxRetries: 0 });
    const deserializer = new ProtobufDeserializer(client, SerdeType.VALUE, {});
    for (const sample of samples) {
      const message = await deserializer.deserialize(entry.topic, encoder.encode(sample));
      assert.ok(equals(OrderPlacedSchema, message, sample.message));
    }
  });

  it("is NOT decodable by ProtobufDeserializer against Apicurio directly (format=serialized unsupported)", async () => {
    // If this starts passing, Apicurio learned format=serialized: update 0002-schema-registry-client.md.
    const client = new SchemaRegistryClient({ baseURLs: [meshEndpoints.registryUrl], maxRetries: 0 });
    const deserializer = new ProtobufDeserializer(client, SerdeType.VALUE, {});
    const sample = samples[0];
    assert.ok(sample !== undefined);
    await assert.rejects(deserializer.deserialize(entry.topic, encoder.encode(sample)));
    const raw = await client.getBySubjectAndId(entry.subject, registered?.id ?? 0, "serialized");
    assert.equal(raw.schema, fixtureText, "Apicurio returns the .proto text even for format=serialized");
  });
});
