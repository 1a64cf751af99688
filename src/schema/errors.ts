// Start-up failures of the schema stage. Only RegistryUnavailableError is transient (the
// caller retries); the others need a person: register the schema, fix credentials, or deploy
// a bridge built from the registered schema.
import { TransientError } from "../pipeline/errors.ts";

/** Network failure, timeout, HTTP 429 or 5xx: try again later. */
export class RegistryUnavailableError extends TransientError<"RegistryUnavailable"> {
  override readonly name: string = "RegistryUnavailableError";
  readonly transient = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super("RegistryUnavailable", message, options);
  }
}

/** The registry answered with an error that retrying will not change (4xx, bad credentials). */
export class RegistryRequestError extends Error {
  override readonly name = "RegistryRequestError";
  readonly status: number;
  /** The registry's `error_code` (e.g. 40401 subject not found, 409 incompatible), if given. */
  readonly errorCode: number | undefined;

  constructor(message: string, status: number, errorCode: number | undefined) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** The registry's certificate is not trusted (or does not fit the host): retrying will not help. */
export class RegistryTlsError extends Error {
  override readonly name = "RegistryTlsError";
}

/** The subject the bridge writes has no schema in the registry: run mode never registers. */
export class SubjectNotRegisteredError extends Error {
  override readonly name = "SubjectNotRegisteredError";
  readonly subject: string;

  constructor(subject: string, registerCommand: string) {
    super(
      `subject "${subject}" has no registered schema; the bridge never registers schemas itself — ` +
        `register the catalog schemas first: ${registerCommand}`,
    );
    this.subject = subject;
  }
}

/** The registry's latest schema for a subject is not the catalog schema this build encodes with. */
export class SchemaDriftError extends Error {
  override readonly name = "SchemaDriftError";
  readonly subject: string;
  readonly registeredVersion: number;
  readonly registeredId: number;
  /** Diff lines: "- " = only in the registry, "+ " = only in the catalog. */
  readonly difference: readonly string[];

  constructor(
    subject: string,
    registered: { readonly version: number; readonly id: number },
    source: string,
    difference: readonly string[],
    hint: string,
  ) {
    super(
      `schema drift on subject "${subject}": latest registered version ${registered.version} (id ${registered.id}) ` +
        `differs from the catalog schema ${source} (- registry, + catalog):\n` +
        difference.map((line) => `    ${line}`).join("\n") +
        `\n${hint}`,
    );
    this.subject = subject;
    this.registeredVersion = registered.version;
    this.registeredId = registered.id;
    this.difference = difference;
  }
}

/** The catalog .proto file and the code generated from it disagree: the build is stale. */
export class StaleGeneratedCodeError extends Error {
  override readonly name = "StaleGeneratedCodeError";
}

/** More than one subject failed its check; `errors` holds each (drift, missing subject, …). */
export class SchemaCheckFailedError extends AggregateError {
  override readonly name = "SchemaCheckFailedError";
}

export function isTransientRegistryError(error: unknown): error is RegistryUnavailableError {
  return error instanceof RegistryUnavailableError;
}
