// The pull pool's own share of the publish → pulled latency, without a machine in the way
// (decision 0027): the real PullScheduler and the source's worker loop on a virtual clock, 20
// subscriptions fed by an open-loop publisher that flushes what is due every 10 ms tick (ticks
// late by an event-loop delay drawn from a measured distribution, as on the loaded machine), each
// Pull taking a duration drawn from the Pull calls measured through the bridge by
// bench/pubsub-latency-probe.ts. Same seed for every policy, so the differences are the policies'.
//
//   node bench/pull-scheduler-sim.ts [--rate 350] [--seconds 60] [--calls FILE.json,...]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PullScheduler, type Slot, unscheduledSlot } from "../src/sources/pubsub/pull-scheduler.ts";
import type { ProbeDump } from "./pubsub-latency-child.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "350" },
    seconds: { type: "string", default: "60" },
    subscriptions: { type: "string", default: "20" },
    calls: { type: "string" },
    seed: { type: "string", default: "7" },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const subscriptionCount = Number(values.subscriptions);

/** Measured Pull durations and event-loop delays, or a fixed stand-in when no probe dump is given. */
const callMs: number[] = [];
const loopDelayMs: number[] = [];
for (const file of (values.calls ?? "").split(",").filter((f) => f !== "")) {
  const dump = JSON.parse(readFileSync(file, "utf8")) as ProbeDump;
  for (const row of dump.pulls) callMs.push(row[2] - row[1]);
  const [p50 = 0, p99 = 0] = dump.loopDelayMs;
  // A two-point stand-in for the delay distribution: 98 % near p50, 2 % near p99.
  for (let i = 0; i < 98; i++) loopDelayMs.push(p50);
  loopDelayMs.push(p99, p99);
}
if (callMs.length === 0) callMs.push(30);
if (loopDelayMs.length === 0) loopDelayMs.push(0);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Policy {
  readonly name: string;
  readonly emptyPullsBeforeIdle: number;
  readonly concurrency: number;
  readonly idleMinMs: number;
  readonly busyWindowMs: number;
}

interface SimSlot extends Slot {
  /** Publish times (virtual ms) of the messages waiting on the server. */
  readonly waiting: number[];
}

