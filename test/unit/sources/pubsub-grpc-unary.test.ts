// The Pub/Sub source's unary gRPC over node:http2, against a local HTTP/2 server that answers as
// a gRPC server does: the request framing and headers, an OK reply, a status in the trailers and
// in a Trailers-Only reply, malformed replies, a hung server (deadline), a server that is not
// there (UNAVAILABLE, as grpc-js said it), and a new connection after the server closed the old.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { GrpcCallError, openUnaryChannel } from "../../../src/sources/pubsub/grpc-unary.ts";
import { grpcCodeOf } from "../../../src/sources/pubsub/subscriber-api.ts";

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => void;

async function server(handler: Handler): Promise<{ host: string; sessions: () => number; close: () => Promise<void> }> {
  const h2 = http2.createServer();
  let sessions = 0;
  h2.on("session", (session) => {
    sessions++;
    openSessions.add(session);
    session.on("close", () => openSessions.delete(session));
  });
  h2.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => handler(stream, headers, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
  const { port } = h2.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    sessions: () => sessions,
    close: () =>
      new Promise((resolve) => {
        h2.close(() => resolve());
        // Open sessions would hold close() up.
        for (const s of openSessions) s.destroy();
      }),
  };
}
const openSessions = new Set<http2.Http2Session>();

const framed = (message: Buffer): Buffer => {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
};

const replyOk = (stream: http2.ServerHttp2Stream, message: Buffer, inChunks = 1) => {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  const bytes = framed(message);
  const step = Math.ceil(bytes.length / inChunks);
  for (let at = 0; at < bytes.length; at += step) stream.write(bytes.subarray(at, at + step));
  stream.end();
};

const asText = (b: Buffer): string => b.toString("utf8");

test("a call frames its request, sends the gRPC headers and decodes the one reply message", async (t) => {
  let seen: { headers: http2.IncomingHttpHeaders; body: Buffer } | undefined;
  const fake = await server((stream, headers, body) => {
    seen = { headers, body };
    // Split across chunks: the reply is reassembled before decoding.
    replyOk(stream, Buffer.from(`reply to ${body.subarray(5).toString()}`), 3);
  });
  const channel = openUnaryChannel({ projectId: "p", emulatorHost: fake.host });
  t.after(async () => {
    channel.close();
    await fake.close();
  });
  const reply = await channel.call("/google.pubsub.v1.Subscriber/Pull", "subscription=x", Buffer.from("ask"), asText, 5000);
  assert.equal(reply, "reply to ask");
  assert.ok(seen !== undefined);
  assert.equal(seen.headers[":path"], "/google.pubsub.v1.Subscriber/Pull");
  assert.equal(seen.headers[":method"], "POST");
  assert.equal(seen.headers["content-type"], "application/grpc");
  assert.equal(seen.headers.te, "trailers");
  assert.equal(seen.headers["x-goog-request-params"], "subscription=x");
  assert.deepEqual([...seen.body], [0, 0, 0, 0, 3, ...Buffer.from("ask")]);
  // Calls share one connection.
  await channel.call("/s/M", "r", Buffer.from("again"), asText, 5000);
  assert.equal(fake.sessions(), 1);
});

test("a status in the trailers or in a Trailers-Only reply becomes a GrpcCallError with its code and decoded message", async (t) => {
  const fake = await server((stream, headers) => {
    if (headers[":path"] === "/s/TrailersOnly") {
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "Subscription%20gone" },
        { endStream: true },
      );
      return;
    }
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "9", "grpc-message": "ack%20ids%20expired" }));
    stream.end();
  });
  const channel = openUnaryChannel({ projectId: "p", emulatorHost: fake.host });
  t.after(async () => {
    channel.close();
    await fake.close();
  });
  await assert.rejects(channel.call("/s/TrailersOnly", "r", Buffer.alloc(0), asText, 5000), (error: unknown) => {
    assert.ok(error instanceof GrpcCallError);
    assert.equal(grpcCodeOf(error), 5);
    assert.equal(error.message, "5 NOT_FOUND: Subscription gone");
    return true;
  });
  await assert.rejects(channel.call("/s/Trailers", "r", Buffer.alloc(0), asText, 5000), {
    code: 9,
    message: "9 FAILED_PRECONDITION: ack ids expired",
  });
});

