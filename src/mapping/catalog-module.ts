// The one interface between the bridge and a catalog: a module outside src/ (the demo's in
// catalog/, a team's own anywhere) that exports its topics with their generated descriptors,
// its mappers by legacy type and version, and, where the default does not fit, its own parser
// of decrypted legacy payloads. The bridge loads it from configuration (src/cli/load-catalog.ts).
import type { DescMessage } from "@bufbuild/protobuf";
import type { LegacyEvent, Mapper } from "./mapper.ts";
import { MapperRegistry, type UnknownEventPolicy } from "./registry.ts";

export interface CatalogTopic<Desc extends DescMessage = DescMessage> {
  /** Kafka topic name, e.g. catalog.<domain>.<event>.v<major>. */
  readonly topic: string;
  /** Schema-registry subject (TopicNameStrategy): `${topic}-value`. */
  readonly subject: string;
  /** Generated descriptor of the topic's message (the first message of its file). */
  readonly schema: Desc;
  /**
   * The topic's self-contained .proto file: the text that is registered. A relative path is
   * resolved against the catalog module's own directory when the module is loaded.
   */
  readonly protoPath: string;
  /** CloudEvents `type` of every record on the topic. */
  readonly ceType: string;
}

/** The mapper of one legacy type and version. */
export interface CatalogMapper {
  readonly type: string;
  readonly version: number;
  readonly mapper: Mapper;
}

/**
 * Decrypted bytes → LegacyEvent. Must be synchronous and pure, throw PermanentError (or
 * LegacyDataError) naming fields, never values: the payload is decrypted customer data.
 */
export type LegacyParser = (plaintext: Uint8Array, tenant: string) => LegacyEvent;

export interface CatalogModule {
  /** Shown in logs and errors, e.g. "orders-catalog". */
  readonly name: string;
  readonly topics: readonly CatalogTopic[];
  readonly mappers: readonly CatalogMapper[];
  /** The legacy-event parser, where the default (src/mapping/parse.ts) does not fit. */
  readonly parse?: LegacyParser;
}

/** Type-checks and freezes a catalog: `export default defineCatalog({ name, topics, mappers })`. */
export function defineCatalog(catalog: CatalogModule): CatalogModule {
  return Object.freeze({ ...catalog, topics: Object.freeze([...catalog.topics]), mappers: Object.freeze([...catalog.mappers]) });
}

/** A topic with the TopicNameStrategy subject (`${topic}-value`) unless one is given. */
export function defineTopic<Desc extends DescMessage>(
  topic: Omit<CatalogTopic<Desc>, "subject"> & { readonly subject?: string },
): CatalogTopic<Desc> {
  return Object.freeze({ ...topic, subject: topic.subject ?? `${topic.topic}-value` });
}

/** A registry holding every mapper of the catalog; a type@version given twice is an error. */
export function createMapperRegistry(catalog: CatalogModule, unknownEventPolicy: UnknownEventPolicy): MapperRegistry {
  const registry = new MapperRegistry(unknownEventPolicy);
  for (const { type, version, mapper } of catalog.mappers) registry.register(type, version, mapper);
  return registry;
}
