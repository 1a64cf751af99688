// Errors of the lean SQS client, shaped as the SDK's were where the source looks: `name` is the
// AWS error code ("QueueDoesNotExist", "AccessDenied", ...), so isQueueGone and the settle
// adapter classify them unchanged; `Code` is the query-compatible code SQS sends beside it
// ("AWS.SimpleQueueService.NonExistentQueue"), as the probe reads it. The message names the
// operation and the queue.

/** Codes of throttling and of a service fault: retried like a 5xx. */
const TRANSIENT_CODES = new Set([
  "ThrottlingException",
  "Throttling",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "SlowDown",
  "KmsThrottled",
  "ServiceUnavailable",
  "InternalError",
  "InternalFailure",
]);

export class SqsRequestError extends Error {
  /** Throttling, a 5xx, a timeout or a network failure: the same call may succeed later. */
  readonly transient: boolean;
  /** HTTP status; undefined when no response came. */
  readonly statusCode: number | undefined;
  readonly Code: string | undefined;

  constructor(message: string, init: { name: string; transient: boolean; statusCode?: number; code?: string; cause?: unknown }) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = init.name;
    this.transient = init.transient;
    this.statusCode = init.statusCode;
    this.Code = init.code;
  }
}

/** "SQS ReceiveMessage on <queue url>". */
export const describeCall = (operation: string, queueUrl: string): string => `SQS ${operation} on ${queueUrl}`;

/**
 * An error answer (status ≥ 300). AWS JSON 1.0 puts the code in `__type` (or the
 * x-amzn-errortype header) as "namespace#Code"; SQS adds x-amzn-query-error "Code;Sender".
 */
export function errorFromResponse(
  operation: string,
  queueUrl: string,
  statusCode: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string,
): SqsRequestError {
  let type: unknown;
  let serverMessage: unknown;
  try {
    const parsed = JSON.parse(body) as { __type?: unknown; message?: unknown; Message?: unknown } | null;
    type = parsed?.__type;
    serverMessage = parsed?.message ?? parsed?.Message;
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone tells.
  }
  const headerType = headers["x-amzn-errortype"];
  const rawType = typeof type === "string" ? type : typeof headerType === "string" ? headerType : "";
  const name = codeOf(rawType) || (statusCode >= 500 ? "ServiceUnavailable" : `Http${statusCode}`);
  const queryError = headers["x-amzn-query-error"];
  const code = typeof queryError === "string" ? queryError.split(";")[0] : undefined;
  const transient =
    statusCode >= 500 || statusCode === 429 || TRANSIENT_CODES.has(name) || (code !== undefined && TRANSIENT_CODES.has(code));
  const detail = typeof serverMessage === "string" && serverMessage !== "" ? `: ${serverMessage}` : "";
  return new SqsRequestError(`${describeCall(operation, queueUrl)} failed with HTTP ${statusCode} ${name}${detail}`, {
    name,
    transient,
    statusCode,
    ...(code === undefined || code === "" ? {} : { code }),
  });
}

/** "com.amazonaws.sqs#QueueDoesNotExist" → "QueueDoesNotExist" (also drops a ":http://..." suffix). */
function codeOf(type: string): string {
  const hash = type.lastIndexOf("#");
  const bare = hash < 0 ? type : type.slice(hash + 1);
  const colon = bare.indexOf(":");
  return colon < 0 ? bare : bare.slice(0, colon);
}

/** No answer: connection refused or reset, DNS, a timeout. Transient, as the SDK retries them. */
export function errorFromNetwork(operation: string, queueUrl: string, cause: unknown): SqsRequestError {
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SqsRequestError(`${describeCall(operation, queueUrl)} failed: ${reason}`, {
    name: typeof code === "string" && code !== "" ? code : "NetworkingError",
    transient: true,
    cause,
  });
}

export function timeoutError(operation: string, queueUrl: string, timeoutMs: number): SqsRequestError {
  return new SqsRequestError(`${describeCall(operation, queueUrl)} timed out after ${timeoutMs} ms`, {
    name: "TimeoutError",
    transient: true,
  });
}

/** The response could not be read as the operation's answer. */
export function malformedResponse(operation: string, queueUrl: string, reason: string): SqsRequestError {
  return new SqsRequestError(`${describeCall(operation, queueUrl)}: unreadable response (${reason})`, {
    name: "MalformedResponse",
    transient: true,
  });
}
