// Deterministic legacy events for the simulator, tests and benchmarks: the same (seed, tenant,
// sequence) always gives the same payload, independent of call order, so parallel publishers and
// re-runs agree. Types and versions are mixed roughly as in production; entities repeat (orders,
// customers, SKUs), so per-key ordering matters downstream.
import { createRng, fnv1a, type Rng } from "./random.ts";
import type {
  CustomerProfileUpdatedV1,
  CustomerSignupV1,
  LegacyAudit,
  LegacyCustomerAddressV1,
  LegacyDebug,
  LegacyMarketing,
  LegacyPayload,
  LegacyRouting,
  OrderCancelledV1,
  OrderCreatedV1,
  OrderCreatedV2,
  PaymentSettledV1,
  ShipmentUpdateV1,
  StockMovementV1,
  SystemPingV1,
} from "./types.ts";

export interface GenerateOptions {
  /**
   * Make JSON.stringify of the payload exactly this many UTF-8 bytes: larger payloads first lose
   * their optional baggage (marketing, then routing), smaller ones are padded in the debug blob.
   * A few stay larger (big orders). 0 or absent: natural size (≈0.2–1.8 KB, median ≈0.9 KB).
   */
  readonly targetBytes?: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** 2024-03-01T00:00:00Z; event n happens about n × 250 ms later. */
const EPOCH_MS = Date.UTC(2024, 2, 1);

const firstNames = ["Anna", "Jörg", "Sofía", "Liam", "Chloé", "Mehmet", "Aiko", "Lukas", "Zoë", "Björn", "Emma", "Noah"];
const lastNames = ["Müller", "García", "Smith", "Nguyen", "Dubois", "Kowalski", "Rossi", "Yılmaz", "Jansen", "Andersson"];
const places = [
  { city: "Berlin", zip: "10115", country: "DE", street: "Invalidenstraße" },
  { city: "Hamburg", zip: "20095", country: "DE", street: "Mönckebergstraße" },
  { city: "Wien", zip: "1010", country: "AT", street: "Kärntner Straße" },
  { city: "Paris", zip: "75002", country: "FR", street: "Rue de la Paix" },
  { city: "Amsterdam", zip: "1012 JS", country: "NL", street: "Damrak" },
  { city: "Madrid", zip: "28013", country: "ES", street: "Calle Mayor" },
  { city: "London", zip: "EC1A 1BB", country: "GB", street: "King Edward Street" },
  { city: "Zürich", zip: "8001", country: "CH", street: "Bahnhofstrasse" },
] as const;
const locales = ["de_DE", "de_AT", "fr_FR", "nl_NL", "es_ES", "en_GB", "de_CH", "en"];
const currencies = ["EUR", "EUR", "EUR", "GBP", "CHF", "USD", "JPY"] as const;
const warehouses = ["BER1", "HAM2", "MUC1", "LEJ3"];
const hosts = ["app-01", "app-02", "app-07", "batch-03", "legacy-gw-1"];
const builds = ["2017.4.2", "2019.11.3-hotfix2", "2021.2.0", "2023.8.14-rc1"];
const productNames = ["Wool socks", "Espresso cup", "Trail shoe", "Desk lamp", "Notebook A5", "Rain jacket", "Tea sampler"];

function pad(n: number, width: number): string {
  return n.toString().padStart(width, "0");
}

/** Hand-formatted local time (CET/CEST style offset), as the monolith wrote it. */
function localIso(ms: number, withMillis: boolean): string {
  const offsetMinutes = new Date(ms).getUTCMonth() >= 3 && new Date(ms).getUTCMonth() <= 9 ? 120 : 60;
  const local = new Date(ms + offsetMinutes * 60_000).toISOString(); // "YYYY-MM-DDTHH:mm:ss.sssZ"
  const body = withMillis ? local.slice(0, 23) : local.slice(0, 19);
  return `${body}+0${offsetMinutes / 60}:00`;
}

function orderId(n: number): string {
  return `O-${pad(n, 8)}`;
}

function customerId(rng: Rng): string {
  return `C-${pad(rng.int(1, 20_000), 6)}`;
}

function sku(rng: Rng): string {
  return `SKU-${pad(rng.int(1, 500), 5)}`;
}

/** Amount in minor units → decimal major-unit text for the currency. */
function decimal(minor: number, currency: string): string {
  if (currency === "JPY") return minor.toString();
  return `${Math.floor(minor / 100)}.${pad(minor % 100, 2)}`;
}

/** Shared parts of one generated event. */
interface Ctx {
  readonly rng: Rng;
  readonly tenant: string;
  readonly sequence: number;
  readonly ms: number;
  readonly eventId: string;
  readonly debug: Mutable<LegacyDebug>;
}

function audit(c: Ctx, source: LegacyAudit["source_system"]): LegacyAudit {
  const { rng } = c;
  const base: LegacyAudit = {
    created_by: `svc-${source.toLowerCase()}@10.${rng.int(0, 40)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
    created_at: localIso(c.ms - rng.int(0, 50), true),
    created_at_ms: c.ms - rng.int(0, 50),
    source_system: source,
    request_id: `req-${rng.hex(16)}`,
  };
  return rng.chance(0.5) ? { ...base, ip_address: `192.168.${rng.int(0, 255)}.${rng.int(1, 254)}` } : base;
}

function routing(c: Ctx): LegacyRouting {
  const { rng } = c;
  return {
    partition_hint: rng.int(0, 63).toString(),
    region: rng.pick(["eu-central-1", "eu-west-1", "us-east-1"]),
    queue_class: rng.pick(["standard", "standard", "bulk", "priority"] as const),
    replayed: rng.chance(0.02) ? "Y" : "N",
    hops: rng.chance(0.5) ? ["gw", "router"] : ["gw", "router", "fanout"],
  };
}

function marketing(c: Ctx): LegacyMarketing {
  const { rng } = c;
  const campaign = rng.chance(0.4) ? `CMP-${rng.int(100, 999)}` : null;
  return campaign === null
    ? {
        campaign_id: null,
        ab_bucket: rng.pick(["A", "B", "control"]),
        consent_flags: `${rng.int(0, 1)}${rng.int(0, 1)}${rng.int(0, 1)}`,
      }
    : {
        campaign_id: campaign,
        utm_source: rng.pick(["newsletter", "google", "instagram"]),
        utm_medium: rng.pick(["email", "cpc", "social"]),
        ab_bucket: rng.pick(["A", "B", "control"]),
        consent_flags: `${rng.int(0, 1)}${rng.int(0, 1)}${rng.int(0, 1)}`,
      };
}

function customerAddress(rng: Rng): LegacyCustomerAddressV1 {
  const place = rng.pick(places);
  const base = {
    street: place.street,
    house_no: `${rng.int(1, 180)}${rng.chance(0.1) ? "a" : ""}`,
    zip: place.zip,
    city: place.city,
    // The CRM stored whatever the form sent; some countries arrive in lower case.
    country: rng.chance(0.1) ? place.country.toLowerCase() : place.country,
  };
  return rng.chance(0.3) ? { ...base, addition: rng.pick(["3. OG", "c/o Büro", "Hinterhaus", "Apt 4B"]) } : base;
}

function orderCreatedV1(c: Ctx): OrderCreatedV1 {
  const { rng } = c;
  const currency = rng.pick(currencies);
  const items = Array.from({ length: rng.int(1, 4) }, () => {
    const price = currency === "JPY" ? rng.int(300, 20_000) : rng.int(199, 19_999);
    const qty = rng.int(1, 3);
    return { sku: sku(rng), qty, price };
  });
  const total = items.reduce((sum, i) => sum + i.qty * i.price, 0);
  const status = rng.pick(["captured", "captured", "authorized", "pending"] as const);
  const place = rng.pick(places);
  const customer = customerId(rng);
  const payment =
    status === "captured"
      ? {
          method: rng.pick(["cc", "paypal", "giftcard"] as const),
          status,
          pay_id: `PAY-${rng.hex(10).toUpperCase()}`,
          txn_ref: `T${rng.int(1e8, 9e8)}`,
          captured_ts: String(c.ms + rng.int(0, 900)),
        }
      : { method: rng.pick(["cc", "invoice"] as const), status };
  return {
    event_type: "order_created",
    event_version: 1,
    event_id: c.eventId,
    ts: String(c.ms),
    order: {
      id: orderId(c.sequence),
      // Pre-2017 producers: customer_id instead of cust_id.
      ...(rng.chance(0.15) ? { customer_id: customer } : { cust_id: customer }),
      channel: rng.pick(["web", "web", "mobile", "store", "callcenter"] as const),
      items: items.map((i) => ({
        sku: i.sku,
        qty: String(i.qty),
        price: decimal(i.price, currency),
        ...(rng.chance(0.5) ? { descr: rng.pick(productNames) } : {}),
      })),
      total: decimal(total, currency),
      currency,
      ship_to: {
        street: `${place.street} ${rng.int(1, 120)}`,
        street2: rng.chance(0.3) ? "2. Stock" : null,
        zip: place.zip,
        city: place.city,
        country: place.country,
      },
      payment,
    },
    is_test_order: rng.chance(0.03) ? "Y" : "N",
    audit: audit(c, "ORDERS_MONOLITH"),
    routing: routing(c),
    marketing: marketing(c),
    debug: c.debug,
  };
}

function orderCreatedV2(c: Ctx): OrderCreatedV2 {
  const { rng } = c;
  const currency = rng.pick(currencies);
  const lines = Array.from({ length: rng.int(1, 3) }, (_, i) => ({
    line_no: i + 1,
    product: {
      sku: sku(rng),
      name: rng.pick(productNames),
      ...(rng.chance(0.5) ? { category: rng.pick(["home", "outdoor", "food"]) } : {}),
    },
    quantity: rng.int(1, 3),
    unit_price_cents: currency === "JPY" ? rng.int(300, 20_000) : rng.int(199, 19_999),
    discount_cents: rng.chance(0.2) ? rng.int(50, 150) : 0,
  }));
  const gross = lines.reduce((sum, l) => sum + l.quantity * l.unit_price_cents - l.discount_cents, 0);
  const tax = Math.round(gross * 0.16);
  const state = rng.pick(["CAPTURED", "CAPTURED", "CAPTURED", "AUTHORIZED", "FAILED"] as const);
  const place = rng.pick(places);
  const collect = rng.chance(0.15);
  return {
    event_type: "order_created",
    event_version: 2,
    event_id: c.eventId,
    occurred_at: localIso(c.ms, true),
    occurred_at_ms: c.ms,
    tenant_ref: c.tenant,
    order: {
      order_number: orderId(c.sequence),
      customer: {
        id: customerId(rng),
        email: `${rng.pick(firstNames).toLowerCase()}.${rng.int(1, 999)}@example.com`,
        segment: rng.pick(["new", "regular", "vip"]),
        ...(rng.chance(0.5) ? { since_ms: c.ms - rng.int(1, 1000) * 86_400_000 } : {}),
      },
      sales_channel: rng.pick(["WEB", "WEB", "APP", "POS", "PHONE"] as const),
      lines,
      totals: { gross_cents: gross, net_cents: gross - tax, tax_cents: tax, currency },
      shipping: collect
        ? null
        : {
            method: rng.pick(["STANDARD", "EXPRESS"]),
            address: {
              line1: `${place.street} ${rng.int(1, 120)}`,
              ...(rng.chance(0.3) ? { line2: "Hinterhaus" } : {}),
              postal_code: place.zip,
              city: place.city,
              country_iso2: place.country,
            },
          },
      payment: {
        provider: rng.pick(["stripe", "adyen", "paypal", "internal"] as const),
        state,
        payment_id: `PAY-${rng.hex(10).toUpperCase()}`,
        method: rng.pick(["CARD", "PAYPAL", "INVOICE", "GIFT_CARD"] as const),
        reference: `psp_${rng.hex(14)}`,
        ...(state === "CAPTURED" ? { captured_at: new Date(c.ms + rng.int(0, 900)).toISOString() } : {}),
      },
    },
    flags: { test: rng.chance(0.03), gift: rng.chance(0.1), priority: rng.chance(0.05) },
    context: { audit: audit(c, "SHOP_API"), routing: routing(c), marketing: marketing(c), debug: c.debug },
  };
}

/** An earlier order of this stream (orders are numbered by the sequence that created them). */
function earlierOrder(c: Ctx): string {
  return orderId(c.rng.int(Math.max(0, c.sequence - 5000), c.sequence));
}

function orderCancelledV1(c: Ctx): OrderCancelledV1 {
  const { rng } = c;
  const refunded = rng.chance(0.6);
  const currency = rng.pick(currencies);
  const kind = rng.pick(["customer", "agent", "system"] as const);
  return {
    event_type: "order_cancelled",
    event_version: 1,
    event_id: c.eventId,
    order_ref: earlierOrder(c),
    cancelled_on: localIso(c.ms, false),
    reason_code: rng.pick(["CUST_REQ", "CUST_REQ", "OOS", "FRAUD", "PAY_FAIL", ""] as const),
    reason_text: rng.chance(0.4) ? rng.pick(["Kunde hat sich umentschieden", "Lieferzeit zu lang", "duplicate order"]) : null,
    refund: refunded ? { amount: decimal(rng.int(199, 50_000), currency), ccy: currency } : null,
    cancelled_by: kind === "agent" ? { kind, id: `AG-${rng.int(1, 300)}`, name: rng.pick(firstNames) } : { kind, id: kind },
    notify: { email_sent: rng.chance(0.9) ? "Y" : "N", template: "order_cancel_v3" },
    audit: audit(c, "ORDERS_MONOLITH"),
    routing: routing(c),
    debug: c.debug,
  };
}

function paymentSettledV1(c: Ctx): PaymentSettledV1 {
  const { rng } = c;
  const batch = rng.chance(0.2);
  const currency = rng.pick(currencies);
  return {
    event_type: "payment_settled",
    event_version: 1,
    event_id: c.eventId,
    payment: {
      id: `PAY-${rng.hex(10).toUpperCase()}`,
      order_id: earlierOrder(c),
      amount_minor: String(currency === "JPY" ? rng.int(300, 60_000) : rng.int(199, 90_000)),
      currency: currency.toLowerCase(),
      method: rng.pick(["CARD", "CARD", "PAYPAL", "SEPA", "GIFTCARD", "INVOICE"] as const),
      status: rng.pick(["CAPTURED", "CAPTURED", "SETTLED", "SETTLED", "AUTHORIZED", "FAILED", "REFUNDED"] as const),
      psp_ref: `${rng.pick(["ADY", "STR", "PPL"])}-${rng.hex(12)}`,
    },
    settled_at_ms: batch ? null : c.ms,
    settled_at: localIso(c.ms, true),
    psp_raw: {
      response_code: rng.pick(["00", "00", "05", "51"]),
      avs_result: rng.pick(["Y", "N", "U"]),
      cvv_result: rng.pick(["M", "N"]),
      acquirer: rng.pick(["acq-eu-1", "acq-eu-2"]),
      ...(rng.chance(0.3) ? { raw_message: `AUTH OK ${rng.hex(8)}` } : {}),
    },
    audit: audit(c, "ORDERS_MONOLITH"),
    routing: routing(c),
    debug: c.debug,
  };
}

function shipmentUpdateV1(c: Ctx): ShipmentUpdateV1 {
  const { rng } = c;
  const status = rng.pick(["LABEL_CREATED", "DISPATCHED", "DISPATCHED", "IN_TRANSIT", "DELIVERED", "RETURNED"] as const);
  const tracking = `${rng.pick(["JJD", "1Z", "00340"])}${rng.int(1e8, 9e8)}`;
  const warehouse = rng.pick(warehouses);
  const eta = new Date(c.ms + rng.int(1, 5) * 86_400_000).toISOString().slice(0, 10);
  return {
    event_type: "shipment_update",
    event_version: 1,
    event_id: c.eventId,
    shipment: {
      shipment_id: `SH-${rng.hex(8).toUpperCase()}`,
      order_id: earlierOrder(c),
      status,
      carrier: {
        code: rng.pick(["DHL", "dpd", "UPS", "GLS"]),
        service: rng.pick(["STANDARD", "EXPRESS"]),
        account_no: String(rng.int(1e6, 9e6)),
      },
      // The handheld app (about a quarter of updates) writes trackingNumber.
      ...(rng.chance(0.25) ? { trackingNumber: tracking } : { tracking_no: tracking }),
      packages: Array.from({ length: rng.int(1, 2) }, () => ({
        weight_g: String(rng.int(150, 9000)),
        dims_cm: `${rng.int(10, 60)}x${rng.int(10, 40)}x${rng.int(5, 30)}`,
        items: Array.from({ length: rng.int(1, 3) }, () => ({ sku: sku(rng), qty: rng.int(1, 3) })),
      })),
      eta: rng.chance(0.2) ? "" : eta,
    },
    event_time: localIso(c.ms, true),
    event_time_ms: c.ms,
    warehouse: { id: warehouse, name: `Lager ${warehouse}`, ...(rng.chance(0.5) ? { dock: `D${rng.int(1, 12)}` } : {}) },
    audit: audit(c, "WMS"),
    routing: routing(c),
    debug: c.debug,
  };
}

function customerSignupV1(c: Ctx): CustomerSignupV1 {
  const { rng } = c;
  const first = rng.pick(firstNames);
  const last = rng.pick(lastNames);
  // Sign-up forms never normalised e-mail addresses.
  const email = `${rng.chance(0.2) ? " " : ""}${first}.${last}${rng.int(1, 99)}@Example.com`;
  return {
    event_type: "customer_signup",
    event_version: 1,
    event_id: c.eventId,
    customer: {
      customer_id: customerId(rng),
      email,
      first_name: first,
      last_name: last,
      locale: rng.pick(locales),
      newsletter: rng.chance(0.4) ? "1" : "0",
      ...(rng.chance(0.5) ? { birth_year: String(rng.int(1950, 2005)) } : {}),
    },
    default_address: rng.chance(0.6) ? customerAddress(rng) : null,
    signup_ts: c.ms,
    signup_source: rng.pick(["web", "app", "store"] as const),
    marketing: { ...marketing(c), referrer: rng.pick(["friend", "search", "ad"]), consent_version: "2018-05" },
    audit: audit(c, "CRM"),
    routing: routing(c),
    debug: c.debug,
  };
}

function customerProfileUpdatedV1(c: Ctx): CustomerProfileUpdatedV1 {
  const { rng } = c;
  const changes: Mutable<CustomerProfileUpdatedV1["changes"]> = {};
  const what = rng.int(0, 4);
  if (what === 0) changes.email = `user${rng.int(1, 9999)}@example.com`;
  if (what === 1) changes.phone = `+49 30 ${rng.int(1_000_000, 9_999_999)}`;
  if (what === 2 || what === 4) changes.shipping_address = customerAddress(rng);
  if (what === 3 || what === 4) changes.billing_address = customerAddress(rng);
  if (rng.chance(0.2)) changes.display_name = rng.pick(firstNames);
  return {
    event_type: "customer_profile_updated",
    event_version: 1,
    event_id: c.eventId,
    customer_id: customerId(rng),
    updated_at: localIso(c.ms, true),
    changed_fields: Object.keys(changes).join(","),
    changes,
    changed_via: rng.pick(["self_service", "agent", "import"] as const),
    audit: audit(c, "CRM"),
    routing: routing(c),
    debug: c.debug,
  };
}

function stockMovementV1(c: Ctx): StockMovementV1 {
  const { rng } = c;
  const movement = rng.pick(["GOODS_IN", "SALE", "SALE", "SALE", "RETURN", "DAMAGE", "STOCKTAKE"] as const);
  const sign = movement === "SALE" || movement === "DAMAGE" ? -1 : movement === "STOCKTAKE" ? rng.pick([-1, 1]) : 1;
  return {
    event_type: "stock_movement",
    event_version: 1,
    event_id: c.eventId,
    warehouse_code: rng.pick(warehouses),
    movement_type: movement,
    moved_at: localIso(c.ms, false),
    lines: Array.from({ length: movement === "GOODS_IN" ? rng.int(1, 6) : rng.int(1, 2) }, () => ({
      sku: sku(rng),
      delta: String(sign * rng.int(1, movement === "GOODS_IN" ? 200 : 5)),
      on_hand_after: String(rng.int(0, 900)),
      ...(rng.chance(0.5) ? { bin: `${rng.pick(["A", "B", "C"])}-${rng.int(1, 40)}-${rng.int(1, 6)}` } : {}),
    })),
    operator: { id: `OP-${rng.int(1, 80)}`, terminal: `T${rng.int(1, 20)}` },
    audit: audit(c, "WMS"),
    routing: routing(c),
    debug: c.debug,
  };
}

function systemPingV1(c: Ctx): SystemPingV1 {
  return {
    event_type: "system_ping",
    event_version: 1,
    event_id: c.eventId,
    sent_at_ms: c.ms,
    origin: c.rng.pick(hosts),
    debug: c.debug,
  };
}

/** Cumulative weights (out of 100) of the legacy event kinds in the generated mix. */
const mix: readonly [number, (c: Ctx) => LegacyPayload][] = [
  [12, orderCreatedV1],
  [30, orderCreatedV2],
  [36, orderCancelledV1],
  [50, paymentSettledV1],
  [64, shipmentUpdateV1],
  [72, customerSignupV1],
  [80, customerProfileUpdatedV1],
  [98, stockMovementV1],
  [100, systemPingV1],
];

// 3 KiB of base64-looking filler, sliced for padding: cheap and JSON-safe (1 byte per char).
const filler = createRng(0x5eed)
  .hex(3072)
  .replace(/[0-3]/g, (d) => "+/=_"[Number(d)]!);

function padding(length: number, offset: number): string {
  let out = "";
  while (out.length < length) out += filler.slice(offset % 512);
  return out.slice(0, length);
}

const PADDING_KEY_BYTES = Buffer.byteLength(',"padding":""');

/** See GenerateOptions.targetBytes. Runs only when a target is set (a few extra JSON.stringify calls). */
function fitToSize(payload: LegacyPayload, debug: Mutable<LegacyDebug>, target: number, rng: Rng): void {
  const size = (): number => Buffer.byteLength(JSON.stringify(payload));
  debug.padding = "";
  // The baggage lives at the top level, or under `context` in order_created v2.
  const holder = ("context" in payload ? payload.context : payload) as { marketing?: unknown; routing?: unknown };
  for (const baggage of ["marketing", "routing"] as const) {
    if (size() <= target) break;
    delete holder[baggage];
  }
  const missing = target - size();
  if (missing > 0) debug.padding = padding(missing, rng.int(0, 511));
  // Still too large: drop the empty padding key, unless that would undershoot the target.
  else if (missing <= -PADDING_KEY_BYTES) delete debug.padding;
}

/**
 * The legacy event number `sequence` of `tenant` in the stream of `seed`. Deterministic in
 * (seed, tenant, sequence); event_id is unique per (seed, tenant, sequence).
 */
export function generateLegacyEvent(
  seed: number,
  tenant: string,
  sequence: number,
  options: GenerateOptions = {},
): LegacyPayload {
  const tenantHash = fnv1a(tenant);
  const rng = createRng(seed, tenantHash, sequence, 0x6d2b79f5 ^ Math.floor(sequence / 4294967296));
  const ms = EPOCH_MS + sequence * 250 + rng.int(0, 249);
  const eventId = `${(seed >>> 0).toString(16)}-${tenantHash.toString(16)}-${sequence.toString(16)}-${rng.hex(8)}`;
  const debug: Mutable<LegacyDebug> = {
    host: rng.pick(hosts),
    build: rng.pick(builds),
    duration_ms: String(rng.int(1, 400)),
    thread: `pool-${rng.int(1, 8)}-thread-${rng.int(1, 64)}`,
  };
  const roll = rng.int(0, 99);
  const make = mix.find(([upTo]) => roll < upTo)![1];
  const payload = make({ rng, tenant, sequence, ms, eventId, debug });
  const target = options.targetBytes ?? 0;
  if (target > 0) fitToSize(payload, debug, target, rng);
  return payload;
}
