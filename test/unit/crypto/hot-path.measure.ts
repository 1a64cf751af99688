// CPU cost per call of the envelope/crypto hot path (not a test: run it by hand).
//   node test/unit/crypto/hot-path.measure.ts [iterations]
// Measures process.cpuUsage() (user + system) over N iterations after a warm-up; best of 3 runs.
import { createSecretKey, randomBytes } from "node:crypto";
import { CachingKeyring } from "../../../src/crypto/caching-keyring.ts";
import { openLegacyEnvelope } from "../../../src/crypto/decrypt.ts";
import { StaticKeyring } from "../../../src/crypto/static-keyring.ts";
import { parseLegacyEnvelope } from "../../../src/envelope/legacy-envelope.ts";
import { unwrapSqsBody } from "../../../src/envelope/sqs-body.ts";
import { sealLegacyEnvelope } from "../../../tools/legacy-crypto/seal.ts";

const iterations = Number(process.argv[2] ?? 200_000);
const rawKey = randomBytes(32);
const key = createSecretKey(rawKey);
const tenant = "tenant-0007";

function legacyEvent(size: number): Buffer {
  const head = '{"type":"order.placed","version":1,"id":"evt-1","body":{"pad":"';
  return Buffer.from(`${head}${"x".repeat(size - head.length - 3)}"}}`);
}
const env1k = sealLegacyEnvelope(legacyEvent(1024), tenant, 2, "evt-1", key);
const env4k = sealLegacyEnvelope(legacyEvent(4096), tenant, 2, "evt-1", key);
const raw1k = Buffer.from(env1k);
const notification1k = Buffer.from(
  JSON.stringify(
    {
      Type: "Notification",
      MessageId: "2d9a3f3e-1c1b-5a4b-9d0b-3c0f6a1e7b11",
      TopicArn: "arn:aws:sns:us-east-1:123456789012:legacy-events",
      Message: env1k,
      Timestamp: "2025-01-02T03:04:05.678Z",
      SignatureVersion: "1",
      Signature: randomBytes(256).toString("base64"),
      SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
      UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:1:x:y",
      MessageAttributes: { traceparent: { Type: "String", Value: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } },
    },
    null,
    2,
  ).replaceAll('": ', '" : '),
);
const parsed1k = parseLegacyEnvelope(env1k);
const parsed4k = parseLegacyEnvelope(env4k);

const staticKeyring = StaticKeyring.fromObject({ tenants: { [tenant]: { "2": rawKey.toString("base64") } } }, "measure");
const cachingKeyring = new CachingKeyring(
  { description: "measure", resolve: async () => Buffer.from(rawKey) },
  { maxAgeMs: 3_600_000, maxUses: Number.MAX_SAFE_INTEGER },
);
await cachingKeyring.load(tenant, 2);
// 300 tenants in the cache, like a real deployment (Map size affects lookups little, but honestly)
for (let i = 0; i < 300; i++) await cachingKeyring.load(`tenant-${i}`, 1);

let sink = 0;
const cases: [string, () => void][] = [
  [`unwrapSqsBody notification (${notification1k.length} B)`, () => (sink += unwrapSqsBody(notification1k).payload.length)],
  [`unwrapSqsBody raw (${raw1k.length} B)`, () => (sink += unwrapSqsBody(raw1k).payload.length)],
  [`parseLegacyEnvelope 1 KB event (${env1k.length} B)`, () => (sink += parseLegacyEnvelope(env1k).keyVersion)],
  [`parseLegacyEnvelope 4 KB event (${env4k.length} B)`, () => (sink += parseLegacyEnvelope(env4k).keyVersion)],
  ["openLegacyEnvelope 1 KB", () => (sink += openLegacyEnvelope(parsed1k, key).length)],
  ["openLegacyEnvelope 4 KB", () => (sink += openLegacyEnvelope(parsed4k, key).length)],
  ["CachingKeyring.peek (KMS keyring hot path)", () => (sink += cachingKeyring.peek(tenant, 2) === undefined ? 0 : 1)],
  ["StaticKeyring.peek", () => (sink += staticKeyring.peek(tenant, 2) === undefined ? 0 : 1)],
  [
    "notification → unwrap + parse + peek + open, 1 KB",
    () => {
      const envelope = parseLegacyEnvelope(unwrapSqsBody(notification1k).payload);
      sink += openLegacyEnvelope(envelope, cachingKeyring.peek(envelope.tenant, envelope.keyVersion)!).length;
    },
  ],
  [
    "raw → unwrap + parse + peek + open, 1 KB",
    () => {
      const envelope = parseLegacyEnvelope(unwrapSqsBody(raw1k).payload);
      sink += openLegacyEnvelope(envelope, cachingKeyring.peek(envelope.tenant, envelope.keyVersion)!).length;
    },
  ],
  ["sealLegacyEnvelope 1 KB (simulator)", () => (sink += sealLegacyEnvelope(legacyEvent(1024), tenant, 2, "evt-1", key).length)],
];

function cpuMicros(run: () => void, n: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

console.log(`node ${process.version}, ${iterations} iterations per run, best of 3, µs CPU per call`);
for (const [name, run] of cases) {
  cpuMicros(run, Math.min(20_000, iterations)); // warm-up (JIT)
  const best = Math.min(cpuMicros(run, iterations), cpuMicros(run, iterations), cpuMicros(run, iterations));
  console.log(`${best.toFixed(3).padStart(8)} µs  ${name}`);
}
if (sink === 42) console.log("");
await cachingKeyring.close();
