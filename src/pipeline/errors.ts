// The two kinds of failure the pipeline knows, each named by a class of src/pipeline/error-classes.ts:
// - PermanentError: this event can never succeed; it goes to the dead-letter topic and the
//   source message is settled.
// - TransientError (Kafka, registry or KMS unreachable): retry with backoff, never dead-letter.
// Anything else is unexpected: a bug (see Pipeline for what each stage does with it).
// Messages must never contain key material or decrypted payload.
import {
  type ErrorClassName,
  errorClasses,
  type PermanentClassName,
  type StageOf,
  type TransientClassName,
} from "./error-classes.ts";

export type { Stage } from "./error-classes.ts";

export interface ClassifiedErrorOptions<C extends ErrorClassName> {
  /** Only for a class raised in several stages (UnexpectedError); else the registry's stage. */
  readonly stage?: StageOf<C>;
  readonly cause?: unknown;
}

export interface PermanentErrorOptions<C extends PermanentClassName> extends ClassifiedErrorOptions<C> {
  /** The tenant, when known at the point of failure. */
  readonly tenant?: string;
}

function stageOf<C extends ErrorClassName>(errorClass: C, stage: StageOf<C> | undefined): StageOf<C> {
  return stage ?? (errorClasses[errorClass].stages[0] as StageOf<C>);
}

export class PermanentError<C extends PermanentClassName = PermanentClassName> extends Error {
  override readonly name = "PermanentError";
  readonly errorClass: C;
  readonly stage: StageOf<C>;
  /** The tenant, when known at the point of failure. */
  readonly tenant: string | undefined;

  constructor(errorClass: C, message: string, options?: PermanentErrorOptions<C>) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.errorClass = errorClass;
    this.stage = stageOf(errorClass, options?.stage);
    this.tenant = options?.tenant;
  }
}

/** A failure outside the event (a service down or throttling); subclassed per service. */
export class TransientError<C extends TransientClassName = TransientClassName> extends Error {
  override readonly name: string = "TransientError";
  readonly errorClass: C;
  readonly stage: StageOf<C>;

  constructor(errorClass: C, message: string, options?: ClassifiedErrorOptions<C>) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.errorClass = errorClass;
    this.stage = stageOf(errorClass, options?.stage);
  }
}

export function isPermanent(error: unknown): error is PermanentError {
  return error instanceof PermanentError;
}

export function isTransient(error: unknown): error is TransientError {
  return error instanceof TransientError;
}

/** The same failure, attributed to a tenant when the stage that failed did not know it. */
export function withTenant(error: PermanentError, tenant: string | undefined): PermanentError {
  if (error.tenant !== undefined || tenant === undefined) return error;
  return new PermanentError(error.errorClass, error.message, { stage: error.stage, tenant });
}
