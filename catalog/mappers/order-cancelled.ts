// order_cancelled v1 → OrderCancelled.

import type { Mapper } from "meshbridge/catalog";
import { optionalObject, optionalString, parseRfc3339, requireObject, requireString, toRfc3339 } from "meshbridge/catalog";
import { OrderCancelled_Initiator, OrderCancelled_Reason } from "../gen/meshbridge/catalog/v1/order_cancelled_pb.ts";
import { orderCancelledTopic } from "../topics.ts";
import { decimalToMinor, emit, entityKey, requireCurrency } from "./common.ts";

const reasons: Readonly<Record<string, OrderCancelled_Reason>> = {
  CUST_REQ: OrderCancelled_Reason.CUSTOMER_REQUEST,
  OOS: OrderCancelled_Reason.OUT_OF_STOCK,
  FRAUD: OrderCancelled_Reason.FRAUD_SUSPECTED,
  PAY_FAIL: OrderCancelled_Reason.PAYMENT_FAILED,
};

const initiators: Readonly<Record<string, OrderCancelled_Initiator>> = {
  customer: OrderCancelled_Initiator.CUSTOMER,
  agent: OrderCancelled_Initiator.AGENT,
  system: OrderCancelled_Initiator.SYSTEM,
};

export const mapOrderCancelledV1: Mapper = (event, { tenant }) => {
  const b = event.body;
  const orderId = requireString(b, "order_ref", "");
  // Hand-formatted local time with an offset: normalised to UTC.
  const cancelledAt = toRfc3339(parseRfc3339(requireString(b, "cancelled_on", ""), "cancelled_on"));
  // "" (agent picked nothing) and codes added later become UNSPECIFIED.
  const code = optionalString(b, "reason_code", "") ?? "";
  const kind = requireString(requireObject(b, "cancelled_by", ""), "kind", "cancelled_by");
  const refund = optionalObject(b, "refund", "");
  const refundCurrency = refund === undefined ? "" : requireCurrency(refund, "ccy", "refund");
  return [
    emit(
      orderCancelledTopic,
      {
        $typeName: "meshbridge.catalog.v1.OrderCancelled",
        tenantId: tenant,
        orderId,
        cancelledAt,
        reason: Object.hasOwn(reasons, code) ? reasons[code]! : OrderCancelled_Reason.UNSPECIFIED,
        reasonDetail: optionalString(b, "reason_text", "") ?? "",
        initiator: Object.hasOwn(initiators, kind) ? initiators[kind]! : OrderCancelled_Initiator.UNSPECIFIED,
        refundMinor: refund === undefined ? 0n : decimalToMinor(refund, "amount", "refund", refundCurrency),
        refundCurrency,
      },
      entityKey(tenant, orderId),
      cancelledAt,
      orderId,
    ),
  ];
};
