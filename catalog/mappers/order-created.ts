// order_created v1 and v2 → OrderPlaced, plus PaymentCaptured when the order was paid up front.
// Output order is fixed (OrderPlaced = index 0, PaymentCaptured = index 1): ce_id derives from it.
// Test orders (v1 is_test_order, v2 flags.test) map to nothing.

import type { CatalogEvent, Mapper } from "meshbridge/catalog";
import {
  asObject,
  flag,
  LegacyDataError,
  optionalObject,
  optionalString,
  parseEpochMillis,
  parseRfc3339,
  requireArray,
  requireInstant,
  requireInteger,
  requireObject,
  requireString,
  toRfc3339,
} from "meshbridge/catalog";
import { OrderPlaced_Channel, type OrderPlaced_LineItem } from "../gen/meshbridge/catalog/v1/order_placed_pb.ts";
import { PaymentCaptured_Method } from "../gen/meshbridge/catalog/v1/payment_captured_pb.ts";
import { orderPlacedTopic, paymentCapturedTopic } from "../topics.ts";
import { orderAddressFromV1, orderAddressFromV2 } from "./addresses.ts";
import { decimalToMinor, emit, entityKey, none, requireCurrency, requirePositive, requireSameTenant } from "./common.ts";

const channelV1: Readonly<Record<string, OrderPlaced_Channel>> = {
  web: OrderPlaced_Channel.WEB,
  mobile: OrderPlaced_Channel.MOBILE_APP,
  store: OrderPlaced_Channel.STORE,
  callcenter: OrderPlaced_Channel.PHONE,
};

const channelV2: Readonly<Record<string, OrderPlaced_Channel>> = {
  WEB: OrderPlaced_Channel.WEB,
  APP: OrderPlaced_Channel.MOBILE_APP,
  POS: OrderPlaced_Channel.STORE,
  PHONE: OrderPlaced_Channel.PHONE,
};

const methodV1: Readonly<Record<string, PaymentCaptured_Method>> = {
  cc: PaymentCaptured_Method.CARD,
  paypal: PaymentCaptured_Method.PAYPAL,
  invoice: PaymentCaptured_Method.INVOICE,
  giftcard: PaymentCaptured_Method.GIFT_CARD,
};

const methodV2: Readonly<Record<string, PaymentCaptured_Method>> = {
  CARD: PaymentCaptured_Method.CARD,
  PAYPAL: PaymentCaptured_Method.PAYPAL,
  INVOICE: PaymentCaptured_Method.INVOICE,
  GIFT_CARD: PaymentCaptured_Method.GIFT_CARD,
};

// Unknown channel or method strings become UNSPECIFIED instead of failing the order: the catalog
// consumers must handle UNSPECIFIED anyway, and losing an order over a new sales channel is worse.
function lookup<V extends number>(table: Readonly<Record<string, V>>, value: string, unspecified: V): V {
  return Object.hasOwn(table, value) ? table[value]! : unspecified;
}

export const mapOrderCreatedV1: Mapper = (event, { tenant }) => {
  const b = event.body;
  if (flag(b, "is_test_order", "", false)) return none;
  const order = requireObject(b, "order", "");
  const orderId = requireString(order, "id", "order");
  // Producers from before 2017 wrote customer_id; the rest cust_id.
  const customerId = optionalString(order, "cust_id", "order") ?? optionalString(order, "customer_id", "order");
  if (customerId === undefined) throw new LegacyDataError("order.cust_id or order.customer_id is required (missing)");
  const placedAt = toRfc3339(parseEpochMillis(b.ts, "ts"));
  const currency = requireCurrency(order, "currency", "order");
  const items = requireArray(order, "items", "order");
  const lines: OrderPlaced_LineItem[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = asObject(items[i], "order.items[]");
    lines[i] = {
      $typeName: "meshbridge.catalog.v1.OrderPlaced.LineItem",
      sku: requireString(item, "sku", "order.items[]"),
      quantity: requirePositive(requireInteger(item, "qty", "order.items[]"), "order.items[].qty"),
      unitPriceMinor: decimalToMinor(item, "price", "order.items[]", currency),
    };
  }
  const totalMinor = decimalToMinor(order, "total", "order", currency);
  const key = entityKey(tenant, orderId);
  const placed = emit(
    orderPlacedTopic,
    {
      $typeName: "meshbridge.catalog.v1.OrderPlaced",
      tenantId: tenant,
      orderId,
      customerId,
      placedAt,
      channel: lookup(channelV1, requireString(order, "channel", "order"), OrderPlaced_Channel.UNSPECIFIED),
      lines,
      totalMinor,
      currency,
      shippingAddress: orderAddressFromV1(requireObject(order, "ship_to", "order"), "order.ship_to"),
    },
    key,
    placedAt,
    orderId,
  );
  const payment = requireObject(order, "payment", "order");
  if (requireString(payment, "status", "order.payment") !== "captured") return [placed];
  const capturedTs = payment.captured_ts;
  const capturedAt =
    capturedTs === undefined || capturedTs === null
      ? placedAt
      : toRfc3339(parseEpochMillis(capturedTs, "order.payment.captured_ts"));
  const paymentId = requireString(payment, "pay_id", "order.payment");
  const captured = emit(
    paymentCapturedTopic,
    {
      $typeName: "meshbridge.catalog.v1.PaymentCaptured",
      tenantId: tenant,
      paymentId,
      orderId,
      amountMinor: totalMinor,
      currency,
      method: lookup(methodV1, requireString(payment, "method", "order.payment"), PaymentCaptured_Method.UNSPECIFIED),
      providerReference: optionalString(payment, "txn_ref", "order.payment") ?? "",
      capturedAt,
    },
    key,
    capturedAt,
    paymentId,
  );
  return [placed, captured];
};

