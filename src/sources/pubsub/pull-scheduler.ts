// Which subscription a pull worker serves next. Round robin over a FIFO of ready subscriptions:
// after its turn a subscription goes to the back of the queue, so one with a backlog of
// thousands gets one pull per round, exactly like one with a single message (fair by
// construction). A subscription whose last pull was empty waits before it is asked again
// (doubling up to a ceiling, so idle ones cost little), but one that just had messages is first
// given a few more turns, and within busyWindowMs of its last messages its wait does not double:
// a busy subscription often comes back empty between two bursts of its publisher, and waits
// there made the latency tail at moderate rates (decision 0027). One holding its maximum of
// in-flight messages is parked until some settle. One timer serves every waiting one.
// Idle polling is also paced as a whole: with N idle subscriptions, one that has backed off to
// the ceiling waits at least N / idlePullsPerSecond, so hundreds of quiet subscriptions cost a
// bounded number of pulls (every pull costs CPU, garbage and, on Google's side, a billed request).

export type SlotState = "ready" | "pulling" | "idle" | "parked" | "removed";

export interface Slot {
  readonly name: string;
  /** Messages of this subscription received and not yet settled (held ones included). */
  inFlight: number;
  state: SlotState;
  /** Current idle wait; 0 after a pull that returned messages. */
  idleMs: number;
  /** Empty pulls in a row since its last messages (from the grace's end when it never had any). */
  emptyPulls: number;
  /** When its last pull with messages answered (epoch ms; 0: never). */
  lastMessagesAtMs: number;
  /** When an idle slot becomes ready again (epoch ms). */
  dueAtMs: number;
}

/** A slot's scheduling fields before `add` (which makes it ready): one place for their start values. */
export function unscheduledSlot(name: string): Slot {
  return { name, inFlight: 0, state: "removed", idleMs: 0, emptyPulls: 0, lastMessagesAtMs: 0, dueAtMs: 0 };
}

export interface SchedulerOptions {
  /**
   * Empty pulls in a row after a pull that returned messages that go straight back in line (a
   * turn in the next round) before the subscription starts to wait; 0: the first empty pull waits.
   */
  readonly emptyPullsBeforeIdle: number;
  /**
   * A subscription that had messages within this long waits only idleMinMs after an empty pull,
   * without doubling: traffic with gaps is not answered by a growing wait (0: always doubling).
   */
  readonly busyWindowMs: number;
  /** First wait once a subscription backs off. */
  readonly idleMinMs: number;
  /** Longest backoff between pulls of an idle subscription: bounds the latency of a trickle. */
  readonly idleMaxMs: number;
  /**
   * Most empty-handed pulls per second over all idle subscriptions (0: no pacing). Above
   * idleMaxMs × this many idle subscriptions, each waits longer than idleMaxMs.
   */
  readonly idlePullsPerSecond: number;
  /** A subscription may hold at most this many unsettled messages (its share of the budget). */
  readonly maxInFlightPerSubscription: number;
  /** Granularity of the one timer that wakes idle subscriptions. */
  readonly tickMs: number;
}

