// Whether Kafka answers the producer: every produce request and every probe reports here. A
// refusal (record too large) is an answer; a timeout, a refused connection or missing metadata
// is not. Readiness turns "unreachable for longer than the request timeout" into not ready.
export type ProducerState = "connected" | "unreachable";

export class ProducerHealth {
  #unreachableSinceMs: number | undefined;
  #lastAnsweredMs = 0;
  #lastError: string | undefined;

  get state(): ProducerState {
    return this.#unreachableSinceMs === undefined ? "connected" : "unreachable";
  }

  /** When Kafka last answered (epoch ms; 0: never). */
  get lastAnsweredMs(): number {
    return this.#lastAnsweredMs;
  }

  /** What the last failure said (no secrets: the sink's error messages name brokers and topics). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  answered(nowMs = Date.now()): void {
    this.#unreachableSinceMs = undefined;
    this.#lastError = undefined;
    this.#lastAnsweredMs = nowMs;
  }

  /** Kafka did not answer a request sent at `nowMs` (a late report of one older than the last answer is ignored). */
  failed(error: string, nowMs = Date.now()): void {
    if (nowMs < this.#lastAnsweredMs) return;
    this.#unreachableSinceMs ??= nowMs;
    this.#lastError = error;
  }

  /** How long Kafka has not answered (0 while connected). */
  unreachableForMs(nowMs = Date.now()): number {
    return this.#unreachableSinceMs === undefined ? 0 : Math.max(0, nowMs - this.#unreachableSinceMs);
  }
}
