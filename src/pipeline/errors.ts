// Two kinds of failure, as the pipeline treats them:
// - PermanentError: this event can never succeed; it goes to the dead-letter topic and the
//   source message is settled.
// - anything else is transient (Kafka, registry or KMS unreachable): retry, never dead-letter.
// Messages must never contain key material or decrypted payload.

/** The pipeline stage that failed, written to the DLQ header `mb_stage`. */
export type Stage = "envelope" | "key" | "decrypt" | "parse" | "map" | "encode" | "produce";

export class PermanentError extends Error {
  override readonly name = "PermanentError";
  readonly stage: Stage;
  /** A stable, documented class such as "MalformedEnvelope" or "UnknownTenant". */
  readonly errorClass: string;
  /** The tenant, when known at the point of failure. */
  readonly tenant: string | undefined;

  constructor(stage: Stage, errorClass: string, message: string, options?: { tenant?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.stage = stage;
    this.errorClass = errorClass;
    this.tenant = options?.tenant;
  }
}

export function isPermanent(error: unknown): error is PermanentError {
  return error instanceof PermanentError;
}

/** The same failure, attributed to a tenant when the stage that failed did not know it. */
export function withTenant(error: PermanentError, tenant: string | undefined): PermanentError {
  if (error.tenant !== undefined || tenant === undefined) return error;
  return new PermanentError(error.stage, error.errorClass, error.message, { tenant });
}
