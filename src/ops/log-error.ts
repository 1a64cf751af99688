// What a log line records of an error: its class and the project's classification fields.
// Never `cause` (it may hold a decrypted payload's parse error or a client's request), never
// `data`/`response`/`$metadata` (SDK errors carry requests and bodies there), never the stack of
// a cause chain; the message is the error's own, which the project writes without payloads.

export interface SerializedError {
  type: string;
  message: string;
  name?: string;
  stage?: string;
  errorClass?: string;
  code?: string | number;
  tenant?: string;
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

export function serializeError(error: unknown): SerializedError | string {
  if (!(error instanceof Error)) return typeof error === "string" ? error : `non-error thrown: ${typeof error}`;
  const fields = error as Error & Record<string, unknown>;
  const out: SerializedError = { type: error.constructor?.name ?? "Error", message: error.message };
  if (error.name !== out.type) out.name = error.name;
  const stage = text(fields.stage);
  if (stage !== undefined) out.stage = stage;
  const errorClass = text(fields.errorClass);
  if (errorClass !== undefined) out.errorClass = errorClass;
  const code = fields.code;
  if (typeof code === "string" || typeof code === "number") out.code = code;
  const tenant = text(fields.tenant);
  if (tenant !== undefined) out.tenant = tenant;
  return out;
}
