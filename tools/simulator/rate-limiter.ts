// A token bucket for open-loop publishing: the schedule is fixed in advance, so a slow response
// does not lower the offered rate (no coordinated omission). Rate 0 means unlimited.
import { setTimeout as sleep } from "node:timers/promises";

export class RateLimiter {
  readonly #intervalMs: number;
  #nextAtMs = 0;

  constructor(perSecond: number) {
    this.#intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
  }

  async take(count: number): Promise<void> {
    if (this.#intervalMs === 0) return;
    const now = performance.now();
    if (this.#nextAtMs === 0) this.#nextAtMs = now;
    const waitMs = this.#nextAtMs - now;
    this.#nextAtMs += this.#intervalMs * count;
    // Sleeping less than a millisecond costs more than it buys; batch those.
    if (waitMs >= 1) await sleep(waitMs);
  }
}
