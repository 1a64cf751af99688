// payment_settled v1 → PaymentCaptured when the money was taken (CAPTURED, or SETTLED from the
// batch job); AUTHORIZED / FAILED / REFUNDED are not captures and map to nothing.

import type { Mapper } from "meshbridge/catalog";
import { requireInstant, requireInteger, requireObject, requireString, toRfc3339 } from "meshbridge/catalog";
import { PaymentCaptured_Method } from "../gen/meshbridge/catalog/v1/payment_captured_pb.ts";
import { paymentCapturedTopic } from "../topics.ts";
import { emit, entityKey, none, requireCurrency } from "./common.ts";

const methods: Readonly<Record<string, PaymentCaptured_Method>> = {
  CARD: PaymentCaptured_Method.CARD,
  PAYPAL: PaymentCaptured_Method.PAYPAL,
  SEPA: PaymentCaptured_Method.BANK_TRANSFER,
  GIFTCARD: PaymentCaptured_Method.GIFT_CARD,
  INVOICE: PaymentCaptured_Method.INVOICE,
};

export const mapPaymentSettledV1: Mapper = (event, { tenant }) => {
  const b = event.body;
  const payment = requireObject(b, "payment", "");
  const status = requireString(payment, "status", "payment");
  if (status !== "CAPTURED" && status !== "SETTLED") return none;
  const paymentId = requireString(payment, "id", "payment");
  const orderId = requireString(payment, "order_id", "payment");
  // The batch settlement job leaves settled_at_ms null and only fills settled_at.
  const capturedAt = toRfc3339(requireInstant(b, "settled_at_ms", "settled_at", ""));
  const method = requireString(payment, "method", "payment");
  return [
    emit(
      paymentCapturedTopic,
      {
        $typeName: "meshbridge.catalog.v1.PaymentCaptured",
        tenantId: tenant,
        paymentId,
        orderId,
        amountMinor: BigInt(requireInteger(payment, "amount_minor", "payment")),
        currency: requireCurrency(payment, "currency", "payment"),
        method: Object.hasOwn(methods, method) ? methods[method]! : PaymentCaptured_Method.UNSPECIFIED,
        providerReference: requireString(payment, "psp_ref", "payment"),
        capturedAt,
      },
      // Keyed by order, like the payment captured inline by order_created.
      entityKey(tenant, orderId),
      capturedAt,
      paymentId,
    ),
  ];
};
