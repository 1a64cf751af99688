// How the sink reports failures. Transient (KafkaSendError): the caller sends the records again,
// except those listed in `written`; duplicates this still creates (an acknowledgement lost on
// the way) are removed downstream by the deterministic ce_id. Permanent (KafkaPermanentError):
// some records can never be written; each carries its own PermanentError for the dead-letter topic.
import type { PermanentClassName } from "../pipeline/error-classes.ts";
import { type PermanentError, TransientError } from "../pipeline/errors.ts";

/** Broker answers that no retry can fix, and the errorClass written to the DLQ for them. */
export const permanentProduceErrorClasses = {
  MESSAGE_TOO_LARGE: "RecordTooLarge",
  RECORD_LIST_TOO_LARGE: "RecordListTooLarge",
  INVALID_RECORD: "InvalidRecord",
} as const satisfies Record<string, PermanentClassName>;
export type PermanentProduceApiError = keyof typeof permanentProduceErrorClasses;

const NONE_WRITTEN: readonly number[] = Object.freeze([]);

/** Transient: Kafka unreachable, timed out, leader moving, or an earlier send of this sink failed. */
export class KafkaSendError extends TransientError<"KafkaUnavailable"> {
  override readonly name: string = "KafkaSendError";
  /**
   * Indexes into the records given to send() that Kafka acknowledged before the failure (the
   * requests before the failed one, and its partitions the broker took): not to be sent again.
   */
  readonly written: readonly number[];

  constructor(message: string, options?: { cause?: unknown; written?: readonly number[] }) {
    super("KafkaUnavailable", message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.written = options?.written ?? NONE_WRITTEN;
  }
}

export interface RejectedRecord {
  /** Index into the records array given to send(). */
  readonly index: number;
  readonly error: PermanentError;
}

/**
 * Some records of a send() were refused for good. Of the others, those in `written` were
 * acknowledged and the rest may or may not have been (`nothingWritten` tells when none was): the
 * caller dead-letters the rejected ones and sends the rest again.
 */
export class KafkaPermanentError extends Error {
  override readonly name = "KafkaPermanentError";
  readonly rejected: readonly RejectedRecord[];
  readonly nothingWritten: boolean;
  /** As KafkaSendError.written. */
  readonly written: readonly number[];

  constructor(
    message: string,
    rejected: readonly RejectedRecord[],
    nothingWritten: boolean,
    options?: { cause?: unknown; written?: readonly number[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.rejected = rejected;
    this.nothingWritten = nothingWritten;
    this.written = nothingWritten ? NONE_WRITTEN : (options?.written ?? NONE_WRITTEN);
  }
}

/** Records a failed send() still wrote: the `written` of either error, else none. */
export function writtenIndexes(error: unknown): readonly number[] {
  return error instanceof KafkaSendError || error instanceof KafkaPermanentError ? error.written : NONE_WRITTEN;
}

/** A partition of a produce request that the broker refused with a permanent error. */
export interface RejectedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly apiId: PermanentProduceApiError;
  readonly serverMessage: string | undefined;
}

interface ErrorNode {
  apiId?: unknown;
  path?: unknown;
  serverErrorMessage?: unknown;
  errors?: unknown;
  response?: unknown;
}

interface ProduceResponseShape {
  responses?: ReadonlyArray<{ name?: unknown; partitionResponses?: ReadonlyArray<{ index?: unknown; errorCode?: unknown }> }>;
}

/**
 * Calls `visit` for every node of an error from @platformatic/kafka (nested MultipleErrors →
 * ResponseError carrying the Produce response → ProtocolError per partition), with the node's own
 * response (`own`) and the nearest one at or above it (`nearest`).
 */
function visitClientError(
  error: unknown,
  visit: (node: ErrorNode, own: ProduceResponseShape | undefined, nearest: ProduceResponseShape | undefined) => void,
): void {
  const walk = (node: unknown, above: ProduceResponseShape | undefined, depth: number): void => {
    if (typeof node !== "object" || node === null || depth > 8) return;
    const e = node as ErrorNode;
    const own = typeof e.response === "object" && e.response !== null ? (e.response as ProduceResponseShape) : undefined;
    const nearest = own ?? above;
    visit(e, own, nearest);
    if (Array.isArray(e.errors)) for (const child of e.errors) walk(child, nearest, depth + 1);
  };
  walk(error, undefined, 0);
}

const partitionPath = /^\/responses\/(\d+)\/partition_responses\/(\d+)$/;

/**
 * Finds the partitions refused with MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE or INVALID_RECORD in
 * an error from Producer.send (each ProtocolError's `path` points into the Produce response).
 */
export function findRejectedPartitions(error: unknown): RejectedPartition[] {
  const found: RejectedPartition[] = [];
  visitClientError(error, (e, _own, here) => {
    if (typeof e.apiId !== "string" || !(e.apiId in permanentProduceErrorClasses) || typeof e.path !== "string") return;
    if (here === undefined) return;
    const match = partitionPath.exec(e.path);
    if (match === null) return;
    const topicResponse = here.responses?.[Number(match[1])];
    const partition = topicResponse?.partitionResponses?.[Number(match[2])]?.index;
    if (typeof topicResponse?.name === "string" && typeof partition === "number") {
      found.push({
        topic: topicResponse.name,
        partition,
        apiId: e.apiId as PermanentProduceApiError,
        serverMessage: typeof e.serverErrorMessage === "string" && e.serverErrorMessage !== "" ? e.serverErrorMessage : undefined,
      });
    }
  });
  // One request can be retried and fail several times with the same answer: keep one per partition.
  const unique = new Map<string, RejectedPartition>();
  for (const r of found) unique.set(`${r.topic}\u0000${r.partition}`, r);
  return [...unique.values()];
}

/**
 * "topic\u0000partition" of every partition that a Produce response inside a client error
 * acknowledged (error code 0): the broker appended that partition's batch, whatever happened to
 * the rest of the request.
 */
export function findWrittenPartitions(error: unknown): Set<string> {
  const written = new Set<string>();
  visitClientError(error, (_e, own) => {
    for (const topic of own?.responses ?? []) {
      if (typeof topic.name !== "string") continue;
      for (const partition of topic.partitionResponses ?? []) {
        if (partition.errorCode === 0 && typeof partition.index === "number")
          written.add(`${topic.name}\u0000${partition.index}`);
      }
    }
  });
  return written;
}

/** A short description of a client error for messages: codes and texts, never record contents. */
export function describeClientError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const seen = new Set<string>();
  const walk = (node: unknown, depth: number): void => {
    if (!(node instanceof Error) || depth > 6 || seen.size >= 4) return;
    const apiId = (node as ErrorNode).apiId;
    const nested = (node as ErrorNode).errors;
    if (typeof apiId === "string") seen.add(apiId);
    else if (!Array.isArray(nested) || nested.length === 0) seen.add(node.message);
    if (Array.isArray(nested)) for (const child of nested) walk(child, depth + 1);
  };
  walk(error, 0);
  const detail = [...seen].join(", ");
  const text = detail === "" || detail === error.message ? error.message : `${error.message} (${detail})`;
  return text.replace(/[\r\n]+/g, " ");
}
