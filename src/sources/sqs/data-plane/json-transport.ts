// One signed AWS JSON 1.0 call to SQS (POST /, x-amz-target: AmazonSQS.<Operation>) over a
// keep-alive connection pool per origin with bounded sockets (http1-pool.ts, not node:http:
// docs/decisions/0025): a deadline per call, the caller's AbortSignal, and the SDK's standard
// retry (3 attempts, exponential back-off with full jitter) for transient failures. What comes
// back is the parsed JSON answer, unvalidated: the operations read only the fields they use.
import type { CachedCredentials, ProvidedIdentity } from "./credentials.ts";
import { errorFromNetwork, errorFromResponse, malformedResponse, SqsRequestError, timeoutError } from "./errors.ts";
import { Http1Pool } from "./http1-pool.ts";
import type { Http1Response } from "./http1-response-parser.ts";
import { amzDate, SigV4Signer } from "./sigv4.ts";

export interface JsonTransportOptions {
  readonly region: string;
  /** Where every call goes (ElasticMQ, moto); unset: each queue URL's own origin, as the SDK does. */
  readonly endpoint?: string | undefined;
  readonly credentials: CachedCredentials;
  /** Sockets per origin; every call in flight (a long poll too) holds one. */
  readonly maxSockets: number;
  /** Attempts per call, the first included (the SDK's standard mode: 3). */
  readonly maxAttempts?: number;
  /** Back-off base; attempt n waits a random time below base × 2^n (capped at 20 s). */
  readonly retryBaseMs?: number;
}

const CONTENT_TYPE = "application/x-amz-json-1.0";
const MAX_BACKOFF_MS = 20_000;

interface Origin {
  readonly https: boolean;
  readonly hostname: string;
  readonly port: number | undefined;
  /** The Host header, as signed. */
  readonly host: string;
  /** Its connections. */
  readonly pool: Http1Pool;
}

export class JsonTransport {
  readonly #signer: SigV4Signer;
  readonly #credentials: CachedCredentials;
  readonly #endpoint: Origin | undefined;
  /** Queue URL → its origin, when there is no endpoint (queue URLs are few and long-lived). */
  readonly #origins = new Map<string, Origin>();
  readonly #maxSockets: number;
  readonly #pools: Http1Pool[] = [];
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;

  constructor(options: JsonTransportOptions) {
    this.#signer = new SigV4Signer(options.region, "sqs");
    this.#credentials = options.credentials;
    this.#maxSockets = options.maxSockets;
    this.#endpoint = options.endpoint === undefined ? undefined : this.#originOf(options.endpoint);
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#retryBaseMs = options.retryBaseMs ?? 100;
  }

  /** Closes the pooled sockets; calls under way fail. */
  close(): void {
    for (const pool of this.#pools) pool.close();
  }

  /** The parsed answer of `operation` with `body` (a JSON object text naming `queueUrl`). */
  async call(operation: string, queueUrl: string, body: string, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(operation, queueUrl, body, timeoutMs, signal);
      } catch (error) {
        const transient = error instanceof SqsRequestError && error.transient;
        if (!transient || attempt >= this.#maxAttempts || signal?.aborted === true) throw error;
        await backoff(Math.random() * Math.min(MAX_BACKOFF_MS, this.#retryBaseMs * 2 ** attempt), signal);
      }
    }
  }

  async #once(operation: string, queueUrl: string, body: string, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    const pending = this.#credentials.get();
    const identity = pending instanceof Promise ? await pending : pending;
    const origin = this.#originFor(queueUrl);
    const request = this.#signedRequest(operation, origin, body, identity);
    const response = await this.#send(operation, queueUrl, origin, request, timeoutMs, signal);
    const text = response.body.toString("utf8");
    if (response.statusCode >= 300) throw errorFromResponse(operation, queueUrl, response.statusCode, response.headers, text);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw malformedResponse(operation, queueUrl, error instanceof Error ? error.message : String(error));
    }
  }

  /** The whole request (head and body) as one string, for one socket write. */
  #signedRequest(operation: string, origin: Origin, body: string, identity: ProvidedIdentity): string {
    const date = amzDate(Date.now());
    const target = `AmazonSQS.${operation}`;
    const token = identity.sessionToken !== undefined && identity.sessionToken !== "" ? identity.sessionToken : undefined;
    // The names in canonical (sorted) order; signed before content-length is added: the SDK
    // signs no content-length either.
    const headers: Record<string, string> =
      token === undefined
        ? { "content-type": CONTENT_TYPE, host: origin.host, "x-amz-date": date, "x-amz-target": target }
        : {
            "content-type": CONTENT_TYPE,
            host: origin.host,
            "x-amz-date": date,
            "x-amz-security-token": token,
            "x-amz-target": target,
          };
    const authorization = this.#signer.authorization({ method: "POST", path: "/", headers, body }, identity, date);
    const security = token === undefined ? "" : `x-amz-security-token: ${token}\r\n`;
    return `POST / HTTP/1.1\r\nhost: ${origin.host}\r\ncontent-type: ${CONTENT_TYPE}\r\nx-amz-date: ${date}\r\n${security}x-amz-target: ${target}\r\nauthorization: ${authorization}\r\ncontent-length: ${Buffer.byteLength(body, "utf8")}\r\n\r\n${body}`;
  }

  async #send(
    operation: string,
    queueUrl: string,
    origin: Origin,
    request: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Http1Response> {
    if (signal?.aborted === true) throw abortError(signal);
    let cancel: (error: unknown) => void = () => {};
    const answer = origin.pool.send(request, (cancelWith) => {
      cancel = cancelWith;
    });
    const timer = setTimeout(() => cancel(timeoutError(operation, queueUrl, timeoutMs)), timeoutMs);
    const onAbort = (): void => cancel(abortError(signal!));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await answer;
    } catch (error) {
      // The caller's abort stays an AbortError: the source tells a stop from a failure by it.
      if (error instanceof SqsRequestError || (error as { name?: unknown } | null)?.name === "AbortError") throw error;
      throw errorFromNetwork(operation, queueUrl, error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #originOf(url: string): Origin {
    const parsed = new URL(url);
    const https = parsed.protocol === "https:";
    const hostname = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
    const port = parsed.port === "" ? undefined : Number(parsed.port);
    const pool = new Http1Pool({ https, hostname, port }, this.#maxSockets);
    this.#pools.push(pool);
    return { https, hostname, port, host: parsed.host, pool };
  }

  #originFor(queueUrl: string): Origin {
    if (this.#endpoint !== undefined) return this.#endpoint;
    let origin = this.#origins.get(queueUrl);
    if (origin === undefined) {
      // One pool per origin, however many queue URLs share it.
      const parsed = new URL(queueUrl);
      origin = [...this.#origins.values()].find(
        (known) => known.host === parsed.host && known.https === (parsed.protocol === "https:"),
      );
      origin ??= this.#originOf(queueUrl);
      this.#origins.set(queueUrl, origin);
    }
    return origin;
  }
}

/** What a stopped call rejects with (as node:http did): name "AbortError", the signal's reason as cause. */
function abortError(signal: AbortSignal): Error {
  const error = new Error("The operation was aborted", { cause: signal.reason });
  error.name = "AbortError";
  return error;
}

function backoff(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
