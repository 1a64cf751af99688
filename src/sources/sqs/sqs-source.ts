// SQS source: long-polling receivers (batches of 10) over one configured queue, or over every
// queue that discovery rules select (re-scanned on an interval; queues added and dropped while
// running), the receivers taking the queues round robin. Leases (visibility extension, drain)
// and settlement batching are the source core's, one of each for all the source's queues; this
// file holds what is SQS's own: receiving, the visibility a lease gets, and FIFO message groups
// (one message of a group in the pipeline at a time, by the core's ordering gate).
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "../../ops/log.ts";
import { type SourceMeter, SourceMetrics } from "../../ops/source-metrics.ts";
import { type BackoffPolicy, backoffDelay, sleep } from "../core/backoff.ts";
import { type Lease, LeaseSet } from "../core/lease-set.ts";
import { OrderedDelivery } from "../core/ordered-delivery.ts";
import { SettleBatcher } from "../core/settle-batcher.ts";
import { sourceErrorClass } from "../core/source-error-class.ts";
import type { Deliver, EnvelopeReader, Source, SourceContext, SourceMessage } from "../source.ts";
import { SqsBacklog } from "./backlog.ts";
import type { SqsDataPlane, SqsReceivedMessage } from "./data-plane/data-plane.ts";
import { sdkDataPlane } from "./data-plane/sdk-data-plane.ts";
import { discoverQueues, isFifoQueue, isQueueGone, queueName, type SqsDiscoveryRule } from "./discovery.ts";
import { sqsEnvelopeReader } from "./envelope-reader.ts";
import { sqsSettleAdapter } from "./settle-adapter.ts";

/** How every queue of a source is received from and leased. */
export interface SqsReceiveOptions {
  /** Concurrent ReceiveMessage loops (for discovery: over all discovered queues together). */
  readonly receivers: number;
  /** Long-poll wait, 0..20 s. */
  readonly waitTimeSeconds: number;
  /** Visibility given on receive and on each extension. */
  readonly visibilityTimeoutSeconds: number;
}

export interface SqsSourceOptions extends SqsReceiveOptions {
  readonly queueUrl: string;
}

export interface SqsDiscoveryOptions extends SqsReceiveOptions {
  readonly rules: readonly SqsDiscoveryRule[];
  readonly discoveryIntervalMs: number;
  /** Queues consumed by sources of their own (configured): never taken by discovery too. */
  readonly exclude?: readonly string[];
}

export const defaultSqsSourceOptions = {
  receivers: 8,
  waitTimeSeconds: 20,
  visibilityTimeoutSeconds: 30,
} as const;

/**
 * A message held through a long Kafka outage is extended again and again: doubling the lease
 * each time (up to 8 timeouts) keeps the extension traffic small when thousands are in flight,
 * while a crash still frees a recently received message after one timeout.
 */
const MAX_LEASE_FACTOR = 8;
const SQS_MAX_VISIBILITY_SECONDS = 43_200;
const RECEIVE_BATCH = 10;
const RECEIVE_BACKOFF: BackoffPolicy = { initialMs: 400, maxMs: 30_000 };
/**
 * With more queues than receivers, a long poll on an empty queue would keep a receiver from the
 * others: receives do not wait, and a queue found empty is asked again only after an idle wait,
 * doubling from IDLE_MIN_MS to IDLE_MAX_MS (the latency of a trickle on a quiet queue).
 */
const SHARED_WAIT_SECONDS = 0;
const IDLE_MIN_MS = 200;
const IDLE_MAX_MS = 5000;
/** Full batches a receiver takes from one queue in a row while there are more queues than receivers. */
const STICKY_BATCHES = 8;
/** A receiver with no queue to take (none yet, or all backing off) looks again this soon. */
const NO_QUEUE_MS = 250;
const SYSTEM_ATTRIBUTES = ["ApproximateReceiveCount", "SentTimestamp", "AWSTraceHeader"] as const;
const FIFO_SYSTEM_ATTRIBUTES = [...SYSTEM_ATTRIBUTES, "MessageGroupId"] as const;

interface Queue {
  readonly url: string;
  /** "sqs:<queue name>", for SourceMessage.source. */
  readonly source: string;
  readonly fifo: boolean;
  /** Its metrics handle (state, extensions, backlog, in flight). */
  readonly meter: SourceMeter;
  /** No longer received from (deleted, or no longer matched); its in-flight messages still settle. */
  dropped: boolean;
  /** Deleted: settlements skip the server (they would be refused). */
  gone: boolean;
  failures: number;
  /** Backing off, or idle, until then (epoch ms). */
  retryAtMs: number;
  /** The last idle wait (more queues than receivers); 0 once a receive brought messages. */
  idleMs: number;
}

