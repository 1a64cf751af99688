// Pub/Sub source: every subscription (configured and discovered) served by ONE bounded pool of
// unary Pull calls, scheduled round robin (see docs/decisions/0005-pubsub-consumption.md).
// No stream, timer or flow controller per subscription: a subscription costs one small record.
// Pulls take room from the process-wide in-flight budget (given in the SourceContext) before
// asking; leases (one heartbeat, drain) and settle batching are the source core's; messages of
// one ordering key go to the pipeline one at a time.
import type { Logger } from "../../ops/log.ts";
import { type SourceMeter, SourceMetrics } from "../../ops/source-metrics.ts";
import { type BackoffPolicy, backoffDelay } from "../core/backoff.ts";
import { type Lease, LeaseSet } from "../core/lease-set.ts";
import { OrderedDelivery } from "../core/ordered-delivery.ts";
import { SettleBatcher } from "../core/settle-batcher.ts";
import { sourceErrorClass } from "../core/source-error-class.ts";
import type { Deliver, EnvelopeReader, Source, SourceBudget, SourceContext, SourceMessage } from "../source.ts";
import { type DiscoveryRule, discoverSubscriptions } from "./discovery.ts";
import { pubsubEnvelopeReader } from "./envelope-reader.ts";
import { exactlyOnceRefusal } from "./exactly-once.ts";
import { PullScheduler, type Slot, unscheduledSlot } from "./pull-scheduler.ts";
import { pubsubSettleAdapter } from "./settle-adapter.ts";
import {
  grpcCode,
  grpcCodeOf,
  type PulledMessage,
  type SubscriberApi,
  type SubscriptionInfo,
  subscriptionId,
  subscriptionPath,
} from "./subscriber-api.ts";

export interface PubSubSourceOptions {
  /** Project of configured subscription ids given without a path. */
  readonly project: string;
  /** Subscription ids or full paths consumed always. */
  readonly subscriptions: readonly string[];
  /** Subscriptions consumed because they match (prefix and/or label), re-scanned on an interval. */
  readonly discovery: readonly DiscoveryRule[];
  readonly discoveryIntervalMs: number;
  /** Pull calls in flight at once, over all subscriptions (well under ~100 streams per channel). */
  readonly pullConcurrency: number;
  /** Most messages one Pull asks for. */
  readonly maxMessagesPerPull: number;
  /** Cap per subscription, so one flooded subscription cannot take the whole budget. */
  readonly maxInFlightPerSubscription: number;
  /** Empty pulls in a row, after one with messages, before a subscription starts to wait. */
  readonly emptyPullsBeforeIdle: number;
  /** Had messages within this long: an empty pull waits idleMinMs, without doubling (0: off). */
  readonly busyWindowMs: number;
  /** Waits between pulls of a subscription whose last pull was empty: doubling from min to max. */
  readonly idleMinMs: number;
  readonly idleMaxMs: number;
  /** Empty-handed pulls per second over all idle subscriptions together (0: unpaced). */
  readonly idlePullsPerSecond: number;
  /** Ack deadline set on each extension while a message is in flight. */
  readonly leaseSeconds: number;
}

export const defaultPubSubSourceOptions = {
  subscriptions: [],
  discovery: [],
  discoveryIntervalMs: 30_000,
  pullConcurrency: 16,
  maxMessagesPerPull: 100,
  maxInFlightPerSubscription: 500,
  emptyPullsBeforeIdle: 2,
  busyWindowMs: 1000,
  idleMinMs: 100,
  idleMaxMs: 1000,
  idlePullsPerSecond: 100,
  leaseSeconds: 60,
} as const;

/** Extend a lease once less than this is left of it (subscription deadlines are ≥ 10 s). */
const EXTEND_MARGIN_MS = 5000;
const HEARTBEAT_MS = 1000;
const TICK_MS = 25;
/** A configured subscription that does not exist (any more) is asked again this often. */
const MISSING_RETRY_MS = 30_000;
const PULL_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