/** A min-heap of timed callbacks: the virtual clock. */
class Clock {
  now = 0;
  readonly #heap: { at: number; seq: number; run: () => void }[] = [];
  #seq = 0;
  at(at: number, run: () => void): void {
    const heap = this.#heap;
    heap.push({ at, seq: this.#seq++, run });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#less(heap[parent]!, heap[i]!)) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.at(this.now + ms, resolve));
  }
  /** Runs the next event, then lets the promise chains it started settle. */
  async step(): Promise<boolean> {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return false;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    this.now = top.at;
    top.run();
    for (let i = 0; i < 20; i++) await Promise.resolve();
    return true;
  }
  #less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function simulate(policy: Policy): Promise<string> {
  const random = mulberry32(Number(values.seed));
  const clock = new Clock();
  const scheduler = new PullScheduler<SimSlot>(
    {
      emptyPullsBeforeIdle: policy.emptyPullsBeforeIdle,
      busyWindowMs: policy.busyWindowMs,
      idleMinMs: policy.idleMinMs,
      idleMaxMs: 1000,
      idlePullsPerSecond: 100,
      maxInFlightPerSubscription: 500,
      tickMs: 25,
    },
    () => clock.now,
  );
  const slots: SimSlot[] = Array.from({ length: subscriptionCount }, (_, i) => ({
    ...unscheduledSlot(`s${i}`),
    waiting: [],
  }));
  for (const slot of slots) scheduler.add(slot);
  const endMs = seconds * 1000;
  const latencies: number[] = [];
  let pulls = 0;
  let empty = 0;
  // The publisher: every tick (late by a sampled event-loop delay) publishes what is due.
  let offered = 0;
  const publishTick = (): void => {
    const due = Math.floor((clock.now / 1000) * rate);
    while (offered < due) {
      slots[Math.floor(random() * slots.length)]!.waiting.push(clock.now);
      offered++;
    }
    if (clock.now < endMs) clock.at(clock.now + 10 + loopDelayMs[Math.floor(random() * loopDelayMs.length)]!, publishTick);
  };
  clock.at(0, publishTick);
  const tick = (): void => {
    scheduler.tick();
    if (clock.now < endMs + 5000) clock.at(clock.now + 25, tick);
  };
  clock.at(0, tick);
  let stopped = false;
  const worker = async (): Promise<void> => {
    for (;;) {
      const slot = await scheduler.take();
      if (slot === undefined || stopped) return;
      const duration = callMs[Math.floor(random() * callMs.length)]!;
      // The server answers with what was there when it took the call (assumed 30 % into it).
      const cut = clock.now + duration * 0.3;
      pulls++;
      await clock.sleep(duration);
      let n = 0;
      while (n < 100 && n < slot.waiting.length && slot.waiting[n]! <= cut) n++;
      for (const publishedAt of slot.waiting.splice(0, n)) latencies.push(clock.now - publishedAt);
      if (n === 0) empty++;
      scheduler.pulled(slot, n);
    }
  };
  // Workers still in a (virtual) pull at the end are left there: nothing awaits them.
  for (let i = 0; i < policy.concurrency; i++) void worker();
  while (clock.now < endMs + 5000 && (await clock.step())) {}
  stopped = true;
  scheduler.close();
  latencies.sort((a, b) => a - b);
  const [p50, p95, p99] = [0.5, 0.95, 0.99].map((q) => quantile(latencies, q).toFixed(0));
  return `${policy.name.padEnd(34)} publish→pulled p50/95/99 ${p50}/${p95}/${p99} ms; ${pulls} pulls (${empty} empty) for ${latencies.length} of ${offered}`;
}

const base = { emptyPullsBeforeIdle: 0, concurrency: 16, idleMinMs: 100, busyWindowMs: 0 };
const policies: Policy[] = [
  { ...base, name: "main (no grace, doubling, 16 pulls)" },
  { ...base, name: "grace 2", emptyPullsBeforeIdle: 2 },
  { ...base, name: "grace 4", emptyPullsBeforeIdle: 4 },
  { ...base, name: "busy window 1 s", busyWindowMs: 1000 },
  { ...base, name: "grace 1 + busy window 1 s", emptyPullsBeforeIdle: 1, busyWindowMs: 1000 },
  { ...base, name: "grace 2 + busy window 1 s", emptyPullsBeforeIdle: 2, busyWindowMs: 1000 },
  { ...base, name: "grace 2 + busy window 500 ms", emptyPullsBeforeIdle: 2, busyWindowMs: 500 },
  { ...base, name: "grace 2 + busy 1 s, idleMinMs 50", emptyPullsBeforeIdle: 2, busyWindowMs: 1000, idleMinMs: 50 },
  { ...base, name: "main, idleMinMs 25", idleMinMs: 25 },
  { ...base, name: "grace 2 + busy 1 s, 20 pulls", emptyPullsBeforeIdle: 2, busyWindowMs: 1000, concurrency: 20 },
];
console.log(
  `${subscriptionCount} subscriptions, ${rate}/s for ${seconds} s; Pull durations: ${callMs.length} measured (p50 ${quantile(
    [...callMs].sort((a, b) => a - b),
    0.5,
  )} ms, p99 ${quantile(
    [...callMs].sort((a, b) => a - b),
    0.99,
  )} ms); publisher tick delay p50/p99 ${quantile(
    [...loopDelayMs].sort((a, b) => a - b),
    0.5,
  )}/${quantile(
    [...loopDelayMs].sort((a, b) => a - b),
    0.99,
  )} ms`,
);
for (const policy of policies) console.log(await simulate(policy));
