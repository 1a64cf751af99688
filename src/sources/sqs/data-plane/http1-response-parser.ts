// An HTTP/1.1 response parser for the lean SQS client: fed the bytes of one keep-alive
// connection as they arrive (split anywhere), it yields each response's status, headers (lower
// case names) and whole body, framed by Content-Length, chunked encoding, or the connection's
// end (a response with neither). 1xx answers are skipped. SQS answers are a few kB, so the body
// is collected whole rather than streamed.

export interface Http1Response {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The server keeps the connection open for the next request. */
  readonly keepAlive: boolean;
}

/** The bytes are not an HTTP/1.x response (or a limit was passed). */
export class Http1ParseError extends Error {
  readonly code = "HPE_INVALID_RESPONSE";
}

/** A head (status line and headers) longer than this is refused. */
const MAX_HEAD_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const CRLF = 0x0a; // "\n": lines end in "\r\n"; a bare "\n" is tolerated, as llhttp does

type Framing = "length" | "chunked" | "close";

export class Http1ResponseParser {
  /** Bytes received and not consumed yet. */
  #buffer: Buffer = EMPTY;
  #state: "head" | "body" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" = "head";
  #statusCode = 0;
  #headers: Record<string, string> = {};
  #keepAlive = true;
  #framing: Framing = "length";
  /** Body bytes still expected (length framing) or left in the current chunk. */
  #remaining = 0;
  #body: Buffer[] = [];

  /** A response is under way (part of it received): the connection cannot be reused as is. */
  get midResponse(): boolean {
    return this.#state !== "head" || this.#buffer.length > 0;
  }

  /**
   * Feeds received bytes; returns the responses they completed (usually none or one). Throws
   * Http1ParseError on bytes that are not a response.
   */
  push(chunk: Buffer): Http1Response[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const done: Http1Response[] = [];
    for (;;) {
      const response = this.#step();
      if (response === undefined) break;
      if (response !== null) done.push(response);
    }
    return done;
  }

  /** The connection ended: completes a response framed by the end; undefined if none was under way. */
  end(): Http1Response | undefined {
    if (this.#state === "body" && this.#framing === "close") {
      this.#body.push(this.#buffer);
      this.#buffer = EMPTY;
      return this.#complete(false);
    }
    return undefined;
  }

  /** One step: a response, null (progress, no response yet), or undefined (needs more bytes). */
  #step(): Http1Response | null | undefined {
    switch (this.#state) {
      case "head":
        return this.#head();
      case "body": {
        if (this.#framing === "close") {
          if (this.#buffer.length > 0) this.#body.push(this.#take(this.#buffer.length));
          return undefined;
        }
        if (this.#buffer.length < this.#remaining) {
          if (this.#buffer.length > 0) {
            this.#remaining -= this.#buffer.length;
            this.#body.push(this.#take(this.#buffer.length));
          }
          return undefined;
        }
        this.#body.push(this.#take(this.#remaining));
        return this.#complete(this.#keepAlive);
      }
      case "chunk-size": {
        const line = this.#line();
        if (line === undefined) return undefined;
        const semicolon = line.indexOf(";");
        const hex = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw new Http1ParseError(`invalid chunk size "${hex.slice(0, 20)}"`);
        this.#remaining = Number.parseInt(hex, 16);
        this.#state = this.#remaining === 0 ? "trailers" : "chunk-data";
        return null;
      }
      case "chunk-data": {
        const take = Math.min(this.#remaining, this.#buffer.length);
        if (take === 0) return undefined;
        this.#body.push(this.#take(take));
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = "chunk-end";
        return null;
      }
      case "chunk-end": {
        const line = this.#line();
        if (line === undefined) return undefined;
        if (line !== "") throw new Http1ParseError("chunk not followed by CRLF");
        this.#state = "chunk-size";
        return null;
      }
      case "trailers": {
        const line = this.#line();
        if (line === undefined) return undefined;
        return line === "" ? this.#complete(this.#keepAlive) : null;
      }
    }
  }

  #head(): Http1Response | null | undefined {
    const buffer = this.#buffer;
    let end = buffer.indexOf("\r\n\r\n", 0, "latin1");
    let skip = 4;
    if (end < 0) {
      end = buffer.indexOf("\n\n", 0, "latin1");
      skip = 2;
    }
    if (end < 0) {
      if (buffer.length > MAX_HEAD_BYTES) throw new Http1ParseError(`response head longer than ${MAX_HEAD_BYTES} bytes`);
      return undefined;
    }
    const lines = buffer.toString("latin1", 0, end).split(/\r?\n/);
    this.#buffer = buffer.subarray(end + skip);
    const status = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0]!);
    if (status === null) throw new Http1ParseError(`not an HTTP/1.x status line: "${lines[0]!.slice(0, 40)}"`);
    const statusCode = Number(status[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Http1ParseError(`malformed header line "${line.slice(0, 40)}"`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    // 1xx (100 Continue, 103 Early Hints): informational; the real answer follows.
    if (statusCode < 200 && statusCode !== 101) return null;
    const connection = headers.connection?.toLowerCase() ?? "";
    this.#keepAlive = status[1] === "1" ? !connection.includes("close") : connection.includes("keep-alive");
    this.#statusCode = statusCode;
    this.#headers = headers;
    this.#body = [];
    const encoding = headers["transfer-encoding"]?.toLowerCase();
    const length = headers["content-length"];
    if (statusCode === 204 || statusCode === 304) {
      this.#framing = "length";
      this.#remaining = 0;
    } else if (encoding?.endsWith("chunked") === true) {
      this.#framing = "chunked";
      this.#state = "chunk-size";
      return null;
    } else if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) throw new Http1ParseError(`invalid content-length "${length.slice(0, 20)}"`);
      this.#framing = "length";
      this.#remaining = Number(length);
    } else {
      this.#framing = "close";
      this.#keepAlive = false;
    }
    this.#state = "body";
    return null;
  }

  /** The next line (without its end), consumed; undefined until it is complete. */
  #line(): string | undefined {
    const at = this.#buffer.indexOf(CRLF);
    if (at < 0) {
      if (this.#buffer.length > MAX_HEAD_BYTES) throw new Http1ParseError("line too long in chunked body");
      return undefined;
    }
    const line = this.#buffer.toString("latin1", 0, at > 0 && this.#buffer[at - 1] === 0x0d ? at - 1 : at);
    this.#buffer = this.#buffer.subarray(at + 1);
    return line;
  }

  #take(bytes: number): Buffer {
    const taken = this.#buffer.subarray(0, bytes);
    this.#buffer = this.#buffer.subarray(bytes);
    return taken;
  }

  #complete(keepAlive: boolean): Http1Response {
    const parts = this.#body;
    const body = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const response = { statusCode: this.#statusCode, headers: this.#headers, body, keepAlive };
    this.#state = "head";
    this.#body = [];
    this.#headers = {};
    return response;
  }
}
