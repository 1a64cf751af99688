// One signed AWS JSON 1.0 call to SQS (POST /, x-amz-target: AmazonSQS.<Operation>) over a
// keep-alive agent with bounded sockets: a deadline per call, the caller's AbortSignal, and the
// SDK's standard retry (3 attempts, exponential back-off with full jitter) for transient
// failures. What comes back is the parsed JSON answer, unvalidated: the operations read only
// the fields they use.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { CachedCredentials, ProvidedIdentity } from "./credentials.ts";
import { errorFromNetwork, errorFromResponse, malformedResponse, SqsRequestError, timeoutError } from "./errors.ts";
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
}

export class JsonTransport {
  readonly #signer: SigV4Signer;
  readonly #credentials: CachedCredentials;
  readonly #endpoint: Origin | undefined;
  /** Queue URL → its origin, when there is no endpoint (queue URLs are few and long-lived). */
  readonly #origins = new Map<string, Origin>();
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;
  readonly #maxAttempts: number;
  readonly #retryBaseMs: number;

  constructor(options: JsonTransportOptions) {
    this.#signer = new SigV4Signer(options.region, "sqs");
    this.#credentials = options.credentials;
    this.#endpoint = options.endpoint === undefined ? undefined : originOf(options.endpoint);
    const agent = { keepAlive: true, maxSockets: options.maxSockets };
    this.#http = new HttpAgent(agent);
    this.#https = new HttpsAgent(agent);
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#retryBaseMs = options.retryBaseMs ?? 100;
  }

  /** Closes the pooled sockets; calls under way fail. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
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
    const headers = this.#signedHeaders(operation, origin, body, identity);
    const { statusCode, responseHeaders, text } = await this.#send(operation, queueUrl, origin, headers, body, timeoutMs, signal);
    if (statusCode >= 300) throw errorFromResponse(operation, queueUrl, statusCode, responseHeaders, text);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw malformedResponse(operation, queueUrl, error instanceof Error ? error.message : String(error));
    }
  }

  #signedHeaders(operation: string, origin: Origin, body: string, identity: ProvidedIdentity): Record<string, string> {
    const date = amzDate(Date.now());
    const headers: Record<string, string> = {
      "content-type": CONTENT_TYPE,
      host: origin.host,
      "x-amz-date": date,
      "x-amz-target": `AmazonSQS.${operation}`,
    };
    if (identity.sessionToken !== undefined && identity.sessionToken !== "")
      headers["x-amz-security-token"] = identity.sessionToken;
    // Signed before content-length is added: the SDK signs no content-length either.
    headers.authorization = this.#signer.authorization({ method: "POST", path: "/", headers, body }, identity, date);
    headers["content-length"] = String(Buffer.byteLength(body, "utf8"));
    return headers;
  }

  #send(
    operation: string,
    queueUrl: string,
    origin: Origin,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ statusCode: number; responseHeaders: IncomingMessage["headers"]; text: string }> {
    return new Promise((resolve, reject) => {
      const options = {
        method: "POST",
        hostname: origin.hostname,
        port: origin.port,
        path: "/",
        headers,
        agent: origin.https ? this.#https : this.#http,
        ...(signal === undefined ? {} : { signal }),
      };
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error instanceof SqsRequestError) reject(error);
        // The caller's abort stays an AbortError: the source tells a stop from a failure by it.
        else if ((error as { name?: unknown } | null)?.name === "AbortError") reject(error);
        else reject(errorFromNetwork(operation, queueUrl, error));
      };
      const request = (origin.https ? httpsRequest : httpRequest)(options, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", fail);
        // Destroyed mid-body (the deadline, an abort, a reset) without an error of its own.
        response.on("close", () => fail(new Error("connection closed before the response ended")));
        response.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
          resolve({ statusCode: response.statusCode ?? 0, responseHeaders: response.headers, text });
        });
      });
      const timer = setTimeout(() => request.destroy(timeoutError(operation, queueUrl, timeoutMs)), timeoutMs);
      request.on("error", fail);
      request.end(body);
    });
  }

  #originFor(queueUrl: string): Origin {
    if (this.#endpoint !== undefined) return this.#endpoint;
    let origin = this.#origins.get(queueUrl);
    if (origin === undefined) {
      origin = originOf(queueUrl);
      this.#origins.set(queueUrl, origin);
    }
    return origin;
  }
}

function originOf(url: string): Origin {
  const parsed = new URL(url);
  const https = parsed.protocol === "https:";
  return {
    https,
    hostname: parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname,
    port: parsed.port === "" ? undefined : Number(parsed.port),
    host: parsed.host,
  };
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
