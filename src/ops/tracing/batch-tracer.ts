// What the pipeline asks of tracing. Absent when tracing is off: then nothing here runs and no
// OpenTelemetry module is loaded (see setup.ts), so the hot path pays nothing.
import type { RecordSink } from "../../pipeline/records.ts";
import type { SourceMessage } from "../../sources/source.ts";

/** Where a receive call reads: the system (`aws_sqs`, `gcp_pubsub`) and the queue or subscription. */
export interface ReceiveSource {
  readonly system: "aws_sqs" | "gcp_pubsub";
  readonly name: string;
}

export interface BatchTracer {
  /** Runs one delivered batch inside its `process` span; settles as `run` does. */
  process(batch: readonly SourceMessage[], run: () => Promise<void>): Promise<void>;
  /**
   * The sink wrapped so that each send gets a `send` span (a child of the batch's `process`
   * span) and each record's `traceparent` continues the trace its source message came with.
   */
  sink(sink: RecordSink): RecordSink;
  /**
   * Runs one receive call (SQS ReceiveMessage, Pub/Sub Pull) inside its `receive` span; a call
   * that returns nothing leaves no span (idle polling of hundreds of queues would drown traces).
   */
  receive<T extends readonly unknown[]>(source: ReceiveSource, call: () => Promise<T>): Promise<T>;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}
