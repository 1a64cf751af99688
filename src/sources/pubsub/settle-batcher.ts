// Acknowledge and ModifyAckDeadline calls, batched per subscription (and per deadline) and
// flushed on a short timer: one request per many settlements instead of one per message.
// A subscription that no longer exists (NOT_FOUND) or an ack id that expired (INVALID_ARGUMENT)
// cannot succeed on retry: those entries are done (the message comes back or is gone with its
// subscription). Other failures are retried a few times, then left to the ack deadline.
import type { Logger } from "../../ops/log.ts";
import { grpcCode, grpcCodeOf, type SubscriberApi } from "./subscriber-api.ts";

/** Acknowledge/ModifyAckDeadline requests stay well under the 512 KB request limit. */
const MAX_IDS_PER_CALL = 1000;
const MAX_ATTEMPTS = 5;

/** What is settled: anything with an ack id (the source passes its message objects). */
export interface SettleEntry {
  readonly ackId: string;
}

interface Batch<E extends SettleEntry> {
  readonly subscription: string;
  /** -1: acknowledge; otherwise the new ack deadline in seconds. */
  readonly seconds: number;
  readonly entries: E[];
}

export interface SettleStats {
  calls: number;
  failedCalls: number;
  /** Entries given up on: their subscription is gone or the ack id expired. */
  dropped: number;
}

export class SettleBatcher<E extends SettleEntry> {
  readonly #api: SubscriberApi;
  readonly #log: Logger;
  readonly #flushMs: number;
  readonly #onSettled: (entry: E) => void;
  readonly #pending = new Map<string, Batch<E>>();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  readonly stats: SettleStats = { calls: 0, failedCalls: 0, dropped: 0 };

  /** `onSettled` runs once per acked or nacked entry when its request is over (not for extensions). */
  constructor(api: SubscriberApi, log: Logger, onSettled: (entry: E) => void, flushMs = 20) {
    this.#api = api;
    this.#log = log;
    this.#onSettled = onSettled;
    this.#flushMs = flushMs;
  }

  ack(subscription: string, entry: E): void {
    this.#add(subscription, -1, entry);
  }

  nack(subscription: string, entry: E): void {
    this.#add(subscription, 0, entry);
  }

  /** Extends the lease: the entry is not settled by this. */
  extend(subscription: string, entry: E, seconds: number): void {
    this.#add(subscription, Math.max(1, seconds), entry);
  }

  /** Sends everything queued and waits for every request under way. */
  async flush(): Promise<void> {
    this.#sendAll();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #add(subscription: string, seconds: number, entry: E): void {
    const key = `${seconds}\u0000${subscription}`;
    let batch = this.#pending.get(key);
    if (batch === undefined) {
      batch = { subscription, seconds, entries: [] };
      this.#pending.set(key, batch);
    }
    batch.entries.push(entry);
    if (batch.entries.length >= MAX_IDS_PER_CALL) {
      this.#pending.delete(key);
      this.#launch(batch);
    } else {
      this.#timer ??= setTimeout(() => this.#sendAll(), this.#flushMs);
    }
  }

  #sendAll(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const batch of this.#pending.values()) this.#launch(batch);
    this.#pending.clear();
  }

  #launch(batch: Batch<E>): void {
    const request = this.#send(batch).finally(() => this.#inFlight.delete(request));
    this.#inFlight.add(request);
  }

  async #send(batch: Batch<E>): Promise<void> {
    const what = batch.seconds < 0 ? "acknowledge" : "modifyAckDeadline";
    const ackIds = batch.entries.map((entry) => entry.ackId);
    for (let attempt = 1; ; attempt++) {
      this.stats.calls++;
      try {
        if (batch.seconds < 0) await this.#api.acknowledge(batch.subscription, ackIds);
        else await this.#api.modifyAckDeadline(batch.subscription, ackIds, batch.seconds);
        break;
      } catch (error) {
        this.stats.failedCalls++;
        const code = grpcCodeOf(error);
        if (code === grpcCode.notFound || code === grpcCode.invalidArgument || code === grpcCode.failedPrecondition) {
          // Gone subscription or expired ids: retrying cannot help; debug only (no storm on delete).
          this.stats.dropped += ackIds.length;
          this.#log.debug(`Pub/Sub ${what} refused; dropping`, { subscription: batch.subscription, code });
          break;
        }
        if (attempt >= MAX_ATTEMPTS) {
          this.stats.dropped += ackIds.length;
          this.#log.warn(`Pub/Sub ${what} failed ${attempt} times; leaving it to the ack deadline`, {
            subscription: batch.subscription,
            ids: ackIds.length,
            error: error instanceof Error ? error.message : String(error),
          });
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
    if (batch.seconds <= 0) for (const entry of batch.entries) this.#onSettled(entry);
  }
}
