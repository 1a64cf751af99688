// SQS source: several concurrent long-polling receivers on one queue, batches of 10, visibility
// extended while a message is in flight, deletes batched and sent only when the pipeline acks.
import { type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "../../ops/log.ts";
import type { InFlightBudget } from "../../pipeline/budget.ts";
import type { Deliver, Source, SourceMessage } from "../source.ts";
import { SettleQueue } from "./settle-queue.ts";

export interface SqsSourceOptions {
  readonly queueUrl: string;
  /** Concurrent ReceiveMessage loops. */
  readonly receivers: number;
  /** Long-poll wait, 0..20 s. */
  readonly waitTimeSeconds: number;
  /** Visibility given on receive and on each extension. */
  readonly visibilityTimeoutSeconds: number;
}

export const defaultSqsSourceOptions = {
  receivers: 8,
  waitTimeSeconds: 20,
  visibilityTimeoutSeconds: 30,
} as const;

interface Lease {
  readonly receiptHandle: string;
  readonly bytes: number;
  visibleUntilMs: number;
  /** Seconds the last receive or extension gave; doubles with each extension, up to a cap. */
  leaseSeconds: number;
  settled: boolean;
}

/**
 * A message held through a long Kafka outage is extended again and again: doubling the lease
 * each time (up to 8 timeouts) keeps the extension traffic small when thousands are in flight,
 * while a crash still frees a recently received message after one timeout.
 */
const MAX_LEASE_FACTOR = 8;
const SQS_MAX_VISIBILITY_SECONDS = 43_200;

const queueName = (queueUrl: string): string => queueUrl.slice(queueUrl.lastIndexOf("/") + 1);

export class SqsSource implements Source {
  readonly name: string;
  readonly #client: SQSClient;
  readonly #options: SqsSourceOptions;
  readonly #budget: InFlightBudget;
  readonly #log: Logger;
  readonly #settle: SettleQueue;
  readonly #leases = new Set<Lease>();
  readonly #abort = new AbortController();
  #receivers: Promise<void>[] = [];
  #heartbeat: NodeJS.Timeout | undefined;
  #drained: (() => void) | undefined;

  constructor(client: SQSClient, options: SqsSourceOptions, budget: InFlightBudget, log: Logger) {
    this.#client = client;
    this.#options = options;
    this.#budget = budget;
    this.name = `sqs:${queueName(options.queueUrl)}`;
    this.#log = log.child({ source: this.name });
    this.#settle = new SettleQueue(client, options.queueUrl, this.#log);
  }

  get inFlight(): number {
    return this.#leases.size;
  }

  async start(deliver: Deliver): Promise<void> {
    // Checked six times per timeout, extended once less than half is left: at least a third of
    // a timeout remains for the extension call to land, even when SQS answers slowly.
    const checkEveryMs = (this.#options.visibilityTimeoutSeconds * 1000) / 6;
    this.#heartbeat = setInterval(() => this.#extendLeases(), Math.max(250, checkEveryMs));
    this.#receivers = Array.from({ length: this.#options.receivers }, (_, index) => this.#receiveLoop(deliver, index));
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#receivers);
    if (this.#leases.size > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    clearInterval(this.#heartbeat);
    await this.#settle.flush();
  }

  async #receiveLoop(deliver: Deliver, index: number): Promise<void> {
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      // Reserve room for a full batch before asking for it; give back what did not arrive.
      await this.#budget.acquire(10);
      if (signal.aborted) {
        this.#budget.release(10);
        break;
      }
      let messages: Message[];
      try {
        const result = await this.#client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#options.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.#options.waitTimeSeconds,
            VisibilityTimeout: this.#options.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp", "AWSTraceHeader"],
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: signal },
        );
        messages = result.Messages ?? [];
        failures = 0;
      } catch (error) {
        this.#budget.release(10);
        if (signal.aborted) break;
        failures++;
        const delay = Math.min(30_000, 200 * 2 ** Math.min(failures, 8));
        this.#log.warn("SQS receive failed; backing off", {
          receiver: index,
          delayMs: delay,
          error: error instanceof Error ? error.message : String(error),
        });
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      this.#budget.release(10 - messages.length);
      if (messages.length === 0) continue;
      // Which source messages reached the bridge (tests tell a queue's loss from the bridge's).
      if (this.#log.debugEnabled) {
        this.#log.debug("SQS received", { receiver: index, messageIds: messages.map((m) => m.MessageId).join(",") });
      }
      const batch = messages.map((message) => this.#toSourceMessage(message));
      deliver(batch);
    }
  }

  #toSourceMessage(message: Message): SourceMessage {
    const body = message.Body ?? "";
    const bytes = Buffer.byteLength(body, "utf8");
    const lease: Lease = {
      receiptHandle: message.ReceiptHandle ?? "",
      bytes,
      visibleUntilMs: Date.now() + this.#options.visibilityTimeoutSeconds * 1000,
      leaseSeconds: this.#options.visibilityTimeoutSeconds,
      settled: false,
    };
    this.#leases.add(lease);
    this.#budget.chargeBytes(bytes);
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      if (value.StringValue !== undefined) attributes[name] = value.StringValue;
    }
    const system = message.Attributes ?? {};
    if (system.AWSTraceHeader !== undefined) attributes.AWSTraceHeader = system.AWSTraceHeader;
    const settle = (outcome: "ack" | "nack"): void => {
      if (lease.settled) return;
      lease.settled = true;
      const finish = (): void => this.#release(lease);
      if (outcome === "ack") this.#settle.delete(lease.receiptHandle, finish);
      else this.#settle.changeVisibility(lease.receiptHandle, 0, finish);
    };
    return {
      id: message.MessageId ?? "",
      source: this.name,
      bodyKind: "sqs",
      body,
      attributes,
      receiveCount: Number(system.ApproximateReceiveCount ?? "1"),
      publishedAtMs: Number(system.SentTimestamp ?? "0"),
      ack: () => settle("ack"),
      nack: () => settle("nack"),
    };
  }

  #release(lease: Lease): void {
    this.#leases.delete(lease);
    this.#budget.release(1, lease.bytes);
    if (this.#leases.size === 0) this.#drained?.();
  }

  /** Extends every unsettled message whose visibility runs out within half a base timeout. */
  #extendLeases(): void {
    const now = Date.now();
    const base = this.#options.visibilityTimeoutSeconds;
    const cap = Math.min(base * MAX_LEASE_FACTOR, SQS_MAX_VISIBILITY_SECONDS);
    for (const lease of this.#leases) {
      if (lease.settled || lease.visibleUntilMs - now > (base * 1000) / 2) continue;
      lease.leaseSeconds = Math.min(lease.leaseSeconds * 2, cap);
      lease.visibleUntilMs = now + lease.leaseSeconds * 1000;
      this.#settle.changeVisibility(lease.receiptHandle, lease.leaseSeconds);
    }
  }
}
