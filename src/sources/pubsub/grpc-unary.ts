// Unary gRPC calls straight over node:http2: the one connection the Pub/Sub source uses,
// plaintext to an emulator, TLS (system CAs or the endpoint's own) plus Application Default
// Credentials (an OAuth token per call) to Google. Not grpc-js: its per-call stack (resolving,
// load-balancing and subchannel calls, filters, metadata clones, a copy of every response) cost
// 35 % of a bare drain's CPU and 2–3× the CPU of each call (docs/decisions/0028). The source makes
// five unary calls and no stream, so what is needed of gRPC is small: HTTP/2 POST of a
// length-prefixed message, the status in the trailers (or in the headers of a Trailers-Only
// reply), a deadline, and a new connection after the old one closed.
import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from "node:http2";
import { GRPC_STATUS_NAMES } from "../core/grpc-status.ts";
import { type PubSubClientConfig, pubsubEmulatorHost } from "./endpoint.ts";
import { withTlsHint } from "./tls-failure.ts";

export const PUBSUB_ENDPOINT = "pubsub.googleapis.com:443";
const PUBSUB_SCOPE = "https://www.googleapis.com/auth/pubsub";

/** gRPC status codes this client itself produces (https://grpc.io/docs/guides/status-codes/). */
const CANCELLED = 1;
const UNKNOWN = 2;
const DEADLINE_EXCEEDED = 4;
const INTERNAL = 13;
const UNAVAILABLE = 14;

/** A call that ended with a gRPC status other than OK; `code` is what the source reacts to. */
export class GrpcCallError extends Error {
  override name = "GrpcCallError";
  readonly code: number;
  readonly details: string;
  constructor(code: number, details: string, options?: ErrorOptions) {
    super(`${code} ${GRPC_STATUS_NAMES[code] ?? "UNKNOWN"}: ${details}`, options);
    this.code = code;
    this.details = details;
  }
}

interface Deadline {
  readonly atMs: number;
  readonly expire: () => void;
}

/** Per-call request headers from the credentials (an OAuth token), or none. */
type HeaderSource = () => Promise<Record<string, string>>;

export interface UnaryChannel {
  /**
   * POSTs `request` to `path` (/package.Service/Method) and decodes the one response message.
   * `routing` goes out as x-goog-request-params (routes the call to the resource's region).
   */
  call<Res>(path: string, routing: string, request: Uint8Array, decode: (bytes: Buffer) => Res, timeoutMs: number): Promise<Res>;
  close(): void;
}

// As grpc-js had them: a ping after 5 idle minutes on the connection, dropped if unanswered in 20 s.
const KEEPALIVE_MS = 300_000;
const KEEPALIVE_TIMEOUT_MS = 20_000;
/** How often call deadlines are checked: they bound a hung server, they are not timing. */
const DEADLINE_SWEEP_MS = 250;
const USER_AGENT = "meshbridge grpc-unary/1";

/** Google's OAuth2 token headers from Application Default Credentials (loaded only off the emulator). */
async function googleHeaders(authority: string): Promise<HeaderSource> {
  const { GoogleAuth } = await import("google-auth-library");
  const auth = new GoogleAuth({ scopes: [PUBSUB_SCOPE] });
  const client = await auth.getClient();
  // The client caches the token and refreshes it before expiry: one call per request is cheap.
  return async () => Object.fromEntries((await client.getRequestHeaders(`https://${authority}/`)).entries());
}

const EMPTY_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** HTTP/2 client stream ids are odd 31-bit numbers: 2^30 streams per connection, less a margin. */
const MAX_STREAMS_PER_CONNECTION = 1_000_000_000;

export interface UnaryChannelOptions {
  /** Calls on one connection before the next one opens a new connection (tests lower it). */
  readonly maxStreamsPerConnection?: number;
}

