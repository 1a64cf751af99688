// The catalog's topics: one Kafka topic per event, one .proto file per topic (self-contained,
// the event message first, so the Confluent message-index is always [0]), subject = TopicNameStrategy.
import { join } from "node:path";
import type { DescMessage } from "@bufbuild/protobuf";
import { type CatalogTopic, defineTopic } from "meshbridge/catalog";
import { CustomerAddressChangedSchema } from "./gen/meshbridge/catalog/v1/customer_address_changed_pb.ts";
import { CustomerRegisteredSchema } from "./gen/meshbridge/catalog/v1/customer_registered_pb.ts";
import { InventoryAdjustedSchema } from "./gen/meshbridge/catalog/v1/inventory_adjusted_pb.ts";
import { OrderCancelledSchema } from "./gen/meshbridge/catalog/v1/order_cancelled_pb.ts";
import { OrderPlacedSchema } from "./gen/meshbridge/catalog/v1/order_placed_pb.ts";
import { PaymentCapturedSchema } from "./gen/meshbridge/catalog/v1/payment_captured_pb.ts";
import { ShipmentDispatchedSchema } from "./gen/meshbridge/catalog/v1/shipment_dispatched_pb.ts";

/** Root of the buf module; `protoPath` values live below it. */
export const catalogProtoRoot: string = join(import.meta.dirname, "proto");

function topic<Desc extends DescMessage>(name: string, schema: Desc, protoFile: string, ceType: string): CatalogTopic<Desc> {
  return defineTopic({ topic: name, schema, protoPath: join(catalogProtoRoot, "meshbridge/catalog/v1", protoFile), ceType });
}

export const orderPlacedTopic = topic(
  "catalog.orders.order-placed.v1",
  OrderPlacedSchema,
  "order_placed.proto",
  "com.meshbridge.order.placed.v1",
);
export const orderCancelledTopic = topic(
  "catalog.orders.order-cancelled.v1",
  OrderCancelledSchema,
  "order_cancelled.proto",
  "com.meshbridge.order.cancelled.v1",
);
export const paymentCapturedTopic = topic(
  "catalog.payments.payment-captured.v1",
  PaymentCapturedSchema,
  "payment_captured.proto",
  "com.meshbridge.payment.captured.v1",
);
export const shipmentDispatchedTopic = topic(
  "catalog.shipping.shipment-dispatched.v1",
  ShipmentDispatchedSchema,
  "shipment_dispatched.proto",
  "com.meshbridge.shipment.dispatched.v1",
);
export const customerRegisteredTopic = topic(
  "catalog.customers.customer-registered.v1",
  CustomerRegisteredSchema,
  "customer_registered.proto",
  "com.meshbridge.customer.registered.v1",
);
export const customerAddressChangedTopic = topic(
  "catalog.customers.customer-address-changed.v1",
  CustomerAddressChangedSchema,
  "customer_address_changed.proto",
  "com.meshbridge.customer.address-changed.v1",
);
export const inventoryAdjustedTopic = topic(
  "catalog.inventory.inventory-adjusted.v1",
  InventoryAdjustedSchema,
  "inventory_adjusted.proto",
  "com.meshbridge.inventory.adjusted.v1",
);

export const catalogTopics: readonly CatalogTopic[] = Object.freeze([
  orderPlacedTopic,
  orderCancelledTopic,
  paymentCapturedTopic,
  shipmentDispatchedTopic,
  customerRegisteredTopic,
  customerAddressChangedTopic,
  inventoryAdjustedTopic,
]);

export type { CatalogTopic };

const byTopic: ReadonlyMap<string, CatalogTopic> = new Map(catalogTopics.map((t) => [t.topic, t]));

/** The catalog topic of that name, or undefined. */
export function catalogTopic(name: string): CatalogTopic | undefined {
  return byTopic.get(name);
}
