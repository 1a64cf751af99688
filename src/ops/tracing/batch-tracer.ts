// What the pipeline asks of tracing. Absent when tracing is off: then nothing here runs and no
// OpenTelemetry module is loaded (see setup.ts), so the hot path pays nothing.
import type { RecordSink } from "../../pipeline/records.ts";
import type { SourceMessage } from "../../sources/source.ts";

export interface BatchTracer {
  /** Runs one delivered batch inside its `process` span; settles as `run` does. */
  process(batch: readonly SourceMessage[], run: () => Promise<void>): Promise<void>;
  /**
   * The sink wrapped so that each send gets a `send` span (a child of the batch's `process`
   * span) and each record's `traceparent` continues the trace its source message came with.
   */
  sink(sink: RecordSink): RecordSink;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}
