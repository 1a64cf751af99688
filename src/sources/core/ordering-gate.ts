// One message per ordering key (Pub/Sub) or message group (SQS FIFO) in the pipeline at a time. The pipeline does not serialize: two
// messages of one key in flight together could reach Kafka in either order. So the next message
// of a key is held here until the previous one is settled; different keys pass in parallel.
// A nack releases the held ones for redelivery too: Pub/Sub redelivers a key's later messages
// after a redelivered one anyway, and delivering them now would overtake it.

export class OrderingGate<M> {
  /** Key → messages waiting behind the one in flight (an empty list: one in flight, none waiting). */
  readonly #keys = new Map<string, M[]>();
  #held = 0;

  /** Messages waiting behind another of their key. */
  get held(): number {
    return this.#held;
  }

  /** Keys with a message in flight. */
  get busyKeys(): number {
    return this.#keys.size;
  }

  /** True: deliver now (the key was free). False: held until the key's current message settles. */
  admit(key: string, message: M): boolean {
    const waiting = this.#keys.get(key);
    if (waiting === undefined) {
      this.#keys.set(key, []);
      return true;
    }
    waiting.push(message);
    this.#held++;
    return false;
  }

  /** The key's message was acked: the next one (now in flight) to deliver, if any. */
  acked(key: string): M | undefined {
    const waiting = this.#keys.get(key);
    if (waiting === undefined) return undefined;
    const next = waiting.shift();
    if (next === undefined) this.#keys.delete(key);
    else this.#held--;
    return next;
  }

  /** The key's message was nacked: every held one, to nack as well; the key is free. */
  nacked(key: string): M[] {
    const waiting = this.#keys.get(key);
    this.#keys.delete(key);
    if (waiting === undefined) return [];
    this.#held -= waiting.length;
    return waiting;
  }

  /** Stopping: every held message (to nack); in-flight keys stay until they settle. */
  takeAllHeld(): M[] {
    const out: M[] = [];
    for (const waiting of this.#keys.values()) out.push(...waiting.splice(0));
    this.#held = 0;
    return out;
  }
}
