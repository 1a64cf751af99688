// The demo domain's catalog: topics, generated schemas and the mappers from the legacy vocabulary.
import { MapperRegistry, type UnknownEventPolicy } from "../src/mapping/registry.ts";
import { mapCustomerProfileUpdatedV1, mapCustomerSignupV1 } from "./mappers/customers.ts";
import { mapStockMovementV1 } from "./mappers/inventory.ts";
import { mapOrderCancelledV1 } from "./mappers/order-cancelled.ts";
import { mapOrderCreatedV1, mapOrderCreatedV2 } from "./mappers/order-created.ts";
import { mapPaymentSettledV1 } from "./mappers/payment-settled.ts";
import { mapShipmentUpdateV1 } from "./mappers/shipment-update.ts";
import { mapSystemPingV1 } from "./mappers/system-ping.ts";

export { type CatalogTopic, catalogProtoRoot, catalogTopic, catalogTopics } from "./topics.ts";

/** A registry with a mapper for every type@version of the legacy vocabulary. */
export function createCatalogRegistry(unknownEventPolicy: UnknownEventPolicy): MapperRegistry {
  return new MapperRegistry(unknownEventPolicy)
    .register("order_created", 1, mapOrderCreatedV1)
    .register("order_created", 2, mapOrderCreatedV2)
    .register("order_cancelled", 1, mapOrderCancelledV1)
    .register("payment_settled", 1, mapPaymentSettledV1)
    .register("shipment_update", 1, mapShipmentUpdateV1)
    .register("customer_signup", 1, mapCustomerSignupV1)
    .register("customer_profile_updated", 1, mapCustomerProfileUpdatedV1)
    .register("stock_movement", 1, mapStockMovementV1)
    .register("system_ping", 1, mapSystemPingV1);
}
