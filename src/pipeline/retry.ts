// Retry with exponential backoff and full jitter, for transient failures (Kafka, registry, KMS
// unreachable or throttling). It retries until it succeeds or the stop signal fires: a
// transient failure never turns a message into a dead letter.

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const defaultBackoff: Backoff = { initialMs: 100, maxMs: 10_000 };

/** True once `attempt` succeeded; false when stopped first. */
export async function retryTransient(
  attempt: () => Promise<void>,
  backoff: Backoff,
  stop: AbortSignal,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<boolean> {
  for (let tries = 1; ; tries++) {
    try {
      await attempt();
      return true;
    } catch (error) {
      if (stop.aborted) return false;
      const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(tries - 1, 20));
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      onRetry(error, tries, delayMs);
      const stopped = await sleepUnlessStopped(delayMs, stop);
      if (stopped) return false;
    }
  }
}

function sleepUnlessStopped(ms: number, stop: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (stop.aborted) {
      resolve(true);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      stop.removeEventListener("abort", onAbort);
      resolve(false);
    }, ms);
    stop.addEventListener("abort", onAbort, { once: true });
  });
}
