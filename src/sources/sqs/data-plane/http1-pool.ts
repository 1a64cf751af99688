// A minimal keep-alive HTTP/1.1 client for one origin, for the lean SQS client's POSTs: up to
// `maxSockets` connections (node:net, or node:tls for https), each carrying one request at a
// time; a request goes out as ONE write (head and body together) and its answer is read by
// Http1ResponseParser. No per-request ClientRequest/IncomingMessage streams, header objects or
// agent bookkeeping: node:http's cost per call was the SQS path's largest (docs/decisions/0025).
// Deadline and abort destroy the connection (a late answer can never be mistaken for the next
// one's); an idle connection closed by the server is dropped from the pool.
import { isIP, connect as netConnect, type Socket } from "node:net";
import { rootCertificates, connect as tlsConnect } from "node:tls";
import { type Http1Response, Http1ResponseParser } from "./http1-response-parser.ts";

export interface Http1Origin {
  readonly https: boolean;
  readonly hostname: string;
  readonly port: number | undefined;
  /** Extra trusted CA certificates (PEM) for https, beside Node's own; a test server's, say. */
  readonly ca?: string | undefined;
}

/** The connection failed or ended before the answer was complete (ECONNRESET, ECONNREFUSED, ...). */
export class Http1ConnectionError extends Error {
  readonly code: string;
  constructor(message: string, code: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/** An idle connection is closed after this long, before a server or load balancer drops it (AWS: 60 s). */
const IDLE_TIMEOUT_MS = 20_000;

interface Pending {
  readonly request: string;
  readonly resolve: (response: Http1Response) => void;
  readonly reject: (error: unknown) => void;
}

class Connection {
  readonly socket: Socket;
  readonly parser = new Http1ResponseParser();
  /** How long it may wait idle: IDLE_TIMEOUT_MS, or less when the server said it closes sooner. */
  idleTimeoutMs = IDLE_TIMEOUT_MS;
  /** The request being answered; undefined while idle. */
  current: Pending | undefined;
  closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
  }
}

export class Http1Pool {
  readonly #origin: Http1Origin;
  readonly #maxSockets: number;
  readonly #idle: Connection[] = [];
  /** Requests waiting for a connection (all `maxSockets` busy). */
  readonly #queue: Pending[] = [];
  /** Connections carrying a request. */
  readonly #busy = new Set<Connection>();
  #open = 0;
  #closed = false;

  constructor(origin: Http1Origin, maxSockets: number) {
    this.#origin = origin;
    this.#maxSockets = maxSockets;
  }

  /** Connections open (busy or idle). */
  get sockets(): number {
    return this.#open;
  }

