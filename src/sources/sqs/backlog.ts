// Each SQS queue's backlog for the autoscaler: ApproximateNumberOfMessages (visible, waiting) plus
// ApproximateNumberOfMessagesNotVisible (in flight, here or in another replica), polled with
// GetQueueAttributes every interval, a few queues at a time, off the receive path. In flight
// counts because it is work not yet done: KEDA's own SQS scaler counts it by default, and without
// it a replica busy on a long batch would look idle and be scaled away (docs/decisions/0022).
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SourceMeter } from "../../ops/source-metrics.ts";

interface BacklogQueue {
  readonly url: string;
  readonly meter: SourceMeter;
  readonly dropped: boolean;
}

/** GetQueueAttributes calls at once: with 2,000 queues and a 30 s interval, ~67 calls/s at most. */
const CALLS_AT_ONCE = 4;
const ATTRIBUTES = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] as const;

export class SqsBacklog {
  readonly #client: SQSClient;
  readonly #queues: () => readonly BacklogQueue[];
  readonly #intervalMs: number;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;

  constructor(client: SQSClient, queues: () => readonly BacklogQueue[], intervalMs: number) {
    this.#client = client;
    this.#queues = queues;
    this.#intervalMs = intervalMs;
  }

  /** Polls now, then every interval (a poll still running skips the next). */
  start(): void {
    if (this.#intervalMs <= 0 || this.#abort.signal.aborted) return;
    this.#pollOnce();
    this.#timer = setInterval(() => this.#pollOnce(), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#polling;
  }

  /** One round over every queue; exposed for tests. */
  poll(): Promise<void> {
    const queues = [...this.#queues()];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < queues.length && !this.#abort.signal.aborted) {
        const queue = queues[next++]!;
        queue.meter.backlog = await this.#backlogOf(queue.url);
        // Dropped while asking: a removed source reports no backlog.
        if (queue.dropped) queue.meter.backlog = undefined;
      }
    };
    return Promise.all(Array.from({ length: Math.min(CALLS_AT_ONCE, queues.length) }, lane)).then(() => undefined);
  }

  #pollOnce(): void {
    if (this.#polling !== undefined) return;
    this.#polling = this.poll().finally(() => {
      this.#polling = undefined;
    });
  }

  /** Undefined when SQS did not say: no gauge beats a stale one for an autoscaler. */
  async #backlogOf(url: string): Promise<number | undefined> {
    try {
      const result = await this.#client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...ATTRIBUTES] }), {
        abortSignal: this.#abort.signal,
      });
      const attributes = (result as { Attributes?: Record<string, string> } | undefined)?.Attributes;
      const visible = Number(attributes?.ApproximateNumberOfMessages);
      const notVisible = Number(attributes?.ApproximateNumberOfMessagesNotVisible);
      return Number.isFinite(visible) && Number.isFinite(notVisible) ? visible + notVisible : undefined;
    } catch {
      return undefined;
    }
  }
}
