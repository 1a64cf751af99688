// The consumer side of the wire format, for the demo consumer and DLQ tooling: reads the
// Confluent frame, resolves the schema id through the registry (cached), checks that the
// registered schema is the one the catalog descriptor was generated from, and decodes.
import { readFileSync } from "node:fs";
import { type DescMessage, fromBinary, type Message } from "@bufbuild/protobuf";
import type { SchemaCatalogEntry } from "../../src/schema/catalog-entry.ts";
import { canonicalProto } from "../../src/schema/proto-canonical.ts";
import type { RegistryClient } from "../../src/schema/registry-client.ts";
import { MAGIC_BYTE } from "../../src/schema/wire-format.ts";

export interface DecodedRecord {
  readonly schemaId: number;
  readonly schema: DescMessage;
  readonly message: Message;
}

export class CatalogRecordDecoder {
  readonly #registry: Pick<RegistryClient, "getById">;
  readonly #byTopic: Map<string, { entry: SchemaCatalogEntry; canonical: string }>;
  readonly #verifiedIds = new Map<number, string>();

  constructor(registry: Pick<RegistryClient, "getById">, entries: readonly SchemaCatalogEntry[]) {
    this.#registry = registry;
    this.#byTopic = new Map(
      entries.map((entry) => [entry.topic, { entry, canonical: canonicalProto(readFileSync(entry.protoPath, "utf8")) }]),
    );
  }

  async decode(topic: string, value: Uint8Array): Promise<DecodedRecord> {
    const known = this.#byTopic.get(topic);
    if (known === undefined) throw new Error(`topic ${topic} is not in the catalog`);
    if (value.length < 6 || value[0] !== MAGIC_BYTE) throw new Error(`record on ${topic} is not in the Confluent wire format`);
    const schemaId = Buffer.from(value.buffer, value.byteOffset, value.byteLength).readUInt32BE(1);
    if (this.#verifiedIds.get(schemaId) !== topic) {
      const registered = await this.#registry.getById(schemaId);
      if (registered === undefined) throw new Error(`schema id ${schemaId} (topic ${topic}) is not in the registry`);
      if (canonicalProto(registered.schema) !== known.canonical) {
        throw new Error(`schema id ${schemaId} is not the catalog schema of topic ${topic}`);
      }
      this.#verifiedIds.set(schemaId, topic);
    }
    // Catalog messages are the first of their file: the index path is the single byte 0.
    if (value[5] !== 0) throw new Error(`record on ${topic} names a message other than the first of its schema`);
    return { schemaId, schema: known.entry.schema, message: fromBinary(known.entry.schema, value.subarray(6)) };
  }
}
