// Settle operations of one source kind (SQS delete / change visibility, Pub/Sub acknowledge /
// modify ack deadline), batched per (target, operation) and flushed when a batch is full or on a
// short timer: one request per many settlements instead of one per message. Failed calls are
// retried a few times on the shared backoff; what cannot succeed is given up on (the source then
// redelivers the message after its lease, which at-least-once allows).
import type { Logger } from "../../ops/log.ts";
import { type BackoffPolicy, backoffDelay, sleep } from "./backoff.ts";

/**
 * What a call does to its entries: ACK (SQS delete, Pub/Sub acknowledge), or set their lease to
 * this many seconds: 0 releases them for redelivery now (nack), more extends them.
 */
export type SettleOperation = number;
export const ACK: SettleOperation = -1;
export const RELEASE: SettleOperation = 0;

/** The calls of one source kind; `target` is a queue URL or a subscription path. */
export interface SettleAdapter<E> {
  /** Most entries one call may carry (SQS 10, Pub/Sub 1000). */
  readonly maxPerCall: number;
  /**
   * One call. Resolves with the entries that failed but may succeed on retry (an SQS batch can
   * fail entry by entry); the others are done. Rejects when the whole call failed.
   */
  send(target: string, operation: SettleOperation, entries: readonly E[]): Promise<readonly E[]>;
  /** False when a failed call cannot succeed on retry (gone queue or subscription, expired ids). */
  retryable(error: unknown): boolean;
  /** For logs, e.g. "SQS delete". */
  describe(operation: SettleOperation): string;
}

export interface SettleBatcherOptions {
  /** How long a partial batch waits for company. */
  readonly flushMs: number;
  /** Calls per batch before giving up (the first included). */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
}

export const defaultSettleBatcherOptions: SettleBatcherOptions = {
  flushMs: 20,
  maxAttempts: 5,
  backoff: { initialMs: 100, maxMs: 1000 },
};

export interface SettleStats {
  calls: number;
  failedCalls: number;
  /** Entries given up on: not retryable, or still failing after maxAttempts. */
  dropped: number;
}

export class SettleBatcher<E> {
  readonly #adapter: SettleAdapter<E>;
  readonly #log: Logger;
  readonly #options: SettleBatcherOptions;
  readonly #onSettled: (entry: E) => void;
  /** target → operation → entries waiting. */
  readonly #pending = new Map<string, Map<SettleOperation, E[]>>();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  readonly stats: SettleStats = { calls: 0, failedCalls: 0, dropped: 0 };

  /** `onSettled` runs once per acked or released entry when its call is over (not for extensions). */
  constructor(
    adapter: SettleAdapter<E>,
    log: Logger,
    onSettled: (entry: E) => void,
    options: SettleBatcherOptions = defaultSettleBatcherOptions,
  ) {
    this.#adapter = adapter;
    this.#log = log;
    this.#onSettled = onSettled;
    this.#options = options;
  }

  ack(target: string, entry: E): void {
    this.#add(target, ACK, entry);
  }

  release(target: string, entry: E): void {
    this.#add(target, RELEASE, entry);
  }

  /** Extends the lease to `seconds` (at least 1): the entry is not settled by this. */
  extend(target: string, entry: E, seconds: number): void {
    this.#add(target, Math.max(1, seconds), entry);
  }

  /** Sends everything queued and waits for every call under way (retries included). */
  async flush(): Promise<void> {
    this.#sendAll();
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #add(target: string, operation: SettleOperation, entry: E): void {
    let byOperation = this.#pending.get(target);
    if (byOperation === undefined) {
      byOperation = new Map();
      this.#pending.set(target, byOperation);
    }
    let entries = byOperation.get(operation);
    if (entries === undefined) {
      entries = [];
      byOperation.set(operation, entries);
    }
    entries.push(entry);
    if (entries.length >= this.#adapter.maxPerCall) {
      byOperation.delete(operation);
      if (byOperation.size === 0) this.#pending.delete(target);
      this.#launch(target, operation, entries);
    } else {
      this.#timer ??= setTimeout(() => this.#sendAll(), this.#options.flushMs);
    }
  }

  #sendAll(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [target, byOperation] of this.#pending) {
      for (const [operation, entries] of byOperation) this.#launch(target, operation, entries);
    }
    this.#pending.clear();
  }

  #launch(target: string, operation: SettleOperation, entries: E[]): void {
    const call = this.#send(target, operation, entries).finally(() => this.#inFlight.delete(call));
    this.#inFlight.add(call);
  }

  async #send(target: string, operation: SettleOperation, entries: readonly E[]): Promise<void> {
    let todo = entries;
    for (let attempt = 1; todo.length > 0; attempt++) {
      this.stats.calls++;
      let error: unknown;
      try {
        todo = await this.#adapter.send(target, operation, todo);
      } catch (caught) {
        this.stats.failedCalls++;
        error = caught;
        if (!this.#adapter.retryable(caught)) {
          // Retrying cannot help; debug only, so a deleted subscription causes no log storm.
          this.stats.dropped += todo.length;
          this.#log.debug(`${this.#adapter.describe(operation)} refused; dropping`, { target, error: describe(caught) });
          break;
        }
      }
      if (todo.length === 0) break;
      if (attempt >= this.#options.maxAttempts) {
        this.stats.dropped += todo.length;
        this.#log.warn(`${this.#adapter.describe(operation)} failed ${attempt} times; leaving it to the lease timeout`, {
          target,
          entries: todo.length,
          error: error === undefined ? "entries failed" : describe(error),
        });
        break;
      }
      await sleep(backoffDelay(this.#options.backoff, attempt));
    }
    if (operation <= RELEASE) for (const entry of entries) this.#onSettled(entry);
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
