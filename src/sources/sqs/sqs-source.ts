// SQS source: several concurrent long-polling receivers on one queue, batches of 10. Leases
// (visibility extension, drain) and settlement batching are the source core's; this file holds
// what is SQS's own: receiving, and the visibility a lease gets.
import { type Message, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Logger } from "../../ops/log.ts";
import { type BackoffPolicy, backoffDelay, sleep } from "../core/backoff.ts";
import { type Lease, LeaseSet } from "../core/lease-set.ts";
import { SettleBatcher } from "../core/settle-batcher.ts";
import type { EnvelopeReader, Source, SourceContext, SourceMessage } from "../source.ts";
import { sqsEnvelopeReader } from "./envelope-reader.ts";
import { sqsSettleAdapter } from "./settle-adapter.ts";

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

/**
 * A message held through a long Kafka outage is extended again and again: doubling the lease
 * each time (up to 8 timeouts) keeps the extension traffic small when thousands are in flight,
 * while a crash still frees a recently received message after one timeout.
 */
const MAX_LEASE_FACTOR = 8;
const SQS_MAX_VISIBILITY_SECONDS = 43_200;
const RECEIVE_BATCH = 10;
const RECEIVE_BACKOFF: BackoffPolicy = { initialMs: 400, maxMs: 30_000 };

const queueName = (queueUrl: string): string => queueUrl.slice(queueUrl.lastIndexOf("/") + 1);

interface Settler {
  settle(message: SqsSourceMessage, ok: boolean): void;
}

class SqsSourceMessage implements SourceMessage, Lease {
  readonly id: string;
  readonly source: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly receiveCount: number;
  readonly publishedAtMs: number;
  readonly receiptHandle: string;
  readonly bytes: number;
  deadlineAtMs: number;
  /** Seconds the last receive or extension gave; doubles with each extension, up to a cap. */
  leaseSeconds: number;
  settled = false;
  readonly #settler: Settler;

  constructor(message: Message, source: string, leaseSeconds: number, settler: Settler) {
    this.id = message.MessageId ?? "";
    this.source = source;
    this.body = message.Body ?? "";
    this.bytes = Buffer.byteLength(this.body, "utf8");
    this.receiptHandle = message.ReceiptHandle ?? "";
    // No prototype: SQS allows an attribute named "__proto__", which on a plain object would
    // vanish (or, were it an object, replace the prototype) instead of staying an entry.
    const attributes: Record<string, string> = Object.create(null);
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      // The SDK hands an attribute named "__proto__" over with no value at all: skip it rather
      // than crash the receive loop (one such message would stop every replica, again and again).
      if (typeof value?.StringValue === "string") attributes[name] = value.StringValue;
    }
    const system = message.Attributes ?? {};
    if (system.AWSTraceHeader !== undefined) attributes.AWSTraceHeader = system.AWSTraceHeader;
    this.attributes = attributes;
    this.receiveCount = Number(system.ApproximateReceiveCount ?? "1");
    this.publishedAtMs = Number(system.SentTimestamp ?? "0");
    this.leaseSeconds = leaseSeconds;
    this.deadlineAtMs = Date.now() + leaseSeconds * 1000;
    this.#settler = settler;
  }

  /** On the prototype: one reader for every SQS message, nothing per message. */
  get reader(): EnvelopeReader {
    return sqsEnvelopeReader;
  }

  ack(): void {
    this.#settler.settle(this, true);
  }

  nack(): void {
    this.#settler.settle(this, false);
  }
}

export class SqsSource implements Source {
  readonly name: string;
  readonly #client: SQSClient;
  readonly #options: SqsSourceOptions;
  readonly #log: Logger;
  readonly #settle: SettleBatcher<SqsSourceMessage>;
  readonly #leases: LeaseSet<SqsSourceMessage>;
  readonly #settler: Settler = { settle: (message, ok) => this.#settleMessage(message, ok) };
  readonly #abort = new AbortController();
  #receivers: Promise<void>[] = [];

