// A source delivers batches of messages; each message carries its own settlement.
// The pipeline calls exactly one of ack() or nack() per message, and only after Kafka
// acknowledged everything mapped from it (or its dead-letter record).

export interface SourceMessage {
  /** Source-assigned id: SQS MessageId, Pub/Sub messageId. */
  readonly id: string;
  /** Where it came from, for DLQ headers and metrics: "sqs:<queue name>" or "pubsub:<subscription>". */
  readonly source: string;
  /** How the legacy envelope is carried: an SQS body (raw or SNS notification) or Pub/Sub data. */
  readonly bodyKind: "sqs" | "pubsub";
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
  /** Pub/Sub ordering key; messages sharing one must be processed and produced in order. */
  readonly orderingKey?: string;
  /** Done: delete (SQS) or ack (Pub/Sub). Idempotent; the source batches the calls. */
  ack(): void;
  /** Not done, transient failure: make it come back (visibility / ack deadline to 0). */
  nack(): void;
}

export type Deliver = (batch: readonly SourceMessage[]) => void;

export interface Source {
  readonly name: string;
  /** Begins receiving; delivers batches until stop(). Rejects only on a fatal start-up error. */
  start(deliver: Deliver): Promise<void>;
  /** Stops receiving, then waits until every delivered message is settled and flushed. */
  stop(): Promise<void>;
}
