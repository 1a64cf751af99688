// One in-flight budget (messages and bytes) shared by every source of the process, so memory
// stays bounded however many queues and subscriptions there are. Waiters are served first come,
// first served: a source that asks often cannot starve one that asks rarely.

interface Waiter {
  readonly messages: number;
  readonly bytes: number;
  readonly resolve: () => void;
}

export class InFlightBudget {
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

  /** Resolves once `messages` slots (and an estimate of `bytes`) are reserved. */
  acquire(messages: number, bytes = 0): Promise<void> {
    if (this.#waiters.length === 0 && this.#fits(messages, bytes)) {
      this.#take(messages, bytes);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push({ messages, bytes, resolve }));
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
      next.resolve();
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
