// Retry for transient failures (Kafka, registry, KMS unreachable or throttling), on the process's
// one backoff policy. It retries until it succeeds or the stop signal fires: a transient failure
// never turns a message into a dead letter.
import { type BackoffPolicy, backoffDelay, sleep } from "../sources/core/backoff.ts";

export type Backoff = BackoffPolicy;

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
      const delayMs = backoffDelay(backoff, tries);
      onRetry(error, tries, delayMs);
      if (!(await sleep(delayMs, stop))) return false;
    }
  }
}
