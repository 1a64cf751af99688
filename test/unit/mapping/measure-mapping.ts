// Measures the protobuf encoder (ADR 0003) and the mapping path on the generator's mix.
// Run: node test/unit/mapping/measure-mapping.ts   (not a test; prints CPU and wall µs per call)
// protobufjs is only a transitive dependency (of @google-cloud/pubsub); its rows are skipped without it.
import { createRequire } from "node:module";
import { toBinary } from "@bufbuild/protobuf";
import type { OrderPlaced } from "../../../catalog/gen/meshbridge/catalog/v1/order_placed_pb.ts";
import { createCatalogRegistry } from "../../../catalog/index.ts";
import { generateLegacyEvent } from "../../../catalog/legacy/generate.ts";
import { orderPlacedTopic } from "../../../catalog/topics.ts";
import { cloudEventId } from "../../../src/mapping/identity.ts";
import { parseLegacyEvent } from "../../../src/mapping/parse.ts";

const require = createRequire(import.meta.url);
let protobufjs: typeof import("protobufjs") | undefined;
try {
  protobufjs = require("protobufjs") as typeof import("protobufjs");
} catch {
  protobufjs = undefined;
}

function time(label: string, n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(n, 20000); i++) fn(i); // warm-up
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    runs.push(Number(process.hrtime.bigint() - t0) / n / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / n);
  }
  runs.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(52)} wall median ${runs[2]!.toFixed(3)} µs (min ${runs[0]!.toFixed(3)}) | cpu median ${cpu[2]!.toFixed(3)} µs (min ${cpu[0]!.toFixed(3)}) over 5×${n}`,
  );
  return runs[2]!;
}

const message: OrderPlaced = {
  $typeName: "meshbridge.catalog.v1.OrderPlaced",
  tenantId: "tenant-042",
  orderId: "O-00012345",
  customerId: "C-004711",
  placedAt: "2024-03-14T09:15:22.133Z",
  channel: 1,
  lines: [
    { $typeName: "meshbridge.catalog.v1.OrderPlaced.LineItem", sku: "SKU-00042", quantity: 2, unitPriceMinor: 1999n },
    { $typeName: "meshbridge.catalog.v1.OrderPlaced.LineItem", sku: "SKU-00007", quantity: 1, unitPriceMinor: 550n },
    { $typeName: "meshbridge.catalog.v1.OrderPlaced.LineItem", sku: "SKU-00311", quantity: 1, unitPriceMinor: 12999n },
  ],
  totalMinor: 17547n,
  currency: "EUR",
  shippingAddress: {
    $typeName: "meshbridge.catalog.v1.OrderPlaced.Address",
    lines: ["Invalidenstraße 12", "2. Stock"],
    postalCode: "10115",
    city: "Berlin",
    countryCode: "DE",
  },
};
const es = toBinary(orderPlacedTopic.schema, message);
console.log("OrderPlaced encoded size", es.length, "bytes");
const N = 200_000;
time("@bufbuild/protobuf toBinary(OrderPlaced)", N, () => toBinary(orderPlacedTopic.schema, message));

if (protobufjs !== undefined) {
  const root = protobufjs.loadSync(orderPlacedTopic.protoPath);
  const Type = root.lookupType("meshbridge.catalog.v1.OrderPlaced");
  const plain = {
    tenantId: message.tenantId,
    orderId: message.orderId,
    customerId: message.customerId,
    placedAt: message.placedAt,
    channel: 1,
    lines: message.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceMinor: Number(l.unitPriceMinor) })),
    totalMinor: 17547,
    currency: "EUR",
    shippingAddress: { lines: ["Invalidenstraße 12", "2. Stock"], postalCode: "10115", city: "Berlin", countryCode: "DE" },
  };
  const pjMsg = Type.fromObject(plain);
  const pj = Type.encode(pjMsg).finish();
  console.log("protobufjs bytes identical:", Buffer.compare(Buffer.from(es), Buffer.from(pj)) === 0, pj.length);
  time("protobufjs Type.encode(msg).finish()", N, () => Type.encode(pjMsg).finish());
  time("protobufjs Type.encode(Type.fromObject(plain)).finish()", N, () => Type.encode(Type.fromObject(plain)).finish());
}

// Mapping path on generator output (natural size): parse + map + toBinary of each output + ce_id.
const tenants = ["acme", "globex", "initech", "umbrella"];
const inputs = Array.from({ length: 20_000 }, (_, i) => {
  const tenant = tenants[i % 4]!;
  return { tenant, bytes: Buffer.from(JSON.stringify(generateLegacyEvent(11, tenant, i))) };
});
const avgBytes = inputs.reduce((s, x) => s + x.bytes.length, 0) / inputs.length;
console.log("generator mix: mean payload", Math.round(avgBytes), "bytes");
const registry = createCatalogRegistry("dead-letter");
let outs = 0;
for (const x of inputs) outs += registry.map(parseLegacyEvent(x.bytes, x.tenant), { tenant: x.tenant }).length;
console.log("outputs per legacy event", (outs / inputs.length).toFixed(3));
const M = inputs.length;
time("parseLegacyEvent (JSON.parse incl.) per legacy event", M, (i) => parseLegacyEvent(inputs[i]!.bytes, inputs[i]!.tenant));
const parsed = inputs.map((x) => parseLegacyEvent(x.bytes, x.tenant));
time("registry.map per legacy event", M, (i) => registry.map(parsed[i]!, { tenant: inputs[i]!.tenant }));
const mapped = parsed.map((e, i) => registry.map(e, { tenant: inputs[i]!.tenant }));
time("toBinary of all outputs per legacy event", M, (i) => {
  for (const e of mapped[i]!) toBinary(e.schema, e.message);
});
time("cloudEventId", N, (i) => cloudEventId("tenant-042", `le-1a2b-${i}`, i & 1));
time("parse + map + toBinary + ce_id, per legacy event", M, (i) => {
  const x = inputs[i]!;
  const ev = parseLegacyEvent(x.bytes, x.tenant);
  const out = registry.map(ev, { tenant: x.tenant });
  for (let k = 0; k < out.length; k++) {
    toBinary(out[k]!.schema, out[k]!.message);
    cloudEventId(x.tenant, ev.id, k);
  }
});
time("@bufbuild/protobuf toBinary(OrderPlaced), after all schemas", N, () => toBinary(orderPlacedTopic.schema, message));
