// What a catalog module may import from the bridge, as `meshbridge/catalog` (package.json
// "exports"): the catalog interface, the mapper contract and the helpers the demo's mappers use.
// The bridge resolves this specifier to its own copy when it loads a catalog (load-catalog.ts),
// so a catalog's LegacyDataError is the bridge's and its messages reach the DLQ.

export { isPermanent, PermanentError } from "../pipeline/errors.ts";
export {
  type CatalogMapper,
  type CatalogModule,
  type CatalogTopic,
  createMapperRegistry,
  defineCatalog,
  defineTopic,
  type LegacyParser,
} from "./catalog-module.ts";
export * from "./fields.ts";
export { cloudEventId } from "./identity.ts";
export { LegacyDataError } from "./legacy-data-error.ts";
export type { CatalogEvent, LegacyEvent, MapContext, Mapper } from "./mapper.ts";
export { parseLegacyEvent } from "./parse.ts";
export { MapperRegistry, type UnknownEventPolicy } from "./registry.ts";
export * from "./time.ts";
