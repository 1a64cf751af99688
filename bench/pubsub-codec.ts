// The Pub/Sub wire codec in isolation (docs/decisions/0008): CPU µs per call of the codec's hot
// path (decode a PullResponse of 100 messages with 1 KB data and 3 attributes; encode an
// Acknowledge and a ModifyAckDeadline request of 100 ack ids) and what importing it costs (RSS,
// heap, ms, in a fresh child process). Beside it, the reflection-based reference on the same
// generated schemas (`fromBinary` / `toBinary`), which the codec chose not to use.
// process.cpuUsage() (user + system) per run, best of 7 runs after a warm-up run (the machine is
// shared: the best run is the one least disturbed).
//
//   node bench/pubsub-codec.ts [--codec path/to/codec.ts] [--iterations N]
//
// --codec measures another module with the same exports (how the hand-written codec it replaced
// was measured: `git show <commit>:src/sources/pubsub/subscriber-codec.ts`, its one import of
// ./subscriber-api.ts pointed at src/, saved under bench/).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  AcknowledgeRequestSchema,
  ModifyAckDeadlineRequestSchema,
  PullResponseSchema,
} from "../src/sources/pubsub/gen/google/pubsub/v1/pubsub_pb.ts";
import type { PulledMessage } from "../src/sources/pubsub/subscriber-api.ts";

interface Codec {
  decodePullResponse(buf: Buffer): PulledMessage[];
  encodeAcknowledgeRequest(subscription: string, ackIds: readonly string[]): Uint8Array;
  encodeModifyAckDeadlineRequest(subscription: string, ackIds: readonly string[], seconds: number): Uint8Array;
}

const argument = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const DEFAULT_CODEC = new URL("../src/sources/pubsub/subscriber-codec.ts", import.meta.url).pathname;
const codecPath = resolve(argument("--codec") ?? DEFAULT_CODEC);

// Child mode: import the codec in a fresh process and report what that cost.
if (process.argv[2] === "--import-child") {
  const preload = process.argv[4] === "bufbuild";
  // What the bridge has loaded anyway before the source starts: the catalog's generated code.
  if (preload) {
    await import("@bufbuild/protobuf");
    await import("@bufbuild/protobuf/codegenv2");
  }
  const gc = globalThis.gc as () => void;
  gc();
  const before = process.memoryUsage();
  const start = performance.now();
  await import(pathToFileURL(process.argv[3] as string).href);
  const ms = performance.now() - start;
  gc();
  const after = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({ ms, rssKb: (after.rss - before.rss) / 1024, heapKb: (after.heapUsed - before.heapUsed) / 1024 }),
  );
  process.exit(0);
}

const SUBSCRIPTION = "projects/bench-project/subscriptions/tenant-07-orders";
const MESSAGES = 100;
// Real ack ids are ~150–200 characters of base64-like text.
const ackIdOf = (i: number) => `${"RVNEUkMtQVVUSC1BY2tJZC1QcmVmaXgtVGhhdC1Jcy1Mb25n".repeat(3)}-${i.toString().padStart(6, "0")}`;
const ackIds = Array.from({ length: MESSAGES }, (_, i) => ackIdOf(i));

function pullResponseBytes(): Buffer {
  const receivedMessages = ackIds.map((ackId, i) => ({
    ackId,
    deliveryAttempt: 0,
    message: {
      data: Buffer.from("x".repeat(1000) + String(i).padStart(24, "0")),
      attributes: {
        traceparent: `00-${"4bf92f3577b34da6a3ce929d0e0e4736"}-${"00f067aa0ba902b7"}-01`,
        tenant: `tenant-${i % 20}`,
        "event-type": "order.created",
      },
      messageId: String(17_000_000_000_000 + i),
      publishTime: timestampFromMs(1_764_300_000_000 + i),
      orderingKey: "",
    },
  }));
  return Buffer.from(toBinary(PullResponseSchema, create(PullResponseSchema, { receivedMessages })));
}

