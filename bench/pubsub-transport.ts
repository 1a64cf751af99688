// The Pub/Sub transport in isolation (docs/decisions/0028): on raw 1 KB messages pre-filled into
// subscriptions of its own, what pstest returns per Pull, the CPU of one Pull and of one
// Acknowledge call (sequential, one at a time, so nothing overlaps), the decode share, and the
// bare drain (bench/baselines.ts barePubSubDrain) repeated `--rounds` times.
// CPU = process.cpuUsage() (user + system) of this process; publishing is done before each
// measured window.
//
//   node [--expose-gc] bench/pubsub-transport.ts [--events N] [--subs N] [--rounds N] [--only calls|drain]
//        [--legacy] [--google] [--compare] [--pull 100,1000,-500]
// --legacy: sealed legacy events through the simulator (as the full benchmark fills); --google:
// Google's emulator; --compare: the grpc-js transport of before beside the current one;
// --pull: pull sizes in turn (a negative one: the StreamingPull prototype with that many
// outstanding messages per stream); --expose-gc: a full GC before each measured drain.

import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { v1 } from "@google-cloud/pubsub";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { meshEndpoints } from "../infra/stack/ports.ts";
import type { PulledMessage } from "../src/sources/pubsub/subscriber-api.ts";
import { createSubscriberApi, type SubscriberApi } from "../src/sources/pubsub/subscriber-api.ts";
import {
  decodePullResponse,
  encodeAcknowledgeRequest,
  encodeModifyAckDeadlineRequest,
  encodePullRequest,
} from "../src/sources/pubsub/subscriber-codec.ts";
import { createPubSubClient } from "../tools/local-mesh/pubsub-client.ts";
import type { PubSubWorldFile } from "../tools/simulator/pubsub-world.ts";
import { type BaselineResult, barePubSubDrain } from "./baselines.ts";
import { BENCH_PUBSUB_PROJECT, deletePubSubBenchWorld, provisionPubSubBenchWorld, publishPubSub } from "./pubsub-mesh.ts";