  /**
   * Sends `request` (the whole request: head and body, as one string) and resolves with the
   * answer. `cancel` receives the function that ends the request at once with the given error
   * (the caller's deadline or abort): the connection is destroyed.
   */
  send(request: string, cancel?: (cancelWith: (error: unknown) => void) => void): Promise<Http1Response> {
    return new Promise<Http1Response>((resolve, reject) => {
      if (this.#closed) {
        reject(new Http1ConnectionError("HTTP client closed", "ERR_CLIENT_CLOSED"));
        return;
      }
      const pending: Pending = { request, resolve, reject };
      cancel?.((error) => this.#cancel(pending, error));
      const idle = this.#idle.pop();
      if (idle !== undefined) this.#dispatch(idle, pending);
      else if (this.#open < this.#maxSockets) this.#dispatch(this.#connect(), pending);
      else this.#queue.push(pending);
    });
  }

  /** Closes every connection; requests under way fail. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#queue.splice(0))
      pending.reject(new Http1ConnectionError("HTTP client closed", "ERR_CLIENT_CLOSED"));
    for (const connection of this.#idle.splice(0)) connection.socket.destroy();
    for (const connection of this.#busy)
      connection.socket.destroy(new Http1ConnectionError("HTTP client closed", "ERR_CLIENT_CLOSED"));
  }

  #dispatch(connection: Connection, pending: Pending): void {
    connection.current = pending;
    this.#busy.add(connection);
    connection.socket.setTimeout(0);
    connection.socket.write(pending.request);
  }

  #cancel(pending: Pending, error: unknown): void {
    const queued = this.#queue.indexOf(pending);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      pending.reject(error);
      return;
    }
    for (const connection of this.#busy) {
      if (connection.current !== pending) continue;
      connection.current = undefined;
      pending.reject(error);
      connection.socket.destroy();
      return;
    }
  }

  #connect(): Connection {
    const origin = this.#origin;
    const socket = origin.https
      ? tlsConnect({
          host: origin.hostname,
          port: origin.port ?? 443,
          // SNI carries host names only (RFC 6066).
          ...(isIP(origin.hostname) === 0 ? { servername: origin.hostname } : {}),
          ALPNProtocols: ["http/1.1"],
          ...(origin.ca === undefined ? {} : { ca: [...rootCertificates, origin.ca] }),
        })
      : netConnect({ host: origin.hostname, port: origin.port ?? 80 });
    socket.setNoDelay(true);
    const connection = new Connection(socket);
    this.#open++;
    socket.on("data", (chunk: Buffer) => this.#received(connection, chunk));
    socket.on("timeout", () => socket.destroy());
    socket.on("error", (error: Error) => this.#ended(connection, error));
    socket.on("close", () => this.#ended(connection, undefined));
    socket.on("end", () => {
      // The server half-closed: an answer framed by the connection's end completes now.
      const response = connection.parser.end();
      const pending = connection.current;
      if (response !== undefined && pending !== undefined) {
        connection.current = undefined;
        pending.resolve(response);
      }
      socket.destroy();
    });
    return connection;
  }

  #received(connection: Connection, chunk: Buffer): void {
    let responses: Http1Response[];
    try {
      responses = connection.parser.push(chunk);
    } catch (error) {
      connection.socket.destroy(error as Error);
      return;
    }
    for (const response of responses) {
      const pending = connection.current;
      if (pending === undefined) {
        // An answer nobody asked for: the connection is out of step; never reuse it.
        connection.socket.destroy();
        return;
      }
      connection.current = undefined;
      if (!response.keepAlive) {
        pending.resolve(response);
        connection.socket.destroy();
        return;
      }
      this.#busy.delete(connection);
      connection.idleTimeoutMs = idleTimeoutOf(response);
      pending.resolve(response);
      this.#release(connection);
    }
  }

  /** A connection free again: the next queued request, or the idle list. */
  #release(connection: Connection): void {
    if (connection.closed || connection.parser.midResponse) {
      connection.socket.destroy();
      return;
    }
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#dispatch(connection, next);
      return;
    }
    if (connection.idleTimeoutMs <= 0) {
      connection.socket.destroy();
      return;
    }
    connection.socket.setTimeout(connection.idleTimeoutMs);
    this.#idle.push(connection);
  }

  #ended(connection: Connection, error: Error | undefined): void {
    if (connection.closed) return;
    connection.closed = true;
    this.#open--;
    this.#busy.delete(connection);
    const idleAt = this.#idle.indexOf(connection);
    if (idleAt >= 0) this.#idle.splice(idleAt, 1);
    const pending = connection.current;
    connection.current = undefined;
    pending?.reject(error ?? new Http1ConnectionError("connection closed before the response ended", "ECONNRESET"));
    // A queued request gets the freed slot.
    const next = this.#closed ? undefined : this.#queue.shift();
    if (next !== undefined) this.#dispatch(this.#connect(), next);
  }
}

/**
 * A server that answers `Keep-Alive: timeout=N` closes the connection after N idle seconds (a
 * Node.js server: 5 s): a request sent on it at that moment is lost to the close and has to be
 * retried. As node:http's agent does, such a connection waits idle one second less than that.
 */
function idleTimeoutOf(response: Http1Response): number {
  const hint = response.headers["keep-alive"];
  if (hint === undefined) return IDLE_TIMEOUT_MS;
  const seconds = /(?:^|[\s,])timeout=(\d+)/i.exec(hint)?.[1];
  return seconds === undefined ? IDLE_TIMEOUT_MS : Math.min(IDLE_TIMEOUT_MS, (Number(seconds) - 1) * 1000);
}