interface Settler {
  settle(message: SqsSourceMessage, ok: boolean): void;
}

class SqsSourceMessage implements SourceMessage, Lease {
  readonly id: string;
  readonly source: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly receiveCount: number;
  readonly publishedAtMs: number;
  /** A FIFO queue's MessageGroupId: the group's messages are processed and produced in order. */
  readonly orderingKey: string | undefined;
  readonly receiptHandle: string;
  readonly bytes: number;
  readonly queue: Queue;
  readonly receivedAtMs: number;
  /** Queue + message group, for the ordering gate; undefined once it is out of the gate. */
  gateKey: string | undefined;
  deadlineAtMs: number;
  /** Seconds the last receive or extension gave; doubles with each extension, up to a cap. */
  leaseSeconds: number;
  settled = false;
  readonly #settler: Settler;

  constructor(message: SqsReceivedMessage, queue: Queue, leaseSeconds: number, nowMs: number, settler: Settler) {
    this.id = message.MessageId ?? "";
    this.source = queue.source;
    this.queue = queue;
    this.body = message.Body ?? "";
    this.bytes = Buffer.byteLength(this.body, "utf8");
    this.receiptHandle = message.ReceiptHandle ?? "";
    // No prototype: SQS allows an attribute named "__proto__", which on a plain object would
    // vanish (or, were it an object, replace the prototype) instead of staying an entry.
    const attributes: Record<string, string> = Object.create(null);
    const received = message.MessageAttributes;
    // for-in, not Object.entries: no array of pairs per message (JSON.parse makes every key,
    // "__proto__" included, an own enumerable property; hasOwn keeps inherited ones out).
    if (received !== undefined) {
      for (const name in received) {
        if (!Object.hasOwn(received, name)) continue;
        // The SDK hands an attribute named "__proto__" over with no value at all: skip it rather
        // than crash the receive loop (one such message would stop every replica, again and again).
        const value = received[name]?.StringValue;
        if (typeof value === "string") attributes[name] = value;
      }
    }
    const system = message.Attributes ?? {};
    if (system.AWSTraceHeader !== undefined) attributes.AWSTraceHeader = system.AWSTraceHeader;
    this.attributes = attributes;
    this.receiveCount = Number(system.ApproximateReceiveCount ?? "1");
    this.publishedAtMs = Number(system.SentTimestamp ?? "0");
    this.orderingKey = queue.fifo ? system.MessageGroupId : undefined;
    this.gateKey = this.orderingKey === undefined ? undefined : `${queue.url}\u0000${this.orderingKey}`;
    this.leaseSeconds = leaseSeconds;
    this.receivedAtMs = nowMs;
    this.deadlineAtMs = nowMs + leaseSeconds * 1000;
    this.#settler = settler;
  }

  /** On the prototype: one reader for every SQS message, nothing per message. */
  get reader(): EnvelopeReader {
    return sqsEnvelopeReader;
  }

  ack(): void {
    this.#settler.settle(this, true);
  }

  nack(): void {
    this.#settler.settle(this, false);
  }
}

export interface SqsSourceStats {
  readonly queues: number;
  readonly inFlight: number;
  /** FIFO messages waiting behind an earlier one of their group. */
  readonly held: number;
  readonly discoveryScans: number;
}