const argument = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const only = (() => {
  const i = process.argv.indexOf("--only");
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
const EVENTS = argument("--events", 20_000);
const SUBS = argument("--subs", 20);
const ROUNDS = argument("--rounds", 2);
const PER_PULL = 100;
/** --pull 100,1000: the drain's pull sizes, taken in turn within each round (A/B interleaved). */
const PULL_SIZES = (() => {
  const i = process.argv.indexOf("--pull");
  return i >= 0 ? process.argv[i + 1]!.split(",").map(Number) : [PER_PULL];
})();
const CONCURRENCY = 16;

/** --google: Google's emulator (Java) instead of pstest; raw messages only. */
const emulatorHost = process.argv.includes("--google")
  ? meshEndpoints.pubsubGoogleEmulatorHost
  : meshEndpoints.pubsubEmulatorHost;
const pubsub = createPubSubClient({ projectId: BENCH_PUBSUB_PROJECT, emulatorHost });
const publisher = new v1.PublisherClient({ ...pubsub.options });
const label = `mbtr-${Date.now().toString(36)}`;

const topics: string[] = [];
const subscriptions: string[] = [];
for (let i = 0; i < SUBS; i++) {
  const [topic] = await pubsub.createTopic(`${label}-t${i}`);
  const [subscription] = await topic.createSubscription(`${label}-s${i}`, { ackDeadlineSeconds: 60 });
  topics.push(topic.name);
  subscriptions.push(subscription.name);
}

// ~1.1 KB of base64-like text, like a sealed 1 KB legacy envelope.
const payload = (i: number): Buffer => Buffer.from(`${"eyJ0ZW5hbnQiOiJ0LTAwMSIsImtleV92ZXJzaW9uIjoxfQ".repeat(23)}-${i}`);

async function fill(count: number, targets: readonly string[] = topics): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const start = next;
      const n = Math.min(100, count - start);
      next += n;
      const topic = targets[Math.floor(start / 100) % targets.length]!;
      const messages = Array.from({ length: n }, (_, k) => ({
        data: payload(start + k),
        attributes: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
      }));
      await publisher.publish({ topic, messages });
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function perCall(api: SubscriberApi): Promise<void> {
  const sub = subscriptions[0]!;
  const topic = topics[0]!;
  // Empty pulls: the idle cost.
  for (let i = 0; i < 50; i++) await api.pull(sub, PER_PULL);
  let c0 = cpuNow();
  const EMPTY = 400;
  for (let i = 0; i < EMPTY; i++) await api.pull(sub, PER_PULL);
  const emptyUs = (cpuNow() - c0) / EMPTY;

  // Full pulls, sequential, no ack in between (so every pull finds 100 not outstanding).
  const PULLS = 60;
  await fill(PULLS * PER_PULL + 500, [topic]);
  const sizes: number[] = [];
  const ackBatches: string[][] = [];
  const bytes: number[] = [];
  c0 = cpuNow();
  for (let i = 0; i < PULLS; i++) {
    const got = await api.pull(sub, PER_PULL);
    sizes.push(got.length);
    ackBatches.push(got.map((m) => m.ackId));
    bytes.push(got.reduce((s, m) => s + m.data.length, 0));
  }
  const fullUs = (cpuNow() - c0) / PULLS;
  c0 = cpuNow();
  for (const ids of ackBatches) await api.acknowledge(sub, ids);
  const ackUs = (cpuNow() - c0) / ackBatches.length;
  // Empty acknowledge-sized call: ModifyAckDeadline with 1 id (per-call floor).
  const one = ackBatches[0]!.slice(0, 1);
  c0 = cpuNow();
  for (let i = 0; i < 200; i++) await api.modifyAckDeadline(sub, one, 60);
  const modOneUs = (cpuNow() - c0) / 200;
  const avg = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  console.log(
    `per call (sequential): empty Pull ${emptyUs.toFixed(0)} µs; Pull of ${PER_PULL} asked → ${avg.toFixed(1)} returned ` +
      `(min ${Math.min(...sizes)}, max ${Math.max(...sizes)}), ${fullUs.toFixed(0)} µs per call (${(fullUs / avg).toFixed(2)} µs per message); ` +
      `Acknowledge of ${avg.toFixed(0)} ids ${ackUs.toFixed(0)} µs; ModifyAckDeadline of 1 id ${modOneUs.toFixed(0)} µs`,
  );
  // Concurrent pulls on one pre-filled subscription: what pstest returns with 16 asking at once.
  await fill(CONCURRENCY * 10 * PER_PULL, [topic]);
  const csizes: number[] = [];
  const pending: Promise<void>[] = [];
  for (let w = 0; w < CONCURRENCY; w++) {
    pending.push(
      (async () => {
        for (let i = 0; i < 10; i++) {
          const got = await api.pull(sub, PER_PULL);
          csizes.push(got.length);
          if (got.length > 0)
            await api.acknowledge(
              sub,
              got.map((m) => m.ackId),
            );
        }
      })(),
    );
  }
  await Promise.all(pending);
  const cavg = csizes.reduce((a, b) => a + b, 0) / csizes.length;
  console.log(
    `16 pulls in flight on one subscription: ${csizes.length} pulls, ${cavg.toFixed(1)} per pull, ` +
      `${csizes.filter((n) => n === PER_PULL).length} full, ${csizes.filter((n) => n === 0).length} empty`,
  );
  // Drain leftovers of that subscription.
  for (;;) {
    const got = await api.pull(sub, 1000);
    if (got.length === 0) break;
    await api.acknowledge(
      sub,
      got.map((m) => m.ackId),
    );
  }
  void bytes;
}

/**
 * A StreamingPull drain (a prototype, for the measurement only): one stream per subscription,
 * at most `outstanding` messages unacked on each (server-side flow control), acks written on
 * the stream in batches of ≤ 100 ids or every 20 ms.
 */
async function streamDrain(
  subs: readonly string[],
  expected: number,
  outstanding: number,
): Promise<BaselineResult & { responses: number }> {
  const client = new Client(emulatorHost, credentials.createInsecure(), { "grpc.max_receive_message_length": -1 });
  let drained = 0;
  let responses = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const streams = subs.map((subscription) => {
    const call = client.makeBidiStreamRequest<Uint8Array, PulledMessage[]>(
      "/google.pubsub.v1.Subscriber/StreamingPull",
      (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      decodePullResponse,
      new Metadata(),
      {},
    );
    call.write(
      new BinaryWriter()
        .tag(1, WireType.LengthDelimited)
        .string(subscription)
        .tag(5, WireType.Varint)
        .int32(60)
        .tag(7, WireType.Varint)
        .int64(outstanding)
        .finish(),
    );
    const pending: string[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const w = new BinaryWriter();
      for (const id of pending) w.tag(2, WireType.LengthDelimited).string(id);
      pending.length = 0;
      call.write(w.finish());
    };
    call.on("data", (messages: PulledMessage[]) => {
      responses++;
      drained += messages.length;
      for (const m of messages) pending.push(m.ackId);
      if (pending.length >= 100) flush();
    });
    call.on("error", () => undefined);
    return { call, flush };
  });
  const timer = setInterval(() => {
    for (const s of streams) s.flush();
  }, 20);
  while (drained < expected && performance.now() - started < 180_000) await new Promise((r) => setTimeout(r, 5));
  for (const s of streams) s.flush();
  await new Promise((r) => setTimeout(r, 50));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  for (const s of streams) s.call.cancel();
  client.close();
  return {
    events: drained,
    seconds,
    eventsPerSecond: drained / seconds,
    cpuUsPerEvent: (cpu.user + cpu.system) / Math.max(1, drained),
    responses,
  };
}

/**
 * The transport before decision 0028, for the A/B: the same codec over a grpc-js channel
 * (makeUnaryRequest, a Metadata with the routing header per call), as subscriber-api.ts had it.
 */
function grpcJsApi(): SubscriberApi {
  const client = new Client(emulatorHost, credentials.createInsecure(), {
    "grpc.max_receive_message_length": -1,
    "grpc.max_send_message_length": -1,
  });
  const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const unary = <Res>(method: string, subscription: string, request: Uint8Array, decode: (b: Buffer) => Res) => {
    const metadata = new Metadata();
    metadata.set("x-goog-request-params", `subscription=${encodeURIComponent(subscription)}`);
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest<Uint8Array, Res>(
        `/google.pubsub.v1.Subscriber/${method}`,
        asBuffer,
        decode,
        request,
        metadata,
        { deadline: Date.now() + 30_000 },
        (error, value) => (error === null ? resolve(value as Res) : reject(error)),
      );
    });
  };
  const ignore = (): undefined => undefined;
  return {
    pull: (subscription, maxMessages) =>
      unary("Pull", subscription, encodePullRequest(subscription, maxMessages), decodePullResponse),
    async acknowledge(subscription, ackIds) {
      await unary("Acknowledge", subscription, encodeAcknowledgeRequest(subscription, ackIds), ignore);
    },
    async modifyAckDeadline(subscription, ackIds, seconds) {
      await unary("ModifyAckDeadline", subscription, encodeModifyAckDeadlineRequest(subscription, ackIds, seconds), ignore);
    },
    getSubscription: () => Promise.reject(new Error("not needed here")),
    listSubscriptions: () => Promise.reject(new Error("not needed here")),
    async close() {
      client.close();
    },
  };
}

async function drainRound(api: SubscriberApi, name: string, perPull: number): Promise<void> {
  let subs: readonly string[] = subscriptions;
  let count = EVENTS;
  if (legacy) {
    // The full benchmark's way: sealed legacy events through the simulator's publisher.
    const world = await provisionPubSubBenchWorld(`${label}-w${worlds.length}`, SUBS);
    worlds.push(world);
    const filled = await publishPubSub(world, {
      count: EVENTS,
      rate: 0,
      seed: 900 + worlds.length,
      targetBytes: 1024,
      maxMs: 300_000,
      concurrency: 16,
    });
    count = filled.published;
    subs = Object.values(world.pubsub.tenants).map((route) => route.subscription);
  } else await fill(EVENTS);
  // With --expose-gc: the publisher's garbage collected before the window, not charged to the drain.
  (globalThis as { gc?: () => void }).gc?.();
  const fromUs = process.hrtime.bigint() / 1000n;
  const cpu0 = process.cpuUsage();
  if (perPull < 0) {
    const r = await streamDrain(subs, count, -perPull);
    console.log(
      `StreamingPull drain (outstanding ${-perPull}): ${r.events} events in ${r.seconds.toFixed(1)} s (${r.eventsPerSecond.toFixed(0)}/s), ` +
        `${r.cpuUsPerEvent.toFixed(1)} µs CPU/event, ${(r.events / Math.max(1, r.responses)).toFixed(1)} messages per response`,
    );
    return;
  }
  const result = await barePubSubDrain(api, subs, count, {
    concurrency: CONCURRENCY,
    maxMessagesPerPull: perPull,
    timeoutMs: 180_000,
  });
  const cpu = process.cpuUsage(cpu0);
  // With node --cpu-prof: the window of this drain in the profile's clock (bench/profile.ts).
  console.log(`window ${fromUs} ${process.hrtime.bigint() / 1000n}`);
  console.log(
    `bare drain [${name}, pull ${perPull}]: ${result.events} events in ${result.seconds.toFixed(1)} s (${result.eventsPerSecond.toFixed(0)}/s), ` +
      `${result.cpuUsPerEvent.toFixed(1)} µs CPU/event, ${result.pulls} pulls (${result.emptyPulls} empty, ` +
      `${(result.events / Math.max(1, result.pulls - result.emptyPulls)) | 0} per non-empty pull); user ${(cpu.user / result.events).toFixed(1)} + system ${(cpu.system / result.events).toFixed(1)} µs/event`,
  );
}

const legacy = process.argv.includes("--legacy");
const worlds: PubSubWorldFile[] = [];
const api = createSubscriberApi({ projectId: BENCH_PUBSUB_PROJECT, emulatorHost }, { callTimeoutMs: 30_000 });
/** --compare: the grpc-js transport of before, interleaved with the current one. */
const before = process.argv.includes("--compare") ? grpcJsApi() : undefined;
const apis: [string, SubscriberApi][] = [
  ...(before === undefined ? [] : ([["grpc-js (before)", before]] as [string, SubscriberApi][])),
  ["http2 (grpc-unary.ts)", api],
];
try {
  for (let r = 0; r < ROUNDS; r++)
    for (const [name, a] of apis) {
      if (only !== "drain") {
        console.log(`[${name}]`);
        await perCall(a);
      }
      if (only !== "calls") for (const perPull of PULL_SIZES) await drainRound(a, name, perPull);
    }
} finally {
  await api.close();
  await before?.close();
  for (const world of worlds) await deletePubSubBenchWorld(world);
  for (const s of subscriptions)
    await pubsub
      .subscription(s)
      .delete()
      .catch(() => undefined);
  for (const t of topics)
    await pubsub
      .topic(t)
      .delete()
      .catch(() => undefined);
  await publisher.close();
  await pubsub.close();
}
