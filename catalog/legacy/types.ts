// The legacy event vocabulary, as the monolith and its satellites emit it (decrypted JSON).
// Years of history show: concerns mixed into every event (audit, routing, marketing, debug),
// numbers as strings, epoch millis next to hand-formatted dates, fields renamed between producers.
// Every payload starts with event_type, event_version and event_id (unique per event).

export interface LegacyEnvelope<Type extends string, Version extends number> {
  readonly event_type: Type;
  readonly event_version: Version;
  readonly event_id: string;
}

// ---- Baggage shared by most events (never mapped; the catalog has no use for it) ----

export interface LegacyAudit {
  /** "svc-orders@10.20.3.4" style principal. */
  readonly created_by: string;
  /** Local time with offset, formatted by hand. */
  readonly created_at: string;
  readonly created_at_ms: number;
  readonly source_system: "ORDERS_MONOLITH" | "SHOP_API" | "POS_GATEWAY" | "WMS" | "CRM";
  readonly request_id: string;
  readonly ip_address?: string;
}

/** Optional: producers written after the 2019 queue migration stopped sending it. */
export interface LegacyRouting {
  /** A number as a string; meaningless since the 2019 queue migration. */
  readonly partition_hint: string;
  readonly region: string;
  readonly queue_class: "standard" | "bulk" | "priority";
  readonly replayed: "Y" | "N";
  readonly hops: readonly string[];
}

/** Optional: only the shop front-ends fill it. */
export interface LegacyMarketing {
  readonly campaign_id: string | null;
  readonly utm_source?: string;
  readonly utm_medium?: string;
  readonly ab_bucket: string;
  /** Positional consent bits, e.g. "101". */
  readonly consent_flags: string;
}

export interface LegacyDebug {
  readonly host: string;
  readonly build: string;
  /** Milliseconds, as a string. */
  readonly duration_ms: string;
  readonly thread: string;
  /** Opaque diagnostic blob; the generator uses it to reach a target payload size. */
  readonly padding?: string;
}

// ---- order_created ----

/** order_created v1 (2014–2019, the monolith): strings everywhere, decimal money. */
export interface OrderCreatedV1 extends LegacyEnvelope<"order_created", 1> {
  /** Epoch milliseconds as a string. */
  readonly ts: string;
  readonly order: {
    readonly id: string;
    /** Customer id; producers from before 2017 sent `customer_id` instead. */
    readonly cust_id?: string;
    readonly customer_id?: string;
    readonly channel: "web" | "mobile" | "store" | "callcenter";
    readonly items: readonly {
      readonly sku: string;
      /** Integer as a string. */
      readonly qty: string;
      /** Decimal major units as a string, e.g. "19.99". */
      readonly price: string;
      readonly descr?: string;
    }[];
    /** Decimal major units as a string. */
    readonly total: string;
    readonly currency: string;
    readonly ship_to: {
      readonly street: string;
      readonly street2?: string | null;
      readonly zip: string;
      readonly city: string;
      readonly country: string;
    };
    readonly payment: {
      readonly method: "cc" | "paypal" | "invoice" | "giftcard";
      readonly status: "captured" | "authorized" | "pending";
      /** Present when captured. */
      readonly pay_id?: string;
      readonly txn_ref?: string;
      /** Epoch milliseconds as a string; present when captured. */
      readonly captured_ts?: string;
    };
  };
  readonly is_test_order: "Y" | "N";
  readonly audit: LegacyAudit;
  readonly routing?: LegacyRouting;
  readonly marketing?: LegacyMarketing;
  readonly debug: LegacyDebug;
}

export interface LegacyAddressV2 {
  readonly line1: string;
  readonly line2?: string | null;
  readonly postal_code: string;
  readonly city: string;
  readonly country_iso2: string;
}

