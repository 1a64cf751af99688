// How the sink reports failures. Transient (KafkaSendError): the caller sends the whole batch
// again; duplicates that this creates are removed downstream by the deterministic ce_id.
// Permanent (KafkaPermanentError): some records can never be written; each carries its own
// PermanentError for the dead-letter topic.
import type { PermanentClassName } from "../pipeline/error-classes.ts";
import { type PermanentError, TransientError } from "../pipeline/errors.ts";

/** Broker answers that no retry can fix, and the errorClass written to the DLQ for them. */
export const permanentProduceErrorClasses = {
  MESSAGE_TOO_LARGE: "RecordTooLarge",
  RECORD_LIST_TOO_LARGE: "RecordListTooLarge",
  INVALID_RECORD: "InvalidRecord",
} as const satisfies Record<string, PermanentClassName>;
export type PermanentProduceApiError = keyof typeof permanentProduceErrorClasses;

/** Transient: Kafka unreachable, timed out, leader moving, or an earlier send of this sink failed. */
export class KafkaSendError extends TransientError<"KafkaUnavailable"> {
  override readonly name: string = "KafkaSendError";

  constructor(message: string, options?: { cause?: unknown }) {
    super("KafkaUnavailable", message, options);
  }
}

export interface RejectedRecord {
  /** Index into the records array given to send(). */
  readonly index: number;
  readonly error: PermanentError;
}

/**
 * Some records of a send() were refused for good. Records not listed in `rejected` may or may not
 * have been written (`nothingWritten` tells when none was): the caller dead-letters the rejected
 * ones and sends the others again.
 */
export class KafkaPermanentError extends Error {
  override readonly name = "KafkaPermanentError";
  readonly rejected: readonly RejectedRecord[];
  readonly nothingWritten: boolean;

  constructor(message: string, rejected: readonly RejectedRecord[], nothingWritten: boolean, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.rejected = rejected;
    this.nothingWritten = nothingWritten;
  }
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
  responses?: ReadonlyArray<{ name?: unknown; partitionResponses?: ReadonlyArray<{ index?: unknown }> }>;
}

const partitionPath = /^\/responses\/(\d+)\/partition_responses\/(\d+)$/;

/**
 * Finds the partitions refused with MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE or INVALID_RECORD in
 * an error from @platformatic/kafka's Producer.send (nested MultipleErrors → ResponseError with the
 * Produce response → ProtocolError per partition, whose `path` points into that response).
 */
export function findRejectedPartitions(error: unknown): RejectedPartition[] {
  const found: RejectedPartition[] = [];
  const visit = (node: unknown, response: ProduceResponseShape | undefined, depth: number): void => {
    if (typeof node !== "object" || node === null || depth > 8) return;
    const e = node as ErrorNode;
    const here = typeof e.response === "object" && e.response !== null ? (e.response as ProduceResponseShape) : response;
    if (
      typeof e.apiId === "string" &&
      e.apiId in permanentProduceErrorClasses &&
      typeof e.path === "string" &&
      here !== undefined
    ) {
      const match = partitionPath.exec(e.path);
      if (match !== null) {
        const topicResponse = here.responses?.[Number(match[1])];
        const partition = topicResponse?.partitionResponses?.[Number(match[2])]?.index;
        if (typeof topicResponse?.name === "string" && typeof partition === "number") {
          found.push({
            topic: topicResponse.name,
            partition,
            apiId: e.apiId as PermanentProduceApiError,
            serverMessage:
              typeof e.serverErrorMessage === "string" && e.serverErrorMessage !== "" ? e.serverErrorMessage : undefined,
          });
        }
      }
    }
    if (Array.isArray(e.errors)) for (const child of e.errors) visit(child, here, depth + 1);
  };
  visit(error, undefined, 0);
  // One request can be retried and fail several times with the same answer: keep one per partition.
  const unique = new Map<string, RejectedPartition>();
  for (const r of found) unique.set(`${r.topic}\u0000${r.partition}`, r);
  return [...unique.values()];
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
