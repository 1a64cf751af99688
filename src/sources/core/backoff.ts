// The one backoff policy of the process: exponential growth with jitter, and a sleep that a stop
// signal cuts short. Every retry loop (receives, pulls, settle calls, the registry at start-up,
// transient pipeline failures) uses it, so a shutdown never waits out a back-off.

export interface BackoffPolicy {
  /** Ceiling of the first wait. */
  readonly initialMs: number;
  /** Ceiling of every later wait. */
  readonly maxMs: number;
}

/**
 * The wait before retry number `attempt` (1 = the first retry): a ceiling doubling from
 * `initialMs` up to `maxMs`, and a random point in its upper half. Jitter keeps many receivers
 * (or replicas) that failed together from retrying together; the lower half is left out so a
 * wait is never near zero while a server is down.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Waits `ms`; resolves early when `signal` aborts. True when the whole wait passed, false when cut short. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
