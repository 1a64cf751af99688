// What both source kinds do around the ordering gate: a message of a busy key (Pub/Sub ordering
// key, SQS FIFO group) waits; an ack passes the key's next one on, gathered with others freed in
// the same tick into one batch; a nack sends the key's held ones back too, so none overtakes
// it; and once the source stops, nothing more is passed on — what is held goes back.
import { OrderingGate } from "./ordering-gate.ts";

/** A message that may belong to an ordered key; the key is cleared once it leaves the gate. */
export interface GatedMessage {
  gateKey: string | undefined;
}

export class OrderedDelivery<M extends GatedMessage> {
  readonly #gate = new OrderingGate<M>();
  readonly #deliver: (batch: M[]) => void;
  readonly #release: (message: M) => void;
  #freed: M[] = [];
  #stopping = false;

  /** `deliver` takes freed messages to the pipeline; `release` gives one back to its source. */
  constructor(deliver: (batch: M[]) => void, release: (message: M) => void) {
    this.#deliver = deliver;
    this.#release = release;
  }

  /** Messages waiting behind another of their key. */
  get held(): number {
    return this.#gate.held;
  }

  /** True: pass it on now (no key, or its key was free). False: held until its key's current one settles. */
  admit(message: M): boolean {
    return message.gateKey === undefined || this.#gate.admit(message.gateKey, message);
  }

  /** The message was settled: acked, its key's next one goes on; nacked, its key's held ones go back. */
  settled(message: M, ok: boolean): void {
    const key = message.gateKey;
    if (key === undefined) return;
    if (ok) {
      const next = this.#gate.acked(key);
      if (next !== undefined) this.#pass(next);
      return;
    }
    for (const held of this.#gate.nacked(key)) this.#giveBack(held);
  }

  /** From now on freed messages go back to the source instead of to the pipeline. */
  stopPassing(): void {
    this.#stopping = true;
  }

  /** Stopping: every held message goes back (the server keeps each key's order). */
  releaseHeld(): void {
    this.#stopping = true;
    for (const held of this.#gate.takeAllHeld()) this.#giveBack(held);
  }

  #giveBack(message: M): void {
    message.gateKey = undefined;
    this.#release(message);
  }

  #pass(message: M): void {
    if (this.#stopping) {
      this.#giveBack(message);
      return;
    }
    if (this.#freed.push(message) > 1) return;
    queueMicrotask(() => {
      const batch = this.#freed;
      this.#freed = [];
      this.#deliver(batch);
    });
  }
}