export class PullScheduler<S extends Slot = Slot> {
  readonly #options: SchedulerOptions;
  readonly #now: () => number;
  readonly #ready: (S | undefined)[] = [];
  #readyHead = 0;
  readonly #idle = new Set<S>();
  readonly #takers: ((slot: S | undefined) => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: SchedulerOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  get readyCount(): number {
    return this.#ready.length - this.#readyHead;
  }

  get idleCount(): number {
    return this.#idle.size;
  }

  /** Starts scheduling a slot (new subscription): ready at once. */
  add(slot: S): void {
    slot.idleMs = 0;
    slot.lastMessagesAtMs = 0;
    // No grace before it had messages: 500 new idle subscriptions do not pull extra rounds.
    slot.emptyPulls = this.#options.emptyPullsBeforeIdle;
    this.#makeReady(slot);
  }

  /** Stops scheduling a slot; a pull under way finishes, nothing more is asked. */
  remove(slot: S): void {
    this.#idle.delete(slot);
    slot.state = "removed";
  }

  /** How many messages the next pull of this slot may ask for. */
  room(slot: S, perPull: number): number {
    return Math.max(0, Math.min(perPull, this.#options.maxInFlightPerSubscription - slot.inFlight));
  }

  /** The next slot to pull (it is then "pulling"); waits while none is ready. Undefined once closed. */
  take(): Promise<S | undefined> {
    const slot = this.#shift();
    if (slot !== undefined || this.#closed) return Promise.resolve(slot);
    return new Promise((resolve) => this.#takers.push(resolve));
  }

  /**
   * After a pull: back of the queue if it got messages (or ran dry only just now), a wait if
   * not, parked at its cap.
   */
  pulled(slot: S, received: number): void {
    if (slot.state !== "pulling") return;
    if (received > 0) {
      slot.idleMs = 0;
      slot.emptyPulls = 0;
      slot.lastMessagesAtMs = this.#now();
      this.#readyOrParked(slot);
      return;
    }
    if (slot.emptyPulls < this.#options.emptyPullsBeforeIdle) {
      slot.emptyPulls++;
      this.#readyOrParked(slot);
      return;
    }
    const busy = slot.lastMessagesAtMs > 0 && this.#now() - slot.lastMessagesAtMs < this.#options.busyWindowMs;
    slot.idleMs = busy || slot.idleMs === 0 ? this.#options.idleMinMs : Math.min(this.#options.idleMaxMs, slot.idleMs * 2);
    // Only long-idle subscriptions (at the ceiling) are paced: one that just ran dry keeps the
    // short waits of its backoff, or a moderate load would wait out the pacing between batches.
    const paced = slot.idleMs >= this.#options.idleMaxMs ? this.#pacedIdleMs() : 0;
    this.#wait(slot, Math.max(slot.idleMs, paced));
  }

  /** Back in line without pulling (or parked when at its cap). */
  requeue(slot: S): void {
    if (slot.state === "pulling") this.#readyOrParked(slot);
  }

  /** After a failed pull: try this one again after `delayMs`. */
  failed(slot: S, delayMs: number): void {
    if (slot.state !== "pulling") return;
    this.#wait(slot, delayMs);
  }

  /**
   * A message of the slot was settled. Unparks it below its cap; wakes it when idle, since an
   * ack is what frees the next message of an ordering key on the server.
   */
  settled(slot: S): void {
    if (slot.state === "parked" && slot.inFlight < this.#options.maxInFlightPerSubscription) this.#makeReady(slot);
    else if (slot.state === "idle" && slot.idleMs > 0) {
      this.#idle.delete(slot);
      slot.idleMs = 0;
      this.#makeReady(slot);
    }
  }

  /** Moves every idle slot that is due to the ready queue. */
  tick(): void {
    if (this.#idle.size === 0) return;
    const now = this.#now();
    for (const slot of this.#idle) {
      if (slot.dueAtMs > now) continue;
      this.#idle.delete(slot);
      this.#readyOrParked(slot);
    }
  }

  start(): void {
    this.#timer ??= setInterval(() => this.tick(), this.#options.tickMs);
  }

  /** Wakes every waiting worker with undefined; take() answers undefined from now on. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const taker of this.#takers.splice(0)) taker(undefined);
  }

  /** The wait that keeps all idle subscriptions together within idlePullsPerSecond. */
  #pacedIdleMs(): number {
    const rate = this.#options.idlePullsPerSecond;
    return rate > 0 ? ((this.#idle.size + 1) * 1000) / rate : 0;
  }

  #wait(slot: S, delayMs: number): void {
    slot.state = "idle";
    slot.dueAtMs = this.#now() + delayMs;
    this.#idle.add(slot);
  }

  #readyOrParked(slot: S): void {
    if (slot.inFlight >= this.#options.maxInFlightPerSubscription) slot.state = "parked";
    else this.#makeReady(slot);
  }

  #makeReady(slot: S): void {
    const taker = this.#takers.shift();
    if (taker !== undefined) {
      slot.state = "pulling";
      taker(slot);
      return;
    }
    slot.state = "ready";
    this.#ready.push(slot);
  }

  #shift(): S | undefined {
    while (this.#readyHead < this.#ready.length) {
      const slot = this.#ready[this.#readyHead];
      this.#ready[this.#readyHead++] = undefined;
      if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
        this.#ready.splice(0, this.#readyHead);
        this.#readyHead = 0;
      }
      // A slot removed (or re-added) while queued is skipped here.
      if (slot === undefined || slot.state !== "ready") continue;
      slot.state = "pulling";
      return slot;
    }
    return undefined;
  }
}