test("malformed replies are refused by name: no status, a cut or compressed message, a non-200 answer", async (t) => {
  const fake = await server((stream, headers) => {
    const path = headers[":path"];
    if (path === "/s/NoStatus") {
      stream.respond({ ":status": 200, "content-type": "application/grpc" });
      stream.end(framed(Buffer.from("x")));
    } else if (path === "/s/Cut") {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(framed(Buffer.from("hello")).subarray(0, 7));
    } else if (path === "/s/Compressed") {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      const bytes = framed(Buffer.from("z"));
      bytes[0] = 1;
      stream.end(bytes);
    } else {
      stream.respond({ ":status": 503 });
      stream.end();
    }
  });
  const channel = openUnaryChannel({ projectId: "p", emulatorHost: fake.host });
  t.after(async () => {
    channel.close();
    await fake.close();
  });
  await assert.rejects(channel.call("/s/NoStatus", "r", Buffer.alloc(0), asText, 5000), {
    code: 14,
    message: /\/s\/NoStatus ended without a gRPC status/,
  });
  await assert.rejects(channel.call("/s/Cut", "r", Buffer.alloc(0), asText, 5000), {
    code: 13,
    message: /response message of 5 bytes announced, 2 received/,
  });
  await assert.rejects(channel.call("/s/Compressed", "r", Buffer.alloc(0), asText, 5000), {
    code: 13,
    message: /compressed response/,
  });
  await assert.rejects(channel.call("/s/Busy", "r", Buffer.alloc(0), asText, 5000), { code: 14, message: /HTTP 503/ });
});

test("a server that never answers fails the call with DEADLINE_EXCEEDED", async (t) => {
  const fake = await server(() => {});
  const channel = openUnaryChannel({ projectId: "p", emulatorHost: fake.host });
  t.after(async () => {
    channel.close();
    await fake.close();
  });
  await assert.rejects(channel.call("/s/Hang", "r", Buffer.alloc(0), asText, 300), {
    code: 4,
    message: /no answer to \/s\/Hang within 300 ms/,
  });
});

test("no server: UNAVAILABLE with Node's reason; a server back later is reached on a new connection", async (t) => {
  const fake = await server((stream) => replyOk(stream, Buffer.from("up")));
  const host = fake.host;
  const channel = openUnaryChannel({ projectId: "p", emulatorHost: host });
  t.after(() => channel.close());
  assert.equal(await channel.call("/s/M", "r", Buffer.alloc(0), asText, 5000), "up");
  // The server goes away with its connections.
  await fake.close();
  await assert.rejects(channel.call("/s/M", "r", Buffer.alloc(0), asText, 5000), (error: unknown) => {
    assert.equal(grpcCodeOf(error), 14);
    assert.match(String((error as Error).message), /ECONNREFUSED|closed|cancel|reset|socket/i);
    return true;
  });
  // Another server on the same port (when the OS lets us have it back): a new connection.
  const port = Number(host.split(":")[1]);
  const again = http2.createServer();
  again.on("stream", (stream) => stream.on("data", () => {}).on("end", () => replyOk(stream, Buffer.from("back"))));
  const listening = await new Promise<boolean>((resolve) => {
    again.once("error", () => resolve(false));
    again.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (!listening) return t.skip(`port ${port} was taken meanwhile`);
  t.after(() => new Promise<void>((resolve) => again.close(() => resolve())));
  assert.equal(await channel.call("/s/M", "r", Buffer.alloc(0), asText, 5000), "back");
});

test("after its quota of streams a connection is left for a new one; calls under way finish on the old", async (t) => {
  const fake = await server((stream) => replyOk(stream, Buffer.from("ok")));
  const channel = openUnaryChannel({ projectId: "p", emulatorHost: fake.host }, { maxStreamsPerConnection: 3 });
  t.after(async () => {
    channel.close();
    await fake.close();
  });
  const replies = await Promise.all(Array.from({ length: 7 }, () => channel.call("/s/M", "r", Buffer.alloc(0), asText, 5000)));
  assert.deepEqual(replies, Array(7).fill("ok"));
  assert.equal(fake.sessions(), 3);
});

test("a closed channel refuses calls", async () => {
  const channel = openUnaryChannel({ projectId: "p", emulatorHost: "127.0.0.1:9" });
  channel.close();
  await assert.rejects(channel.call("/s/M", "r", Buffer.alloc(0), asText, 1000), { code: 1 });
});