export class SqsSource implements Source {
  readonly name: string;
  readonly #client: SQSClient;
  readonly #data: SqsDataPlane;
  readonly #options: SqsReceiveOptions;
  readonly #discovery: SqsDiscoveryOptions | undefined;
  readonly #log: Logger;
  readonly #settle: SettleBatcher<SqsSourceMessage>;
  readonly #leases: LeaseSet<SqsSourceMessage>;
  readonly #ordered = new OrderedDelivery<SqsSourceMessage>(
    (batch) => this.#deliver(batch),
    (message) => this.#settleMessage(message, false),
  );
  readonly #settler: Settler = { settle: (message, ok) => this.#settleMessage(message, ok) };
  readonly #abort = new AbortController();
  /** Replaced by the context's at start(); queues made before (the configured one) move to it. */
  #metrics = new SourceMetrics();
  #stopCollecting: () => void = () => {};
  #backlog: SqsBacklog | undefined;
  /** Receivers take queues from here round robin. */
  #queues: Queue[] = [];
  #nextQueue = 0;
  #receivers: Promise<void>[] = [];
  #deliver: Deliver = () => {};
  #stopping = false;
  #discoveryTimer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #discoveryScans = 0;

  /**
   * One configured queue (`SqsSourceOptions`), or the queues discovery finds (`SqsDiscoveryOptions`).
   * `client` serves discovery (ListQueues, ListQueueTags); `data` the per-batch calls (the
   * bridge gives the lean client; without one they go through `client`).
   */
  constructor(
    client: SQSClient,
    options: SqsSourceOptions | SqsDiscoveryOptions,
    log: Logger,
    data: SqsDataPlane = sdkDataPlane(client),
  ) {
    this.#client = client;
    this.#data = data;
    this.#options = options;
    if ("queueUrl" in options) {
      this.name = `sqs:${queueName(options.queueUrl)}`;
      this.#queues = [newQueue(options.queueUrl, this.#metrics)];
    } else {
      this.name = "sqs:discovered";
      this.#discovery = options;
    }
    this.#log = log.child({ source: this.name });
    this.#settle = new SettleBatcher(sqsSettleAdapter<SqsSourceMessage>(data, this.#log), this.#log, (message) =>
      this.#leases.finish(message),
    );
    const base = options.visibilityTimeoutSeconds;
    const cap = Math.min(base * MAX_LEASE_FACTOR, SQS_MAX_VISIBILITY_SECONDS);
    this.#leases = new LeaseSet<SqsSourceMessage>({
      // Checked six times per timeout, extended once less than half is left: at least a third of
      // a timeout remains for the extension call to land, even when SQS answers slowly.
      heartbeatMs: Math.max(250, (base * 1000) / 6),
      extendWithinMs: (base * 1000) / 2,
      extend: (message, nowMs) => {
        if (message.queue.gone) return;
        message.leaseSeconds = Math.min(message.leaseSeconds * 2, cap);
        message.deadlineAtMs = nowMs + message.leaseSeconds * 1000;
        message.queue.meter.series.leaseExtensions++;
        this.#settle.extend(message.queue.url, message, message.leaseSeconds);
      },
      release: (message) => message.nack(),
    });
  }

  get inFlight(): number {
    return this.#leases.size;
  }

  get stats(): SqsSourceStats {
    return {
      queues: this.#queues.length,
      inFlight: this.#leases.size,
      held: this.#ordered.held,
      discoveryScans: this.#discoveryScans,
    };
  }

  /** URLs of the queues being received from. */
  queueUrls(): string[] {
    return this.#queues.map((queue) => queue.url);
  }

  async start(context: SourceContext): Promise<void> {
    this.#deliver = context.deliver;
    if (context.metrics !== undefined) {
      const metrics = context.metrics;
      this.#metrics = metrics;
      this.#queues = this.#queues.map((queue) => newQueue(queue.url, metrics));
    }
    this.#stopCollecting = this.#metrics.collectInFlight((visit) => {
      for (const message of this.#leases.values()) visit(message.queue.meter, message.receivedAtMs);
    });
    const signal = AbortSignal.any([context.signal, this.#abort.signal]);
    const discovery = this.#discovery;
    if (discovery !== undefined) {
      // The first scan must succeed: a rule that cannot be evaluated is a start-up error.
      await this.#scan();
      this.#discoveryTimer = setInterval(() => void this.#scanOnce(), discovery.discoveryIntervalMs);
    }
    if (signal.aborted) this.#stopReceiving();
    else signal.addEventListener("abort", () => this.#stopReceiving(), { once: true });
    this.#leases.start(context.budget);
    this.#backlog = new SqsBacklog(this.#client, () => this.#queues, this.#metrics.options.backlogIntervalMs);
    this.#backlog.start();
    this.#receivers = Array.from({ length: this.#options.receivers }, (_, index) => this.#receiveLoop(context, signal, index));
  }

  async stop(grace?: AbortSignal): Promise<void> {
    this.#abort.abort();
    this.#stopReceiving();
    await Promise.all(this.#receivers);
    await this.#scanning;
    // Held FIFO messages never reached the pipeline: give them back (SQS keeps the group's order).
    this.#ordered.releaseHeld();
    await this.#leases.drain(grace);
    await this.#settle.flush();
    await this.#backlog?.stop();
    this.#stopCollecting();
  }

  #stopReceiving(): void {
    this.#stopping = true;
    this.#ordered.stopPassing();
    clearInterval(this.#discoveryTimer);
    void this.#backlog?.stop();
  }

  /**
   * The queue a receiver asks next; undefined when it has none now (none yet, or backing off).
   * Receivers ≥ queues: each receiver keeps to one queue (receiver i to queue i mod n), so every
   * queue has its own share and an empty queue's long polls delay no other. Fewer receivers than
   * queues: round robin, except that a receiver stays on a queue that just filled a whole batch
   * (up to STICKY_BATCHES in a row), so a busy queue is not starved by the empty ones' polls.
   */
  #takeQueue(receiver: number, last: Queue | undefined, streak: number, now: number): Queue | undefined {
    const queues = this.#queues;
    if (queues.length === 0) return undefined;
    if (queues.length <= this.#options.receivers) {
      const pinned = queues[receiver % queues.length]!;
      return pinned.retryAtMs <= now ? pinned : undefined;
    }
    if (last !== undefined && !last.dropped && streak > 0 && streak < STICKY_BATCHES && last.retryAtMs <= now) return last;
    for (let tried = 0; tried < queues.length; tried++) {
      const queue = queues[this.#nextQueue++ % queues.length]!;
      if (queue.retryAtMs <= now) return queue;
    }
    return undefined;
  }

  /** Until the earliest back-off under way ends (or a while, with none). */
  #idleMs(now: number): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const queue of this.#queues) if (queue.retryAtMs > now) earliest = Math.min(earliest, queue.retryAtMs);
    return Number.isFinite(earliest) ? Math.min(earliest - now, RECEIVE_BACKOFF.maxMs) : NO_QUEUE_MS;
  }

  /**
   * Every queue with receivers of its own (receivers ≥ queues): a long poll costs nothing. Otherwise
   * none (see SHARED_WAIT_SECONDS). With discovery, no
   * longer than an interval either: a queue a scan adds gets receivers by the next interval.
   */
  #waitTimeSeconds(): number {
    const wait = this.#options.waitTimeSeconds;
    const discovery = this.#discovery;
    if (discovery === undefined) return wait;
    if (this.#queues.length > this.#options.receivers) return Math.min(wait, SHARED_WAIT_SECONDS);
    return Math.min(wait, Math.max(1, Math.floor(discovery.discoveryIntervalMs / 1000)));
  }

  async #receiveLoop(context: SourceContext, signal: AbortSignal, index: number): Promise<void> {
    const { budget } = context;
    let last: Queue | undefined;
    /** Full batches in a row from `last`. */
    let streak = 0;
    while (!signal.aborted) {
      const now = Date.now();
      const queue = this.#takeQueue(index, last, streak, now);
      if (queue !== last || streak >= STICKY_BATCHES) streak = 0;
      last = queue;
      if (queue === undefined) {
        await sleep(this.#idleMs(now), signal);
        continue;
      }
      // Reserve room for a full batch before asking for it; give back what did not arrive.
      if (!(await budget.acquire(RECEIVE_BATCH, 0, signal))) break;
      if (signal.aborted || queue.dropped) {
        budget.release(RECEIVE_BATCH);
        continue;
      }
      const waitTimeSeconds = this.#waitTimeSeconds();
      let messages: readonly SqsReceivedMessage[];
      try {
        messages = await this.#data.receive(
          {
            queueUrl: queue.url,
            maxMessages: RECEIVE_BATCH,
            waitTimeSeconds,
            visibilityTimeoutSeconds: this.#options.visibilityTimeoutSeconds,
            systemAttributes: queue.fifo ? FIFO_SYSTEM_ATTRIBUTES : SYSTEM_ATTRIBUTES,
          },
          signal,
        );
        queue.failures = 0;
        queue.meter.subscribed();
      } catch (error) {
        budget.release(RECEIVE_BATCH);
        if (signal.aborted) break;
        this.#receiveFailed(queue, index, error);
        continue;
      }
      budget.release(RECEIVE_BATCH - messages.length);
      streak = messages.length === RECEIVE_BATCH ? streak + 1 : 0;
      if (messages.length === 0) {
        if (this.#queues.length > this.#options.receivers) {
          queue.idleMs = Math.min(Math.max(queue.idleMs * 2, IDLE_MIN_MS), IDLE_MAX_MS);
          queue.retryAtMs = Date.now() + queue.idleMs;
        }
        continue;
      }
      queue.idleMs = 0;
      // Which source messages reached the bridge (tests tell a queue's loss from the bridge's).
      if (this.#log.debugEnabled) {
        this.#log.debug("SQS received", {
          queue: queue.source,
          receiver: index,
          messageIds: messages.map((m) => m.MessageId).join(","),
        });
      }
      this.#accept(queue, messages);
    }
  }

  #receiveFailed(queue: Queue, receiver: number, error: unknown): void {
    if (isQueueGone(error) && this.#discovery !== undefined) {
      // Deleted between scans: stop asking now; the next scan forgets it.
      if (!queue.gone) this.#log.info("SQS queue deleted; released", { queue: queue.url });
      queue.gone = true;
      this.#drop(queue);
      return;
    }
    queue.meter.failing(sourceErrorClass(error));
    const now = Date.now();
    // Receivers that were polling when the queue failed count as one failure, not one each.
    if (queue.retryAtMs > now) return;
    const failures = ++queue.failures;
    const delayMs = backoffDelay(RECEIVE_BACKOFF, failures);
    queue.retryAtMs = now + delayMs;
    // First failure of a streak and then every tenth: no log storm while SQS is away.
    if (failures === 1 || failures % 10 === 0) {
      this.#log.warn("SQS receive failed; backing off", {
        queue: queue.url,
        receiver,
        failures,
        delayMs,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  #accept(queue: Queue, messages: readonly SqsReceivedMessage[]): void {
    const leaseSeconds = this.#options.visibilityTimeoutSeconds;
    const batch: SqsSourceMessage[] = [];
    const nowMs = Date.now();
    for (const received of messages) {
      const message = new SqsSourceMessage(received, queue, leaseSeconds, nowMs, this.#settler);
      this.#leases.add(message);
      // A FIFO receive can return several messages of one group: only the first goes on now.
      if (!this.#ordered.admit(message)) continue;
      batch.push(message);
    }
    if (batch.length > 0) this.#deliver(batch);
  }

  #settleMessage(message: SqsSourceMessage, ok: boolean): void {
    if (message.settled) return;
    message.settled = true;
    const queue = message.queue;
    // A deleted queue refuses every call: nothing to tell the server.
    if (queue.gone) this.#leases.finish(message);
    else if (ok) this.#settle.ack(queue.url, message);
    else this.#settle.release(queue.url, message);
    // Acked (produced, or dead-lettered): the group's next message may go on. Released: the
    // group's later ones go back too; SQS hands the group out again, in order, once none of it
    // is in flight.
    this.#ordered.settled(message, ok);
  }

  #drop(queue: Queue): void {
    queue.dropped = true;
    queue.meter.removed();
    this.#queues = this.#queues.filter((other) => other !== queue);
  }

  async #scanOnce(): Promise<void> {
    if (this.#scanning !== undefined || this.#stopping) return;
    this.#scanning = this.#scan()
      .catch((error: unknown) => {
        this.#log.warn("SQS discovery scan failed; keeping the current queues", {
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.#scanning = undefined;
      });
    await this.#scanning;
  }

  async #scan(): Promise<void> {
    const discovery = this.#discovery!;
    const found = await discoverQueues(this.#client, discovery.rules, this.#abort.signal);
    this.#discoveryScans++;
    if (this.#stopping) return;
    for (const url of discovery.exclude ?? []) found.delete(url);
    const current = new Set(this.#queues.map((queue) => queue.url));
    const added = [...found].filter((url) => !current.has(url));
    const removed = this.#queues.filter((queue) => !found.has(queue.url));
    for (const queue of removed) this.#drop(queue);
    // A new array: receivers iterating the old one are not disturbed.
    if (added.length > 0) this.#queues = [...this.#queues, ...added.map((url) => newQueue(url, this.#metrics))];
    if (added.length > 0 || removed.length > 0) {
      this.#log.info("SQS discovery", { added: added.length, removed: removed.length, queues: this.#queues.length });
    }
  }
}

function newQueue(url: string, metrics: SourceMetrics): Queue {
  const source = `sqs:${queueName(url)}`;
  const meter = metrics.forSource(source);
  meter.restarted();
  return {
    url,
    source,
    fifo: isFifoQueue(url),
    meter,
    dropped: false,
    gone: false,
    failures: 0,
    retryAtMs: 0,
    idleMs: 0,
  };
}