  constructor(client: SQSClient, options: SqsSourceOptions, log: Logger) {
    this.#client = client;
    this.#options = options;
    this.name = `sqs:${queueName(options.queueUrl)}`;
    this.#log = log.child({ source: this.name });
    this.#settle = new SettleBatcher(sqsSettleAdapter<SqsSourceMessage>(client, this.#log), this.#log, (message) =>
      this.#leases.finish(message),
    );
    const base = options.visibilityTimeoutSeconds;
    const cap = Math.min(base * MAX_LEASE_FACTOR, SQS_MAX_VISIBILITY_SECONDS);
    this.#leases = new LeaseSet<SqsSourceMessage>({
      // Checked six times per timeout, extended once less than half is left: at least a third of
      // a timeout remains for the extension call to land, even when SQS answers slowly.
      heartbeatMs: Math.max(250, (base * 1000) / 6),
      extendWithinMs: (base * 1000) / 2,
      extend: (message, nowMs) => {
        message.leaseSeconds = Math.min(message.leaseSeconds * 2, cap);
        message.deadlineAtMs = nowMs + message.leaseSeconds * 1000;
        this.#settle.extend(options.queueUrl, message, message.leaseSeconds);
      },
      release: (message) => message.nack(),
    });
  }

  get inFlight(): number {
    return this.#leases.size;
  }

  async start(context: SourceContext): Promise<void> {
    const signal = AbortSignal.any([context.signal, this.#abort.signal]);
    this.#leases.start(context.budget);
    this.#receivers = Array.from({ length: this.#options.receivers }, (_, index) => this.#receiveLoop(context, signal, index));
  }

  async stop(grace?: AbortSignal): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#receivers);
    await this.#leases.drain(grace);
    await this.#settle.flush();
  }

  async #receiveLoop(context: SourceContext, signal: AbortSignal, index: number): Promise<void> {
    const { budget, deliver } = context;
    let failures = 0;
    while (!signal.aborted) {
      // Reserve room for a full batch before asking for it; give back what did not arrive.
      if (!(await budget.acquire(RECEIVE_BATCH, 0, signal))) break;
      if (signal.aborted) {
        budget.release(RECEIVE_BATCH);
        break;
      }
      let messages: Message[];
      try {
        const result = await this.#client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#options.queueUrl,
            MaxNumberOfMessages: RECEIVE_BATCH,
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
        budget.release(RECEIVE_BATCH);
        if (signal.aborted) break;
        failures++;
        const delayMs = backoffDelay(RECEIVE_BACKOFF, failures);
        // First failure of a streak and then every tenth: no log storm while SQS is away.
        if (failures === 1 || failures % 10 === 0) {
          this.#log.warn("SQS receive failed; backing off", {
            receiver: index,
            failures,
            delayMs,
            error: error instanceof Error ? error.message : String(error),
          });
        }
        await sleep(delayMs, signal);
        continue;
      }
      budget.release(RECEIVE_BATCH - messages.length);
      if (messages.length === 0) continue;
      // Which source messages reached the bridge (tests tell a queue's loss from the bridge's).
      if (this.#log.debugEnabled) {
        this.#log.debug("SQS received", { receiver: index, messageIds: messages.map((m) => m.MessageId).join(",") });
      }
      const leaseSeconds = this.#options.visibilityTimeoutSeconds;
      const batch = messages.map((message) => {
        const received = new SqsSourceMessage(message, this.name, leaseSeconds, this.#settler);
        this.#leases.add(received);
        return received;
      });
      deliver(batch);
    }
  }

  #settleMessage(message: SqsSourceMessage, ok: boolean): void {
    if (message.settled) return;
    message.settled = true;
    if (ok) this.#settle.ack(this.#options.queueUrl, message);
    else this.#settle.release(this.#options.queueUrl, message);
  }
}