/** order_created v2 (2019–): restructured, cents as numbers, baggage moved under `context`. */
export interface OrderCreatedV2 extends LegacyEnvelope<"order_created", 2> {
  /** Local time with offset. */
  readonly occurred_at: string;
  readonly occurred_at_ms: number;
  /** The tenant the producer believed it wrote for; must match the decrypting tenant. */
  readonly tenant_ref: string;
  readonly order: {
    readonly order_number: string;
    readonly customer: { readonly id: string; readonly email: string; readonly segment: string; readonly since_ms?: number };
    readonly sales_channel: "WEB" | "APP" | "POS" | "PHONE";
    readonly lines: readonly {
      readonly line_no: number;
      readonly product: { readonly sku: string; readonly name: string; readonly category?: string };
      readonly quantity: number;
      /** Minor units despite the name (yen for JPY). */
      readonly unit_price_cents: number;
      readonly discount_cents: number;
    }[];
    readonly totals: {
      readonly gross_cents: number;
      readonly net_cents: number;
      readonly tax_cents: number;
      readonly currency: string;
    };
    /** null for click & collect. */
    readonly shipping: { readonly method: string; readonly address: LegacyAddressV2 } | null;
    readonly payment: {
      readonly provider: "stripe" | "adyen" | "paypal" | "internal";
      readonly state: "CAPTURED" | "AUTHORIZED" | "FAILED";
      readonly payment_id: string;
      readonly method: "CARD" | "PAYPAL" | "INVOICE" | "GIFT_CARD";
      readonly reference: string;
      /** RFC 3339; present when captured. */
      readonly captured_at?: string;
    };
  };
  readonly flags: { readonly test: boolean; readonly gift: boolean; readonly priority: boolean };
  readonly context: {
    readonly audit: LegacyAudit;
    readonly routing?: LegacyRouting;
    readonly marketing?: LegacyMarketing;
    readonly debug: LegacyDebug;
  };
}

// ---- order_cancelled ----

export interface OrderCancelledV1 extends LegacyEnvelope<"order_cancelled", 1> {
  readonly order_ref: string;
  /** Local time with offset, no millis. */
  readonly cancelled_on: string;
  /** "" when the agent picked nothing. */
  readonly reason_code: "CUST_REQ" | "OOS" | "FRAUD" | "PAY_FAIL" | "";
  readonly reason_text?: string | null;
  /** null when nothing was paid yet. */
  readonly refund: { readonly amount: string; readonly ccy: string } | null;
  readonly cancelled_by: { readonly kind: "customer" | "agent" | "system"; readonly id: string; readonly name?: string };
  readonly notify: { readonly email_sent: "Y" | "N"; readonly template: string };
  readonly audit: LegacyAudit;
  readonly routing?: LegacyRouting;
  readonly debug: LegacyDebug;
}

// ---- payment_settled ----

export interface PaymentSettledV1 extends LegacyEnvelope<"payment_settled", 1> {
  readonly payment: {
    readonly id: string;
    readonly order_id: string;
    /** Minor units as a string. */
    readonly amount_minor: string;
    /** Lower case, e.g. "eur". */
    readonly currency: string;
    readonly method: "CARD" | "PAYPAL" | "SEPA" | "GIFTCARD" | "INVOICE";
    readonly status: "CAPTURED" | "SETTLED" | "AUTHORIZED" | "FAILED" | "REFUNDED";
    readonly psp_ref: string;
  };
  /** null from the batch settlement job, which only fills settled_at. */
  readonly settled_at_ms: number | null;
  readonly settled_at: string;
  readonly psp_raw: {
    readonly response_code: string;
    readonly avs_result: string;
    readonly cvv_result: string;
    readonly acquirer: string;
    readonly raw_message?: string;
  };
  readonly audit: LegacyAudit;
  readonly routing?: LegacyRouting;
  readonly debug: LegacyDebug;
}

// ---- shipment_update ----

export interface ShipmentUpdateV1 extends LegacyEnvelope<"shipment_update", 1> {
  readonly shipment: {
    readonly shipment_id: string;
    readonly order_id: string;
    readonly status: "LABEL_CREATED" | "DISPATCHED" | "IN_TRANSIT" | "DELIVERED" | "RETURNED";
    readonly carrier: { readonly code: string; readonly service: string; readonly account_no?: string };
    /** The WMS writes tracking_no; the 2020 handheld app writes trackingNumber. */
    readonly tracking_no?: string;
    readonly trackingNumber?: string;
    readonly packages: readonly {
      /** Grams as a string. */
      readonly weight_g: string;
      /** "30x20x10". */
      readonly dims_cm: string;
      readonly items: readonly { readonly sku: string; readonly qty: number }[];
    }[];
    /** "YYYY-MM-DD" or "". */
    readonly eta: string;
  };
  readonly event_time: string;
  readonly event_time_ms: number;
  readonly warehouse: { readonly id: string; readonly name: string; readonly dock?: string };
  readonly audit: LegacyAudit;
  readonly routing?: LegacyRouting;
  readonly debug: LegacyDebug;
}

