// A source delivers batches of messages; each message carries its own settlement.
// The pipeline calls exactly one of ack() or nack() per message, and only after Kafka
// acknowledged everything mapped from it (or its dead-letter record).
import type { ReadEnvelope } from "../envelope/read.ts";
import type { SourceMetrics } from "../ops/source-metrics.ts";

/**
 * How one source kind carries the legacy envelope (an SQS body, raw or an SNS notification;
 * Pub/Sub data). Each kind has one, in its own folder, and every message points at it: a new
 * source kind brings its reader and touches nothing else.
 */
export interface EnvelopeReader {
  /** Names the carrier in dead letters (header mb_body_kind), e.g. "sqs", "pubsub". */
  readonly bodyKind: string;
  read(message: SourceMessage): ReadEnvelope;
}

export interface SourceMessage {
  /** Source-assigned id: SQS MessageId, Pub/Sub messageId. */
  readonly id: string;
  /** Where it came from, for DLQ headers and metrics: "sqs:<queue name>" or "pubsub:<subscription>". */
  readonly source: string;
  /** Reads the legacy envelope out of this message (shared by every message of the source kind). */
  readonly reader: EnvelopeReader;
  /**
   * The body exactly as received (still encrypted); goes to the DLQ unchanged (a string as its
   * UTF-8 bytes). SQS delivers text and it stays text: the envelope stage parses text, so turning
   * it into bytes here would only have it decoded again. Pub/Sub data is bytes.
   */
  readonly body: Buffer | string;
  /** Transport attributes (SQS message attributes, Pub/Sub attributes). */
  readonly attributes: Readonly<Record<string, string>>;
  /** How many times the source has delivered this message (1 on first delivery). */
  readonly receiveCount: number;
  /** When the message entered the source system (epoch ms), for latency metrics; 0 when unknown. */
  readonly publishedAtMs: number;
  /** Only on a dead letter run again by `meshbridge dlq replay`: its replays so far, this one included. */
  readonly replayCount?: number;
  /** Pub/Sub ordering key; messages sharing one must be processed and produced in order. */
  readonly orderingKey?: string;
  /** Done: delete (SQS) or ack (Pub/Sub). Idempotent; the source batches the calls. */
  ack(): void;
  /** Not done, transient failure: make it come back (visibility / ack deadline to 0). */
  nack(): void;
}

export type Deliver = (batch: readonly SourceMessage[]) => void;

/**
 * The process's in-flight bound as a source sees it (one, shared by every source): a slot is
 * taken before a message is asked for, its bytes are charged on arrival, and both are given back
 * once the source has the message's settlement.
 */
export interface SourceBudget {
  /**
   * Resolves with true once `messages` slots (and `bytes`, an estimate) are reserved, first come
   * first served across sources; with false, nothing reserved, when `signal` aborts first.
   */
  acquire(messages: number, bytes?: number, signal?: AbortSignal): Promise<boolean>;
  /** Reserves without waiting when there is room now; false otherwise. */
  tryAcquire(messages: number): boolean;
  chargeBytes(bytes: number): void;
  release(messages: number, bytes?: number): void;
}

/** What a source is given to run: where to deliver, the budget it draws on, and when to stop. */
export interface SourceContext {
  readonly deliver: Deliver;
  readonly budget: SourceBudget;
  /** Aborted when the process stops receiving (shutdown): receives and back-offs end at once. */
  readonly signal: AbortSignal;
  /**
   * Where each queue or subscription reports its state, lease extensions, backlog and in-flight
   * messages (the pipeline counts the rest); absent: a private registry nobody reads.
   */
  readonly metrics?: SourceMetrics;
}

export interface Source {
  readonly name: string;
  /** Begins receiving; delivers batches until stop(). Rejects only on a fatal start-up error. */
  start(context: SourceContext): Promise<void>;
  /**
   * Stops receiving, then waits until every delivered message is settled and flushed. When
   * `grace` aborts first, the messages still unsettled are released for redelivery.
   */
  stop(grace?: AbortSignal): Promise<void>;
}
