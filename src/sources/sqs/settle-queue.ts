// Deletes and visibility changes, batched 10 per call (the SQS maximum) and flushed on a short
// timer, so the source makes one request per ten settlements instead of one per message.
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "../../ops/log.ts";

const SQS_BATCH_MAX = 10;

interface Pending {
  readonly receiptHandle: string;
  /** For visibility changes; ignored for deletes. */
  readonly visibilitySeconds: number;
  readonly done: () => void;
}

type Kind = "delete" | "visibility";

export class SettleQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #log: Logger;
  readonly #flushMs: number;
  readonly #pending: Record<Kind, Pending[]> = { delete: [], visibility: [] };
  #timer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(client: SQSClient, queueUrl: string, log: Logger, flushMs = 20) {
    this.#client = client;
    this.#queueUrl = queueUrl;
    this.#log = log;
    this.#flushMs = flushMs;
  }

  delete(receiptHandle: string, done: () => void): void {
    this.#add("delete", { receiptHandle, visibilitySeconds: 0, done });
  }

  changeVisibility(receiptHandle: string, visibilitySeconds: number, done: () => void = () => {}): void {
    this.#add("visibility", { receiptHandle, visibilitySeconds, done });
  }

  /** Sends everything queued and waits for every request under way. */
  async flush(): Promise<void> {
    this.#drain("delete");
    this.#drain("visibility");
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #add(kind: Kind, entry: Pending): void {
    const queue = this.#pending[kind];
    queue.push(entry);
    if (queue.length >= SQS_BATCH_MAX) this.#drain(kind, true);
    else this.#timer ??= setTimeout(() => this.#onTimer(), this.#flushMs);
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#drain("delete");
    this.#drain("visibility");
  }

  /** Sends full batches; with `fullOnly` a partial tail waits for the timer. */
  #drain(kind: Kind, fullOnly = false): void {
    const queue = this.#pending[kind];
    while (queue.length >= SQS_BATCH_MAX || (!fullOnly && queue.length > 0)) {
      const batch = queue.splice(0, SQS_BATCH_MAX);
      const request = this.#send(kind, batch).finally(() => this.#inFlight.delete(request));
      this.#inFlight.add(request);
    }
  }

  async #send(kind: Kind, batch: Pending[], attempt = 1): Promise<void> {
    const entries = batch.map((entry, index) => ({
      Id: String(index),
      ReceiptHandle: entry.receiptHandle,
      VisibilityTimeout: entry.visibilitySeconds,
    }));
    let failedIds: ReadonlySet<string>;
    try {
      const command =
        kind === "delete"
          ? new DeleteMessageBatchCommand({
              QueueUrl: this.#queueUrl,
              Entries: entries.map(({ Id, ReceiptHandle }) => ({ Id, ReceiptHandle })),
            })
          : new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries });
      const result = await this.#client.send(command);
      // A failed entry whose fault is the sender's (e.g. an expired receipt handle) will not
      // succeed on retry: the message will come back by visibility timeout, which is safe.
      const failed = result.Failed ?? [];
      for (const failure of failed) {
        if (failure.SenderFault) {
          this.#log.warn(`SQS ${kind} entry rejected`, { code: failure.Code, reason: failure.Message });
        }
      }
      failedIds = new Set(failed.filter((failure) => !failure.SenderFault).map((failure) => failure.Id ?? ""));
    } catch (error) {
      this.#log.warn(`SQS ${kind} batch failed`, { attempt, error: error instanceof Error ? error.message : String(error) });
      failedIds = new Set(entries.map((entry) => entry.Id));
    }
    const retry = batch.filter((_, index) => failedIds.has(String(index)));
    for (const [index, entry] of batch.entries()) if (!failedIds.has(String(index))) entry.done();
    if (retry.length === 0) return;
    if (attempt >= 5) {
      // Give up: the message reappears after its visibility timeout (at-least-once holds).
      for (const entry of retry) entry.done();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    await this.#send(kind, retry, attempt + 1);
  }
}