/** The reference: generated types through reflection, mapped to what the source needs. */
function decodeWithFromBinary(buf: Buffer): PulledMessage[] {
  const response = fromBinary(PullResponseSchema, buf);
  const out: PulledMessage[] = [];
  for (const received of response.receivedMessages) {
    const message = received.message;
    const data = message?.data;
    const time = message?.publishTime;
    out.push({
      ackId: received.ackId,
      messageId: message?.messageId ?? "",
      data: data === undefined ? Buffer.alloc(0) : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      attributes: message?.attributes ?? {},
      publishTimeMs: time === undefined ? 0 : Number(time.seconds) * 1000 + Math.floor(time.nanos / 1e6),
      orderingKey: message?.orderingKey ?? "",
      deliveryAttempt: received.deliveryAttempt,
    });
  }
  return out;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Best CPU µs per call over 7 runs of `iterations` calls, after one warm-up run. */
function cpuPerCall(iterations: number, call: () => unknown): number {
  let sink = 0;
  const run = () => {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) sink += (call() as { length: number }).length + 1;
    const used = process.cpuUsage(start);
    return (used.user + used.system) / iterations;
  };
  run();
  const runs = Array.from({ length: 7 }, run);
  if (sink === 0) throw new Error("the measured calls returned nothing");
  return Math.min(...runs);
}

function importCost(preload: string): { ms: number; rssKb: number; heapKb: number } {
  const samples = Array.from({ length: 5 }, () => {
    const child = spawnSync(
      process.execPath,
      ["--expose-gc", new URL(import.meta.url).pathname, "--import-child", codecPath, preload],
      { encoding: "utf8" },
    );
    if (child.status !== 0) throw new Error(`import child failed: ${child.stderr}`);
    return JSON.parse(child.stdout) as { ms: number; rssKb: number; heapKb: number };
  });
  return {
    ms: median(samples.map((s) => s.ms)),
    rssKb: median(samples.map((s) => s.rssKb)),
    heapKb: median(samples.map((s) => s.heapKb)),
  };
}

const codec = (await import(pathToFileURL(codecPath).href)) as Codec;
const iterations = Number(argument("--iterations") ?? 2000);
const response = pullResponseBytes();

const decoded = codec.decodePullResponse(response);
const reference = decodeWithFromBinary(response);
if (decoded.length !== MESSAGES || decoded[MESSAGES - 1]!.ackId !== reference[MESSAGES - 1]!.ackId) {
  throw new Error("the codec and the reference disagree on the fixture");
}

const empty = Buffer.alloc(0);
const rows: [string, number][] = [
  ["decode an empty PullResponse (idle pull) — codec", cpuPerCall(iterations * 100, () => codec.decodePullResponse(empty))],
  ["decode PullResponse (100 × 1 KB) — codec", cpuPerCall(iterations, () => codec.decodePullResponse(response))],
  ["decode PullResponse (100 × 1 KB) — fromBinary + mapping", cpuPerCall(iterations, () => decodeWithFromBinary(response))],
  [
    "encode Acknowledge (100 ids) — codec",
    cpuPerCall(iterations * 5, () => codec.encodeAcknowledgeRequest(SUBSCRIPTION, ackIds)),
  ],
  [
    "encode Acknowledge (100 ids) — create + toBinary",
    cpuPerCall(iterations * 5, () =>
      toBinary(AcknowledgeRequestSchema, create(AcknowledgeRequestSchema, { subscription: SUBSCRIPTION, ackIds: [...ackIds] })),
    ),
  ],
  [
    "encode ModifyAckDeadline (100 ids) — codec",
    cpuPerCall(iterations * 5, () => codec.encodeModifyAckDeadlineRequest(SUBSCRIPTION, ackIds, 60)),
  ],
  [
    "encode ModifyAckDeadline (100 ids) — create + toBinary",
    cpuPerCall(iterations * 5, () =>
      toBinary(
        ModifyAckDeadlineRequestSchema,
        create(ModifyAckDeadlineRequestSchema, { subscription: SUBSCRIPTION, ackIds: [...ackIds], ackDeadlineSeconds: 60 }),
      ),
    ),
  ],
];

console.log(`codec: ${codecPath}`);
console.log(`PullResponse fixture: ${response.length} bytes, ${MESSAGES} messages; ${iterations} calls per run`);
for (const [name, us] of rows) {
  const perMessage = name.startsWith("decode PullResponse") ? ` (${(us / MESSAGES).toFixed(2)} µs per message)` : "";
  console.log(`${name}: ${us.toFixed(1)} µs CPU per call${perMessage}`);
}
for (const preload of ["none", "bufbuild"]) {
  const cost = importCost(preload);
  console.log(
    `import cost (${preload === "none" ? "cold process" : "@bufbuild/protobuf already loaded"}): ` +
      `${cost.ms.toFixed(1)} ms, RSS +${(cost.rssKb / 1024).toFixed(2)} MB, heap +${(cost.heapKb / 1024).toFixed(2)} MB`,
  );
}