interface Subscription extends Slot {
  /** Full path. */
  readonly name: string;
  /** "pubsub:<id>", for SourceMessage.source. */
  readonly source: string;
  readonly ackDeadlineMs: number;
  readonly configured: boolean;
  /** Its metrics handle (state, extensions, backlog, in flight). */
  readonly meter: SourceMeter;
  /** Stopped scheduling (deleted, or no longer matched); in-flight messages still settle. */
  dropped: boolean;
  /** NOT_FOUND seen: settlements skip the server (they would be refused). */
  gone: boolean;
  failures: number;
}

interface Settler {
  settle(message: PubSubSourceMessage, ok: boolean): void;
}

class PubSubSourceMessage implements SourceMessage, Lease {
  readonly id: string;
  readonly source: string;
  readonly body: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly receiveCount: number;
  readonly publishedAtMs: number;
  readonly orderingKey: string | undefined;
  readonly ackId: string;
  readonly subscription: Subscription;
  readonly receivedAtMs: number;
  /** Subscription + ordering key, when the message has one. */
  gateKey: string | undefined;
  deadlineAtMs: number;
  settled = false;
  readonly #settler: Settler;

  constructor(pulled: PulledMessage, subscription: Subscription, receivedAtMs: number, deadlineAtMs: number, settler: Settler) {
    this.id = pulled.messageId;
    this.source = subscription.source;
    this.body = pulled.data;
    this.attributes = pulled.attributes;
    this.receiveCount = pulled.deliveryAttempt > 0 ? pulled.deliveryAttempt : 1;
    this.publishedAtMs = pulled.publishTimeMs;
    this.orderingKey = pulled.orderingKey === "" ? undefined : pulled.orderingKey;
    this.gateKey = this.orderingKey === undefined ? undefined : `${subscription.name}\u0000${this.orderingKey}`;
    this.ackId = pulled.ackId;
    this.subscription = subscription;
    this.receivedAtMs = receivedAtMs;
    this.deadlineAtMs = deadlineAtMs;
    this.#settler = settler;
  }

  /** On the prototype: one reader for every Pub/Sub message, nothing per message. */
  get reader(): EnvelopeReader {
    return pubsubEnvelopeReader;
  }

  get bytes(): number {
    return this.body.length;
  }

  ack(): void {
    this.#settler.settle(this, true);
  }

  nack(): void {
    this.#settler.settle(this, false);
  }
}

export interface PubSubSourceStats {
  readonly subscriptions: number;
  readonly inFlight: number;
  readonly held: number;
  readonly pulls: number;
  readonly emptyPulls: number;
  readonly pullErrors: number;
  readonly received: number;
  readonly discoveryScans: number;
  readonly settleCalls: number;
  readonly settleDropped: number;
}

