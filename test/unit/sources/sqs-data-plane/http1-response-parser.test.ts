// The lean SQS client's HTTP/1.1 response parser: responses split at every byte, Content-Length
// and chunked framing (extensions, trailers), bodies framed by the connection's end, keep-alive
// and close, 1xx skipped, several responses in one read, and malformed input refused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  Http1ParseError,
  type Http1Response,
  Http1ResponseParser,
} from "../../../../src/sources/sqs/data-plane/http1-response-parser.ts";

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");

/** Feeds `text` in pieces of `size` bytes; the responses completed along the way. */
function feed(text: string, size: number, parser = new Http1ResponseParser()): Http1Response[] {
  const all = bytes(text);
  const out: Http1Response[] = [];
  for (let at = 0; at < all.length; at += size) out.push(...parser.push(all.subarray(at, at + size)));
  return out;
}

const lengthResponse = (body: string, extra = ""): string =>
  `HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe("Http1ResponseParser", () => {
  it("reads a Content-Length response split at any byte, multi-byte UTF-8 included", () => {
    const body = JSON.stringify({ Messages: [{ Body: "é ü 日本 🎉".repeat(50) }] });
    const text = lengthResponse(body, "x-amzn-RequestId: abc\r\n");
    for (const size of [1, 2, 3, 7, 64, 100_000]) {
      const [response, ...rest] = feed(text, size);
      assert.equal(rest.length, 0, `piece size ${size}`);
      assert.equal(response?.statusCode, 200);
      assert.equal(response?.headers["x-amzn-requestid"], "abc");
      assert.equal(response?.body.toString("utf8"), body, `piece size ${size}`);
      assert.equal(response?.keepAlive, true);
    }
  });

  it("reads chunked bodies (extensions, trailers) split at any byte", () => {
    const text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nx-trailer: 1\r\n\r\n";
    for (const size of [1, 4, 1000]) {
      const responses = feed(text, size);
      assert.equal(responses.length, 1, `piece size ${size}`);
      assert.equal(responses[0]!.body.toString(), "hello 0123456789");
    }
  });

  it("completes a body without framing only when the connection ends, and marks it not reusable", () => {
    const parser = new Http1ResponseParser();
    assert.deepEqual(parser.push(bytes("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n\r\n<h1>bad")), []);
    assert.deepEqual(parser.push(bytes(" gateway</h1>")), []);
    const response = parser.end();
    assert.equal(response?.statusCode, 500);
    assert.equal(response?.body.toString(), "<h1>bad gateway</h1>");
    assert.equal(response?.keepAlive, false);
  });

  it("tells keep-alive from close (HTTP/1.1 default on, HTTP/1.0 default off)", () => {
    assert.equal(feed(lengthResponse("{}", "Connection: close\r\n"), 1000)[0]?.keepAlive, false);
    assert.equal(feed("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", 1000)[0]?.keepAlive, false);
    assert.equal(feed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}", 1000)[0]?.keepAlive, true);
  });

  it("skips 100 Continue, reads two pipelined answers from one read, and says when one is half read", () => {
    const parser = new Http1ResponseParser();
    const two = `HTTP/1.1 100 Continue\r\n\r\n${lengthResponse('{"a":1}')}${lengthResponse('{"b":2}')}`;
    const responses = parser.push(bytes(two));
    assert.deepEqual(
      responses.map((r) => r.body.toString()),
      ['{"a":1}', '{"b":2}'],
    );
    assert.equal(parser.midResponse, false);
    parser.push(bytes("HTTP/1.1 200 OK\r\nContent-Le"));
    assert.equal(parser.midResponse, true);
  });

  it("reads an empty 204 and a 400 error body", () => {
    assert.equal(feed("HTTP/1.1 204 No Content\r\n\r\n", 3)[0]?.body.length, 0);
    const error = feed('HTTP/1.1 400 Bad Request\r\nContent-Length: 37\r\n\r\n{"__type":"QueueDoesNotExist","a":12}', 5)[0];
    assert.equal(error?.statusCode, 400);
    assert.equal(JSON.parse(error!.body.toString()).__type, "QueueDoesNotExist");
  });

  it("refuses what is not an HTTP/1.x response", () => {
    assert.throws(() => feed("SSH-2.0-OpenSSH\r\n\r\n", 100), Http1ParseError);
    assert.throws(() => feed("HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", 100), /invalid content-length/);
    assert.throws(() => feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100), /invalid chunk size/);
    assert.throws(() => feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY\r\n", 100), /not followed by CRLF/);
    assert.throws(() => feed(`HTTP/1.1 200 OK\r\nx: ${"a".repeat(70_000)}`, 1000), /head longer/);
  });
});