export const mapOrderCreatedV2: Mapper = (event, { tenant }) => {
  const b = event.body;
  requireSameTenant(b, "tenant_ref", tenant);
  if (flag(requireObject(b, "flags", ""), "test", "flags", false)) return none;
  const placedAt = toRfc3339(requireInstant(b, "occurred_at_ms", "occurred_at", ""));
  const order = requireObject(b, "order", "");
  const orderId = requireString(order, "order_number", "order");
  const customerId = requireString(requireObject(order, "customer", "order"), "id", "order.customer");
  const totals = requireObject(order, "totals", "order");
  const currency = requireCurrency(totals, "currency", "order.totals");
  const totalMinor = BigInt(requireInteger(totals, "gross_cents", "order.totals"));
  const rawLines = requireArray(order, "lines", "order");
  const lines: OrderPlaced_LineItem[] = new Array(rawLines.length);
  for (let i = 0; i < rawLines.length; i++) {
    const line = asObject(rawLines[i], "order.lines[]");
    lines[i] = {
      $typeName: "meshbridge.catalog.v1.OrderPlaced.LineItem",
      sku: requireString(requireObject(line, "product", "order.lines[]"), "sku", "order.lines[].product"),
      quantity: requirePositive(requireInteger(line, "quantity", "order.lines[]"), "order.lines[].quantity"),
      unitPriceMinor: BigInt(requireInteger(line, "unit_price_cents", "order.lines[]")),
    };
  }
  // null shipping = click & collect: no shipping address.
  const shipping = optionalObject(order, "shipping", "order");
  const key = entityKey(tenant, orderId);
  const placed = emit(
    orderPlacedTopic,
    {
      $typeName: "meshbridge.catalog.v1.OrderPlaced",
      tenantId: tenant,
      orderId,
      customerId,
      placedAt,
      channel: lookup(channelV2, requireString(order, "sales_channel", "order"), OrderPlaced_Channel.UNSPECIFIED),
      lines,
      totalMinor,
      currency,
      shippingAddress:
        shipping === undefined
          ? undefined
          : orderAddressFromV2(requireObject(shipping, "address", "order.shipping"), "order.shipping.address"),
    },
    key,
    placedAt,
    orderId,
  );
  const payment = requireObject(order, "payment", "order");
  if (requireString(payment, "state", "order.payment") !== "CAPTURED") return [placed];
  const capturedText = optionalString(payment, "captured_at", "order.payment");
  const capturedAt = capturedText === undefined ? placedAt : toRfc3339(parseRfc3339(capturedText, "order.payment.captured_at"));
  const paymentId = requireString(payment, "payment_id", "order.payment");
  const captured: CatalogEvent = emit(
    paymentCapturedTopic,
    {
      $typeName: "meshbridge.catalog.v1.PaymentCaptured",
      tenantId: tenant,
      paymentId,
      orderId,
      amountMinor: totalMinor,
      currency,
      method: lookup(methodV2, requireString(payment, "method", "order.payment"), PaymentCaptured_Method.UNSPECIFIED),
      providerReference: requireString(payment, "reference", "order.payment"),
      capturedAt,
    },
    key,
    capturedAt,
    paymentId,
  );
  return [placed, captured];
};