export class PubSubSource implements Source {
  readonly name: string;
  readonly #api: SubscriberApi;
  readonly #options: PubSubSourceOptions;
  readonly #log: Logger;
  readonly #scheduler: PullScheduler<Subscription>;
  readonly #ordered = new OrderedDelivery<PubSubSourceMessage>(
    (batch) => this.#deliver(batch),
    (message) => this.#settle(message, false),
  );
  readonly #batcher: SettleBatcher<PubSubSourceMessage>;
  readonly #subscriptions = new Map<string, Subscription>();
  /** Discovered exactly-once subscriptions already warned about (they are not consumed). */
  readonly #refusedDiscovered = new Set<string>();
  readonly #leases: LeaseSet<PubSubSourceMessage>;
  readonly #settler: Settler = { settle: (message, ok) => this.#settle(message, ok) };
  #deliver: Deliver = () => {};
  #workers: Promise<void>[] = [];
  #discoveryTimer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #stopping = false;
  readonly #abort = new AbortController();
  readonly #counts = { pulls: 0, emptyPulls: 0, pullErrors: 0, received: 0, discoveryScans: 0 };
  /** The context's at start(). */
  #metrics = new SourceMetrics();
  #stopCollecting: () => void = () => {};

  /** The source owns `api` and closes it on stop(). */
  constructor(api: SubscriberApi, options: PubSubSourceOptions, log: Logger, name?: string) {
    this.#api = api;
    this.#options = options;
    this.name = name ?? `pubsub:${options.project}`;
    this.#log = log.child({ source: this.name });
    this.#scheduler = new PullScheduler<Subscription>({
      emptyPullsBeforeIdle: options.emptyPullsBeforeIdle,
      busyWindowMs: options.busyWindowMs,
      idleMinMs: options.idleMinMs,
      idleMaxMs: options.idleMaxMs,
      idlePullsPerSecond: options.idlePullsPerSecond,
      maxInFlightPerSubscription: options.maxInFlightPerSubscription,
      tickMs: TICK_MS,
    });
    this.#batcher = new SettleBatcher(pubsubSettleAdapter<PubSubSourceMessage>(api), this.#log, (message) =>
      this.#finish(message),
    );
    this.#leases = new LeaseSet<PubSubSourceMessage>({
      heartbeatMs: HEARTBEAT_MS,
      extendWithinMs: EXTEND_MARGIN_MS,
      extend: (message, nowMs) => {
        // A deleted subscription refuses every call: nothing to extend there.
        if (message.subscription.gone) return;
        message.deadlineAtMs = nowMs + options.leaseSeconds * 1000;
        message.subscription.meter.series.leaseExtensions++;
        this.#batcher.extend(message.subscription.name, message, options.leaseSeconds);
      },
      release: (message) => message.nack(),
    });
  }

  get stats(): PubSubSourceStats {
    return {
      subscriptions: this.#subscriptions.size,
      inFlight: this.#leases.size,
      held: this.#ordered.held,
      ...this.#counts,
      settleCalls: this.#batcher.stats.calls,
      settleDropped: this.#batcher.stats.dropped,
    };
  }

  /** Full paths of the subscriptions being consumed. */
  subscriptionNames(): string[] {
    return [...this.#subscriptions.keys()];
  }

  async start(context: SourceContext): Promise<void> {
    this.#deliver = context.deliver;
    if (context.metrics !== undefined) this.#metrics = context.metrics;
    try {
      // Configured subscriptions must exist at start-up: a typo is a configuration error.
      const configured = this.#options.subscriptions.map((id) => subscriptionPath(this.#options.project, id));
      const infos = await mapLimit(configured, this.#options.pullConcurrency, (path) => this.#api.getSubscription(path));
      const refused = infos.map(exactlyOnceRefusal).filter((reason) => reason !== undefined);
      if (refused.length > 0) throw new Error(refused.join("; "));
      for (const info of infos) this.#add(info, true);
      if (this.#options.discovery.length > 0) await this.#scan();
    } catch (error) {
      await this.#api.close().catch(() => undefined);
      throw error;
    }
    if (this.#options.discovery.length > 0) {
      this.#discoveryTimer = setInterval(() => void this.#scanOnce(), this.#options.discoveryIntervalMs);
    }
    this.#scheduler.start();
    this.#leases.start(context.budget);
    this.#stopCollecting = this.#metrics.collectInFlight((visit) => {
      for (const message of this.#leases.values()) visit(message.subscription.meter, message.receivedAtMs);
    });
    const signal = AbortSignal.any([context.signal, this.#abort.signal]);
    // Shutdown from the context ends pulling at once, like stop().
    if (signal.aborted) this.#stopPulling();
    else signal.addEventListener("abort", () => this.#stopPulling(), { once: true });
    this.#workers = Array.from({ length: this.#options.pullConcurrency }, () => this.#worker(context.budget, signal));
    this.#log.info("Pub/Sub source started", {
      subscriptions: this.#subscriptions.size,
      pullConcurrency: this.#options.pullConcurrency,
    });
  }

  async stop(grace?: AbortSignal): Promise<void> {
    this.#abort.abort();
    this.#stopPulling();
    await Promise.all(this.#workers);
    await this.#scanning;
    // Held messages never reached the pipeline: give them back (in order, by the server).
    this.#ordered.releaseHeld();
    await this.#leases.drain(grace);
    await this.#batcher.flush();
    await this.#api.close();
    this.#stopCollecting();
  }

  #stopPulling(): void {
    this.#stopping = true;
    this.#ordered.stopPassing();
    clearInterval(this.#discoveryTimer);
    this.#scheduler.close();
  }

  async #worker(budget: SourceBudget, signal: AbortSignal): Promise<void> {
    const perPull = this.#options.maxMessagesPerPull;
    for (;;) {
      const subscription = await this.#scheduler.take();
      if (subscription === undefined) return;
      const room = this.#scheduler.room(subscription, perPull);
      if (room === 0) {
        this.#scheduler.requeue(subscription);
        continue;
      }
      // Room in the shared budget first (FIFO across sources), then whatever more fits now.
      if (!(await budget.acquire(1, 0, signal))) return;
      let reserved = 1;
      while (reserved < room && budget.tryAcquire(1)) reserved++;
      if (this.#stopping) {
        budget.release(reserved);
        return;
      }
      let pulled: PulledMessage[];
      this.#counts.pulls++;
      try {
        pulled = await this.#api.pull(subscription.name, reserved);
      } catch (error) {
        budget.release(reserved);
        this.#pullFailed(subscription, error);
        continue;
      }
      budget.release(reserved - pulled.length);
      subscription.failures = 0;
      subscription.meter.subscribed();
      // A lower bound (the emulators and the Pull API say nothing of the backlog): what is held, and
      // when the pull came back full, at least that many more were probably waiting.
      if (!subscription.dropped)
        subscription.meter.backlog = subscription.inFlight + pulled.length + (pulled.length === reserved ? reserved : 0);
      if (pulled.length === 0) this.#counts.emptyPulls++;
      else this.#accept(subscription, pulled);
      if (this.#stopping) this.#scheduler.remove(subscription);
      else this.#scheduler.pulled(subscription, pulled.length);
    }
  }

  #pullFailed(subscription: Subscription, error: unknown): void {
    this.#counts.pullErrors++;
    const code = grpcCodeOf(error);
    if (code !== grpcCode.notFound || subscription.configured) subscription.meter.failing(sourceErrorClass(error));
    if (code === grpcCode.notFound) {
      subscription.gone = true;
      if (!subscription.configured) {
        // Deleted between scans: stop asking now; the next scan forgets it.
        this.#log.info("Pub/Sub subscription deleted; released", { subscription: subscription.name });
        this.#drop(subscription);
        return;
      }
      if (subscription.failures++ === 0) {
        this.#log.warn("configured Pub/Sub subscription not found; asking again periodically", {
          subscription: subscription.name,
          retryMs: MISSING_RETRY_MS,
        });
      }
      this.#scheduler.failed(subscription, MISSING_RETRY_MS);
      return;
    }
    const failures = ++subscription.failures;
    const delayMs = backoffDelay(PULL_BACKOFF, failures);
    // First failure of a streak and then every tenth: no log storm while a server is away.
    if (failures === 1 || failures % 10 === 0) {
      this.#log.warn("Pub/Sub pull failed; backing off", {
        subscription: subscription.name,
        failures,
        delayMs,
        code,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.#scheduler.failed(subscription, delayMs);
  }

  #accept(subscription: Subscription, pulled: readonly PulledMessage[]): void {
    const receivedAtMs = Date.now();
    const deadlineAtMs = receivedAtMs + subscription.ackDeadlineMs;
    const batch: PubSubSourceMessage[] = [];
    subscription.gone = false;
    for (const item of pulled) {
      const message = new PubSubSourceMessage(item, subscription, receivedAtMs, deadlineAtMs, this.#settler);
      this.#leases.add(message);
      subscription.inFlight++;
      if (!this.#ordered.admit(message)) continue;
      batch.push(message);
    }
    this.#counts.received += pulled.length;
    // Which source messages reached the bridge (tests tell a server's loss from the bridge's).
    if (this.#log.debugEnabled) {
      this.#log.debug("Pub/Sub received", {
        subscription: subscription.name,
        messageIds: pulled.map((item) => item.messageId).join(","),
      });
    }
    if (batch.length === 0) return;
    if (this.#stopping) for (const message of batch) this.#settle(message, false);
    else this.#deliver(batch);
  }

  #settle(message: PubSubSourceMessage, ok: boolean): void {
    if (message.settled) return;
    message.settled = true;
    this.#ordered.settled(message, ok);
    const subscription = message.subscription;
    // A deleted subscription refuses every call: nothing to tell the server.
    if (subscription.gone) this.#finish(message);
    else if (ok) this.#batcher.ack(subscription.name, message);
    else this.#batcher.release(subscription.name, message);
  }

  /** The server has the settlement (or cannot take it): give back the budget. */
  #finish(message: PubSubSourceMessage): void {
    if (!this.#leases.finish(message)) return;
    const subscription = message.subscription;
    subscription.inFlight--;
    if (!subscription.dropped) this.#scheduler.settled(subscription);
  }

  #add(info: SubscriptionInfo, configured: boolean): void {
    if (this.#subscriptions.has(info.name)) return;
    const source = `pubsub:${subscriptionId(info.name)}`;
    const meter = this.#metrics.forSource(source);
    meter.restarted();
    const subscription: Subscription = {
      ...unscheduledSlot(info.name),
      source,
      meter,
      ackDeadlineMs: info.ackDeadlineSeconds * 1000,
      configured,
      dropped: false,
      gone: false,
      failures: 0,
    };
    this.#subscriptions.set(info.name, subscription);
    this.#scheduler.add(subscription);
  }

  #drop(subscription: Subscription): void {
    subscription.dropped = true;
    subscription.meter.removed();
    this.#scheduler.remove(subscription);
    if (this.#subscriptions.get(subscription.name) === subscription) this.#subscriptions.delete(subscription.name);
  }

  async #scanOnce(): Promise<void> {
    if (this.#scanning !== undefined || this.#stopping) return;
    this.#scanning = this.#scan()
      .catch((error: unknown) => {
        this.#log.warn("Pub/Sub discovery scan failed; keeping the current subscriptions", {
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.#scanning = undefined;
      });
    await this.#scanning;
  }

  async #scan(): Promise<void> {
    const found = await discoverSubscriptions(this.#api, this.#options.discovery);
    this.#counts.discoveryScans++;
    if (this.#stopping) return;
    let added = 0;
    let removed = 0;
    for (const info of found.values()) {
      if (this.#subscriptions.has(info.name)) continue;
      const refusal = exactlyOnceRefusal(info);
      if (refusal !== undefined) {
        // Warned once per subscription, not on every scan.
        if (!this.#refusedDiscovered.has(info.name))
          this.#log.warn("discovered Pub/Sub subscription not consumed: exactly-once delivery is not supported", {
            subscription: info.name,
            reason: refusal,
          });
        this.#refusedDiscovered.add(info.name);
        continue;
      }
      this.#add(info, false);
      added++;
    }
    for (const subscription of [...this.#subscriptions.values()]) {
      if (subscription.configured || found.has(subscription.name)) continue;
      this.#drop(subscription);
      removed++;
    }
    if (added > 0 || removed > 0) {
      this.#log.info("Pub/Sub discovery", { added, removed, subscriptions: this.#subscriptions.size });
    }
  }
}

/** `fn` over `items` with at most `limit` calls at once; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  });
  await Promise.all(lanes);
  return out;
}