export function openUnaryChannel(config: PubSubClientConfig, options: UnaryChannelOptions = {}): UnaryChannel {
  const maxStreams = options.maxStreamsPerConnection ?? MAX_STREAMS_PER_CONNECTION;
  const emulator = pubsubEmulatorHost(config);
  const endpoint = config.endpoint;
  const authority = emulator ?? endpoint?.host ?? PUBSUB_ENDPOINT;
  const url = `${emulator === undefined ? "https" : "http"}://${authority}`;
  const customCa = endpoint?.ca !== undefined;
  /** A transport failure as grpc-js reported it: UNAVAILABLE, Node's text in the details. */
  const unavailable = (error: unknown): Error => {
    const text = error instanceof Error ? error.message : String(error);
    return withTlsHint(
      new GrpcCallError(UNAVAILABLE, `No connection established. Last error: ${text}`, { cause: error }),
      authority,
      customCa,
    );
  };
  const connectOptions: http2.SecureClientSessionOptions = endpoint?.ca === undefined ? {} : { ca: endpoint.ca };
  // Off the emulator and unless the endpoint is told not to: Google's OAuth token on every call.
  const tokenHeaders: Promise<HeaderSource> | undefined =
    emulator !== undefined || endpoint?.callCredentials === "none" ? undefined : googleHeaders(authority);
  // Unhandled until the first call awaits it; a failure (no credentials) surfaces there.
  tokenHeaders?.catch(() => undefined);
  let session: ClientHttp2Session | undefined;
  let closed = false;

  let streams = 0;
  const connect = (): ClientHttp2Session => {
    if (session !== undefined && !session.closed && !session.destroyed) {
      if (streams < maxStreams) {
        streams++;
        return session;
      }
      // Stream ids run out after 2^30 client streams (~12 days at 1,000 calls/s): move on to a
      // new connection before that. The old one closes once its calls are over (close() now would
      // fail the calls still waiting for it to connect).
      retire(session);
    }
    streams = 1;
    const opened = http2.connect(url, connectOptions);
    // Errors reach the calls through their streams; the session's own must not crash the process.
    opened.on("error", () => undefined);
    const forget = () => {
      if (session === opened) session = undefined;
      clearInterval(keepalive);
    };
    opened.on("close", forget);
    // The server is going away: new calls open a new connection, calls under way finish here.
    opened.on("goaway", forget);
    const keepalive = setInterval(() => {
      const timer = setTimeout(() => opened.destroy(), KEEPALIVE_TIMEOUT_MS).unref();
      try {
        opened.ping(() => clearTimeout(timer));
      } catch {
        // Closing already (its close event clears this interval).
        clearTimeout(timer);
      }
    }, KEEPALIVE_MS).unref();
    // An idle connection must not keep the process alive, one with calls under way must (as
    // grpc-js does): ref'd from the first call in flight to the last.
    opened.unref();
    session = opened;
    return opened;
  };
  // Deadlines of the calls under way, checked by one timer (a timer per call, or the stream's
  // own inactivity timer, is re-armed on every chunk: measurable per call).
  const deadlines = new Set<Deadline>();
  let sweeper: NodeJS.Timeout | undefined;
  const watch = (deadline: Deadline) => {
    deadlines.add(deadline);
    sweeper ??= setInterval(() => {
      const now = Date.now();
      for (const d of deadlines) if (d.atMs <= now) d.expire();
    }, DEADLINE_SWEEP_MS).unref();
  };
  const inFlight = new WeakMap<ClientHttp2Session, number>();
  const started = (on: ClientHttp2Session) => {
    const n = inFlight.get(on) ?? 0;
    if (n === 0) on.ref();
    inFlight.set(on, n + 1);
  };
  const ended = (on: ClientHttp2Session) => {
    const n = (inFlight.get(on) ?? 1) - 1;
    inFlight.set(on, n);
    if (n > 0 || on.destroyed) return;
    on.unref();
    if (retired.has(on)) on.close();
  };
  const retired = new WeakSet<ClientHttp2Session>();
  function retire(old: ClientHttp2Session): void {
    session = undefined;
    retired.add(old);
    if ((inFlight.get(old) ?? 0) === 0) old.close();
  }

  return {
    async call<Res>(
      path: string,
      routing: string,
      request: Uint8Array,
      decode: (bytes: Buffer) => Res,
      timeoutMs: number,
    ): Promise<Res> {
      if (closed) throw new GrpcCallError(CANCELLED, "the Pub/Sub channel is closed");
      // On an emulator nothing to wait for: no promise of headers per call.
      const extra = tokenHeaders === undefined ? EMPTY_HEADERS : await (await tokenHeaders)();
      return new Promise<Res>((resolve, reject) => {
        let stream: http2.ClientHttp2Stream;
        let on: ClientHttp2Session;
        try {
          on = connect();
          stream = on.request({
            ":method": "POST",
            ":path": path,
            "content-type": "application/grpc",
            te: "trailers",
            "user-agent": USER_AGENT,
            "x-goog-request-params": routing,
            ...extra,
          });
        } catch (error) {
          reject(unavailable(error));
          return;
        }
        started(on);
        // Length-prefixed message: 1 byte "not compressed", 4 bytes big-endian length.
        // One write: a second one costs a stream write request of its own.
        const framed = Buffer.allocUnsafe(5 + request.byteLength);
        framed[0] = 0;
        framed.writeUInt32BE(request.byteLength, 1);
        framed.set(request, 5);
        stream.end(framed);
        const chunks: Buffer[] = [];
        let length = 0;
        let status: number | undefined;
        let details = "";
        let settled = false;
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          deadlines.delete(deadline);
          reject(error);
          if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
        };
        const readStatus = (fields: IncomingHttpHeaders) => {
          const code = fields["grpc-status"];
          if (code === undefined) return;
          status = Number(code);
          const message = fields["grpc-message"];
          details = typeof message === "string" ? decodeGrpcMessage(message) : "";
        };
        const deadline: Deadline = {
          atMs: Date.now() + timeoutMs,
          expire: () => fail(new GrpcCallError(DEADLINE_EXCEEDED, `no answer to ${path} within ${timeoutMs} ms`)),
        };
        watch(deadline);
        stream.on("response", (fields: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
          const httpStatus = fields[":status"];
          if (httpStatus !== 200) {
            fail(new GrpcCallError(httpStatus === 503 ? UNAVAILABLE : UNKNOWN, `HTTP ${httpStatus} from ${authority}${path}`));
            return;
          }
          // A Trailers-Only reply (an error before any message) carries the status here.
          readStatus(fields);
        });
        stream.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          length += chunk.length;
        });
        stream.on("trailers", readStatus);
        stream.on("error", (error: Error) => fail(unavailable(error)));
        stream.on("close", () => {
          ended(on);
          if (settled) return;
          if (status === undefined) {
            const code = stream.rstCode;
            fail(
              new GrpcCallError(
                UNAVAILABLE,
                `${path} ended without a gRPC status${code === undefined || code === 0 ? "" : ` (HTTP/2 reset ${code})`}`,
              ),
            );
            return;
          }
          if (status !== 0) {
            fail(new GrpcCallError(status, details));
            return;
          }
          let value: Res;
          try {
            value = decode(responseMessage(chunks, length, path));
          } catch (error) {
            fail(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          settled = true;
          deadlines.delete(deadline);
          resolve(value);
        });
      });
    },
    close() {
      closed = true;
      clearInterval(sweeper);
      session?.close();
      session = undefined;
    },
  };
}

/** The one length-prefixed message of a unary response, without a copy when it came in one chunk. */
function responseMessage(chunks: readonly Buffer[], length: number, path: string): Buffer {
  const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
  if (all.length < 5) {
    if (all.length === 0) throw new GrpcCallError(INTERNAL, `${path}: OK without a response message`);
    throw new GrpcCallError(INTERNAL, `${path}: response cut inside its 5-byte message prefix`);
  }
  if (all[0] !== 0) throw new GrpcCallError(INTERNAL, `${path}: compressed response (flag ${all[0]}) although none was offered`);
  const size = all.readUInt32BE(1);
  if (size !== all.length - 5) {
    throw new GrpcCallError(INTERNAL, `${path}: response message of ${size} bytes announced, ${all.length - 5} received`);
  }
  return all.subarray(5);
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec); a malformed one is kept as sent. */
function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
