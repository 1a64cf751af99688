// The demo domain's catalog module (docs/catalogs.md): topics, generated schemas and the mappers
// from the legacy vocabulary. The bridge loads it from `catalog.module: catalog/index.ts`.

import type { MapperRegistry, UnknownEventPolicy } from "meshbridge/catalog";
import { type CatalogMapper, createMapperRegistry, defineCatalog } from "meshbridge/catalog";
import { mapCustomerProfileUpdatedV1, mapCustomerSignupV1 } from "./mappers/customers.ts";
import { mapStockMovementV1 } from "./mappers/inventory.ts";
import { mapOrderCancelledV1 } from "./mappers/order-cancelled.ts";
import { mapOrderCreatedV1, mapOrderCreatedV2 } from "./mappers/order-created.ts";
import { mapPaymentSettledV1 } from "./mappers/payment-settled.ts";
import { mapShipmentUpdateV1 } from "./mappers/shipment-update.ts";
import { mapSystemPingV1 } from "./mappers/system-ping.ts";
import { catalogTopics } from "./topics.ts";

export { type CatalogTopic, catalogProtoRoot, catalogTopic, catalogTopics } from "./topics.ts";

/** A mapper for every type@version of the legacy vocabulary. */
const mappers: readonly CatalogMapper[] = [
  { type: "order_created", version: 1, mapper: mapOrderCreatedV1 },
  { type: "order_created", version: 2, mapper: mapOrderCreatedV2 },
  { type: "order_cancelled", version: 1, mapper: mapOrderCancelledV1 },
  { type: "payment_settled", version: 1, mapper: mapPaymentSettledV1 },
  { type: "shipment_update", version: 1, mapper: mapShipmentUpdateV1 },
  { type: "customer_signup", version: 1, mapper: mapCustomerSignupV1 },
  { type: "customer_profile_updated", version: 1, mapper: mapCustomerProfileUpdatedV1 },
  { type: "stock_movement", version: 1, mapper: mapStockMovementV1 },
  { type: "system_ping", version: 1, mapper: mapSystemPingV1 },
];

export const demoCatalog = defineCatalog({ name: "meshbridge-demo", topics: catalogTopics, mappers });
export default demoCatalog;

/** This file, for configurations and commands that name the demo catalog (`catalog.module`). */
export const demoCatalogModule: string = import.meta.filename;

/** A registry with a mapper for every type@version of the legacy vocabulary. */
export function createCatalogRegistry(unknownEventPolicy: UnknownEventPolicy): MapperRegistry {
  return createMapperRegistry(demoCatalog, unknownEventPolicy);
}