// ---- customers ----

export interface LegacyCustomerAddressV1 {
  readonly street: string;
  readonly house_no: string;
  readonly addition?: string | null;
  readonly zip: string;
  readonly city: string;
  /** Usually ISO alpha-2, sometimes lower case. */
  readonly country: string;
}

export interface CustomerSignupV1 extends LegacyEnvelope<"customer_signup", 1> {
  readonly customer: {
    readonly customer_id: string;
    readonly email: string;
    readonly first_name: string;
    readonly last_name: string;
    /** POSIX style, "de_DE". */
    readonly locale: string;
    readonly newsletter: "1" | "0";
    readonly birth_year?: string;
  };
  readonly default_address: LegacyCustomerAddressV1 | null;
  readonly signup_ts: number;
  readonly signup_source: "web" | "app" | "store";
  readonly marketing: LegacyMarketing & { readonly referrer?: string; readonly consent_version: string };
  readonly audit: LegacyAudit;
  readonly routing?: LegacyRouting;
  readonly debug: LegacyDebug;
}

export interface CustomerProfileUpdatedV1 extends LegacyEnvelope<"customer_profile_updated", 1> {
  readonly customer_id: string;
  readonly updated_at: string;
  /** Comma-separated; informational and occasionally stale — `changes` is authoritative. */
  readonly changed_fields: string;
  readonly changes: {
    readonly email?: string;
    readonly phone?: string;
    readonly display_name?: string;
    readonly shipping_address?: LegacyCustomerAddressV1;
    readonly billing_address?: LegacyCustomerAddressV1;
  };
  readonly changed_via: "self_service" | "agent" | "import";
  readonly audit: LegacyAudit;
  readonly routing?: LegacyRouting;
  readonly debug: LegacyDebug;
}

// ---- stock_movement ----

export interface StockMovementV1 extends LegacyEnvelope<"stock_movement", 1> {
  readonly warehouse_code: string;
  readonly movement_type: "GOODS_IN" | "SALE" | "RETURN" | "DAMAGE" | "STOCKTAKE";
  readonly moved_at: string;
  readonly lines: readonly {
    readonly sku: string;
    /** Signed integer as a string. */
    readonly delta: string;
    readonly on_hand_after: string;
    readonly bin?: string;
  }[];
  readonly operator: { readonly id: string; readonly terminal: string };
  readonly audit: LegacyAudit;
  readonly routing?: LegacyRouting;
  readonly debug: LegacyDebug;
}

// ---- system_ping (monitoring heartbeat; never leaves the legacy world) ----

export interface SystemPingV1 extends LegacyEnvelope<"system_ping", 1> {
  readonly sent_at_ms: number;
  readonly origin: string;
  readonly debug: LegacyDebug;
}

export type LegacyPayload =
  | OrderCreatedV1
  | OrderCreatedV2
  | OrderCancelledV1
  | PaymentSettledV1
  | ShipmentUpdateV1
  | CustomerSignupV1
  | CustomerProfileUpdatedV1
  | StockMovementV1
  | SystemPingV1;

/** Every legacy type@version in the vocabulary. */
export const legacyEventKinds = [
  { type: "order_created", version: 1 },
  { type: "order_created", version: 2 },
  { type: "order_cancelled", version: 1 },
  { type: "payment_settled", version: 1 },
  { type: "shipment_update", version: 1 },
  { type: "customer_signup", version: 1 },
  { type: "customer_profile_updated", version: 1 },
  { type: "stock_movement", version: 1 },
  { type: "system_ping", version: 1 },
] as const satisfies readonly { type: LegacyPayload["event_type"]; version: number }[];
