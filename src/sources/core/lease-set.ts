// The messages a source kind has received and not yet settled, with ONE heartbeat that asks the
// source kind to extend those close to their deadline, the in-flight budget they hold, and the
// drain that stop() waits for (releasing what is left when the grace period ends).
import type { SourceBudget } from "../source.ts";

export interface Lease {
  /** Bytes charged to the budget while held. */
  readonly bytes: number;
  /** When the source's lease on the message runs out (epoch ms); the extender moves it. */
  deadlineAtMs: number;
  /** The pipeline settled it (ack or nack): no more extensions. */
  settled: boolean;
}

export interface LeaseSetOptions<L extends Lease> {
  readonly heartbeatMs: number;
  /** A lease with at most this much left is extended. */
  readonly extendWithinMs: number;
  /** Extends one lease: sets its new deadline and queues the call. May skip it (e.g. a gone subscription). */
  extend(lease: L, nowMs: number): void;
  /** Releases an unsettled lease for redelivery (the source kind's nack), when the grace period ends. */
  release(lease: L): void;
}

export class LeaseSet<L extends Lease> {
  readonly #options: LeaseSetOptions<L>;
  readonly #leases = new Set<L>();
  #budget: SourceBudget | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #drained: (() => void) | undefined;

  constructor(options: LeaseSetOptions<L>) {
    this.#options = options;
  }

  get size(): number {
    return this.#leases.size;
  }

  /** The leases held, oldest received first (for the in-flight metrics, read at scrape time). */
  values(): IterableIterator<L> {
    return this.#leases.values();
  }

  /** Starts the heartbeat; leases charge and give back `budget`. */
  start(budget: SourceBudget): void {
    this.#budget = budget;
    this.#heartbeat ??= setInterval(() => this.#extend(), this.#options.heartbeatMs);
  }

  /** Holds a received message: its message slot was acquired before the receive; its bytes are charged now. */
  add(lease: L): void {
    this.#leases.add(lease);
    this.#budget?.chargeBytes(lease.bytes);
  }

  /** The source has its settlement (or cannot get one): frees the budget. False when not held. */
  finish(lease: L): boolean {
    if (!this.#leases.delete(lease)) return false;
    this.#budget?.release(1, lease.bytes);
    if (this.#leases.size === 0) this.#drained?.();
    return true;
  }

  /**
   * Resolves once every lease is finished, then stops the heartbeat. When `grace` aborts first,
   * every lease not yet settled is released, so stop() never outlasts the grace period by more
   * than the release calls.
   */
  async drain(grace?: AbortSignal): Promise<void> {
    if (this.#leases.size > 0) {
      const empty = new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
      const onGraceOver = (): void => {
        for (const lease of [...this.#leases]) if (!lease.settled) this.#options.release(lease);
      };
      if (grace?.aborted) onGraceOver();
      else grace?.addEventListener("abort", onGraceOver, { once: true });
      await empty;
      grace?.removeEventListener("abort", onGraceOver);
    }
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #extend(): void {
    const now = Date.now();
    const within = this.#options.extendWithinMs;
    for (const lease of this.#leases) {
      if (lease.settled || lease.deadlineAtMs - now > within) continue;
      this.#options.extend(lease, now);
    }
  }
}
