// stock_movement v1 → one InventoryAdjusted per line (0..N), keyed by warehouse and SKU.

import type { CatalogEvent, Mapper } from "meshbridge/catalog";
import { asObject, parseRfc3339, requireArray, requireInteger, requireString, toRfc3339 } from "meshbridge/catalog";
import { InventoryAdjusted_Reason } from "../gen/meshbridge/catalog/v1/inventory_adjusted_pb.ts";
import { inventoryAdjustedTopic } from "../topics.ts";
import { emit, entityKey, requireInt32 } from "./common.ts";

const reasons: Readonly<Record<string, InventoryAdjusted_Reason>> = {
  GOODS_IN: InventoryAdjusted_Reason.GOODS_RECEIVED,
  SALE: InventoryAdjusted_Reason.SOLD,
  RETURN: InventoryAdjusted_Reason.RETURNED,
  DAMAGE: InventoryAdjusted_Reason.DAMAGED,
  STOCKTAKE: InventoryAdjusted_Reason.STOCKTAKE_CORRECTION,
};

export const mapStockMovementV1: Mapper = (event, { tenant }) => {
  const b = event.body;
  const warehouseId = requireString(b, "warehouse_code", "");
  const movement = requireString(b, "movement_type", "");
  const reason = Object.hasOwn(reasons, movement) ? reasons[movement]! : InventoryAdjusted_Reason.UNSPECIFIED;
  const adjustedAt = toRfc3339(parseRfc3339(requireString(b, "moved_at", ""), "moved_at"));
  const lines = requireArray(b, "lines", "");
  const out: CatalogEvent[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const line = asObject(lines[i], "lines[]");
    const sku = requireString(line, "sku", "lines[]");
    out[i] = emit(
      inventoryAdjustedTopic,
      {
        $typeName: "meshbridge.catalog.v1.InventoryAdjusted",
        tenantId: tenant,
        warehouseId,
        sku,
        delta: requireInt32(requireInteger(line, "delta", "lines[]"), "lines[].delta"),
        onHandAfter: requireInt32(requireInteger(line, "on_hand_after", "lines[]"), "lines[].on_hand_after"),
        reason,
        adjustedAt,
      },
      // Stock is per SKU per warehouse: that pair must stay in order.
      entityKey(tenant, `${warehouseId}/${sku}`),
      adjustedAt,
      sku,
    );
  }
  return out;
};
