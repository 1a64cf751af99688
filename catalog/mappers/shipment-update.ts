// shipment_update v1 → ShipmentDispatched for status DISPATCHED; every other status (label
// created, in transit, delivered, returned) has no catalog event yet and maps to nothing.

import type { Mapper } from "meshbridge/catalog";
import {
  asObject,
  LegacyDataError,
  optionalString,
  requireArray,
  requireInstant,
  requireInteger,
  requireObject,
  requireString,
  toRfc3339,
} from "meshbridge/catalog";
import type { ShipmentDispatched_Item } from "../gen/meshbridge/catalog/v1/shipment_dispatched_pb.ts";
import { shipmentDispatchedTopic } from "../topics.ts";
import { emit, entityKey, none, requireInt32, requirePositive } from "./common.ts";

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

export const mapShipmentUpdateV1: Mapper = (event, { tenant }) => {
  const b = event.body;
  const shipment = requireObject(b, "shipment", "");
  if (requireString(shipment, "status", "shipment") !== "DISPATCHED") return none;
  const shipmentId = requireString(shipment, "shipment_id", "shipment");
  const orderId = requireString(shipment, "order_id", "shipment");
  const dispatchedAt = toRfc3339(requireInstant(b, "event_time_ms", "event_time", ""));
  // The WMS writes tracking_no, the 2020 handheld app trackingNumber; some labels have neither yet.
  const trackingNumber =
    optionalString(shipment, "tracking_no", "shipment") ?? optionalString(shipment, "trackingNumber", "shipment") ?? "";
  const eta = optionalString(shipment, "eta", "shipment") ?? "";
  if (eta !== "" && !datePattern.test(eta)) throw new LegacyDataError("shipment.eta must be a date YYYY-MM-DD or empty");
  // Items are listed per package; the catalog wants one line per SKU (first-seen order).
  const packages = requireArray(shipment, "packages", "shipment");
  const bySku = new Map<string, ShipmentDispatched_Item>();
  let weight = 0;
  for (const rawPackage of packages) {
    const pkg = asObject(rawPackage, "shipment.packages[]");
    weight += requireInteger(pkg, "weight_g", "shipment.packages[]");
    for (const rawItem of requireArray(pkg, "items", "shipment.packages[]")) {
      const item = asObject(rawItem, "shipment.packages[].items[]");
      const sku = requireString(item, "sku", "shipment.packages[].items[]");
      const qty = requirePositive(requireInteger(item, "qty", "shipment.packages[].items[]"), "shipment.packages[].items[].qty");
      const seen = bySku.get(sku);
      if (seen === undefined) bySku.set(sku, { $typeName: "meshbridge.catalog.v1.ShipmentDispatched.Item", sku, quantity: qty });
      else seen.quantity = requireInt32(seen.quantity + qty, "shipment.packages[].items[].qty");
    }
  }
  return [
    emit(
      shipmentDispatchedTopic,
      {
        $typeName: "meshbridge.catalog.v1.ShipmentDispatched",
        tenantId: tenant,
        shipmentId,
        orderId,
        dispatchedAt,
        carrier: requireString(requireObject(shipment, "carrier", "shipment"), "code", "shipment.carrier").toUpperCase(),
        trackingNumber,
        warehouseId: requireString(requireObject(b, "warehouse", ""), "id", "warehouse"),
        items: [...bySku.values()],
        parcelCount: packages.length,
        totalWeightGrams: BigInt(weight),
        estimatedDeliveryDate: eta,
      },
      // Keyed by order: an order's shipments stay in order with each other.
      entityKey(tenant, orderId),
      dispatchedAt,
      shipmentId,
    ),
  ];
};
