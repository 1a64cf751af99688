// One in-flight budget (messages and bytes) shared by every source of the process, so memory
// stays bounded however many queues and subscriptions there are. Waiters are served first come,
// first served: a source that asks often cannot starve one that asks rarely. Sources see it as
// their declared SourceBudget (src/sources/source.ts); the bridge creates the one instance.
import type { SourceBudget } from "../sources/source.ts";

interface Waiter {
  readonly messages: number;
  readonly bytes: number;
  readonly resolve: (reserved: boolean) => void;
}

export class InFlightBudget implements SourceBudget {
  readonly maxMessages: number;
  readonly maxBytes: number;
  #messages = 0;
  #bytes = 0;
  readonly #waiters: Waiter[] = [];

  constructor(maxMessages: number, maxBytes: number) {
    if (!(maxMessages > 0) || !(maxBytes > 0)) throw new Error("in-flight budget: maxMessages and maxBytes must be > 0");
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
  }

  get messages(): number {
    return this.#messages;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Resolves with true once `messages` slots (and an estimate of `bytes`) are reserved, or with
   * false, reserving nothing, when `signal` aborts first (a stopping source stops waiting).
   */
  acquire(messages: number, bytes = 0, signal?: AbortSignal): Promise<boolean> {
    if (this.#waiters.length === 0 && this.#fits(messages, bytes)) {
      this.#take(messages, bytes);
      return Promise.resolve(true);
    }
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(false);
        // The head of the line may have been the one that did not fit.
        this.release(0);
      };
      const waiter: Waiter = {
        messages,
        bytes,
        resolve: (reserved) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(reserved);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Reserves without waiting when there is room now; false otherwise. */
  tryAcquire(messages: number, bytes = 0): boolean {
    if (this.#waiters.length > 0 || !this.#fits(messages, bytes)) return false;
    this.#take(messages, bytes);
    return true;
  }

  /** Counts bytes known only after receiving (SQS bodies); later acquires wait for room. */
  chargeBytes(bytes: number): void {
    this.#bytes += bytes;
  }

  release(messages: number, bytes = 0): void {
    this.#messages = Math.max(0, this.#messages - messages);
    this.#bytes = Math.max(0, this.#bytes - bytes);
    while (this.#waiters.length > 0) {
      const next = this.#waiters[0]!;
      if (!this.#fits(next.messages, next.bytes)) break;
      this.#waiters.shift();
      this.#take(next.messages, next.bytes);
      next.resolve(true);
    }
  }

  #fits(messages: number, bytes: number): boolean {
    // An empty budget always admits one request, so a single oversized message cannot wedge it.
    if (this.#messages === 0) return true;
    return this.#messages + messages <= this.maxMessages && this.#bytes + bytes <= this.maxBytes;
  }

  #take(messages: number, bytes: number): void {
    this.#messages += messages;
    this.#bytes += bytes;
  }
}
