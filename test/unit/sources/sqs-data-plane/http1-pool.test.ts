// The lean SQS client's connection pool against a raw TCP server that answers byte by byte as a
// test tells it: keep-alive reuse, the socket bound (queued requests), answers split into pieces
// and chunked, a reset in mid-body, "Connection: close", an idle connection the server closed,
// errors answered (handed over, not judged), and a cancelled request.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createServer as createTlsServer } from "node:tls";
import { ensureMeshCertificates, meshTls } from "../../../../infra/stack/tls.ts";
import { Http1Pool } from "../../../../src/sources/sqs/data-plane/http1-pool.ts";

interface Received {
  readonly connection: number;
  readonly head: string;
  readonly body: string;
}
type Answer = (socket: Socket, request: Received) => void | Promise<void>;

const request = (body: string): string =>
  `POST / HTTP/1.1\r\nhost: test\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const ok = (body: string, extra = ""): string =>
  `HTTP/1.1 200 OK\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe("Http1Pool", () => {
  let server: Server;
  let port: number;
  let connections: number;
  let received: Received[];
  let answer: Answer;
  const pools: Http1Pool[] = [];
  const pool = (maxSockets = 4): Http1Pool => {
    const made = new Http1Pool({ https: false, hostname: "127.0.0.1", port }, maxSockets);
    pools.push(made);
    return made;
  };

  before(async () => {
    server = createServer((socket) => {
      const connection = ++connections;
      let buffered = Buffer.alloc(0);
      socket.on("error", () => {});
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        for (;;) {
          const end = buffered.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = buffered.toString("latin1", 0, end);
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length < end + 4 + length) return;
          const body = buffered.toString("utf8", end + 4, end + 4 + length);
          buffered = buffered.subarray(end + 4 + length);
          const one = { connection, head, body };
          received.push(one);
          void answer(socket, one);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => {
    connections = 0;
    received = [];
    answer = (socket, r) => {
      socket.write(ok(`echo ${r.body}`));
    };
  });
  after(async () => {
    for (const made of pools) made.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends the request as written and reuses one keep-alive connection for calls in a row", async () => {
    const client = pool();
    const first = await client.send(request('{"a":"é"}'));
    const second = await client.send(request("{}"));
    assert.equal(first.statusCode, 200);
    assert.equal(first.body.toString(), 'echo {"a":"é"}');
    assert.equal(second.body.toString(), "echo {}");
    assert.equal(connections, 1);
    assert.deepEqual(
      received.map((r) => r.connection),
      [1, 1],
    );
    assert.match(received[0]!.head, /^POST \/ HTTP\/1\.1\r\nhost: test\r\n/);
    assert.equal(client.sockets, 1);
  });

  it("keeps a connection idle for less than the server's Keep-Alive timeout, and not at all for timeout=1", async () => {
    const client = pool();
    answer = (socket, r) => {
      socket.write(ok(r.body, `Keep-Alive: timeout=${r.body}\r\n`));
    };
    await client.send(request("5"));
    assert.equal(client.sockets, 1, "timeout=5: kept for 4 s");
    await client.send(request("1"));
    // Closed by the pool once answered: a second's margin leaves no time to wait idle.
    for (let waited = 0; client.sockets > 0 && waited < 5000; waited += 10) await sleep(10);
    assert.equal(client.sockets, 0, "timeout=1: not kept");
    await client.send(request("5"));
    assert.equal(connections, 2, "the next call opens a new connection");
  });

  it("keeps to maxSockets: calls beyond it wait for a free connection", async () => {
    answer = async (socket, r) => {
      await sleep(20);
      socket.write(ok(r.body));
    };
    const client = pool(2);
    const bodies = await Promise.all(["1", "2", "3", "4", "5"].map(async (n) => (await client.send(request(n))).body.toString()));
    assert.deepEqual(bodies, ["1", "2", "3", "4", "5"]);
    assert.equal(connections, 2);
  });

  it("reads answers written in small pieces, and chunked ones", async () => {
    answer = async (socket, r) => {
      const text =
        r.body === "chunked"
          ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
          : ok(JSON.stringify({ Messages: ["x".repeat(300)] }));
      for (let at = 0; at < text.length; at += 7) {
        socket.write(text.slice(at, at + 7));
        if (at % 70 === 0) await sleep(1);
      }
    };
    const client = pool(1);
    assert.equal((await client.send(request("chunked"))).body.toString(), "abcdefg");
    assert.deepEqual(JSON.parse((await client.send(request("json"))).body.toString()), { Messages: ["x".repeat(300)] });
    assert.equal(connections, 1, "both answers on one connection");
  });

  it("fails a call whose connection is reset in mid-body, and serves the next on a new connection", async () => {
    answer = (socket, r) => {
      if (r.body === "cut") {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"Messages":[');
        setTimeout(() => socket.resetAndDestroy(), 10);
      } else socket.write(ok("fine"));
    };
    const client = pool(1);
    await assert.rejects(client.send(request("cut")), (error: Error & { code?: string }) => {
      assert.equal(error.code, "ECONNRESET");
      return true;
    });
    assert.equal((await client.send(request("next"))).body.toString(), "fine");
    assert.equal(connections, 2);
  });

  it("fails a call whose connection the server closes before answering in full", async () => {
    answer = (socket) => {
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}");
    };
    await assert.rejects(pool().send(request("x")), /connection closed before the response ended/);
  });

  it("does not reuse a connection answered with Connection: close, nor one the server closed while idle", async () => {
    answer = (socket, r) => {
      if (r.body === "close") socket.end(ok("bye", "Connection: close\r\n"));
      else if (r.body === "idle-close") {
        socket.write(ok("then closed"));
        setTimeout(() => socket.end(), 10);
      } else socket.write(ok("fresh"));
    };
    const client = pool(1);
    assert.equal((await client.send(request("close"))).body.toString(), "bye");
    assert.equal((await client.send(request("idle-close"))).body.toString(), "then closed");
    await sleep(100);
    assert.equal(client.sockets, 0, "the closed idle connection left the pool");
    assert.equal((await client.send(request("again"))).body.toString(), "fresh");
    assert.equal(connections, 3);
  });

  it("hands 4xx and 5xx answers over with status, headers and body", async () => {
    answer = (socket, r) => {
      const status = r.body === "400" ? "400 Bad Request" : "503 Service Unavailable";
      const body = `{"__type":"E${r.body}"}`;
      socket.write(`HTTP/1.1 ${status}\r\nx-amzn-query-error: Code;Sender\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    };
    const client = pool();
    const bad = await client.send(request("400"));
    const unavailable = await client.send(request("503"));
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.headers["x-amzn-query-error"], "Code;Sender");
    assert.equal(bad.body.toString(), '{"__type":"E400"}');
    assert.equal(unavailable.statusCode, 503);
    assert.equal(connections, 1, "an error answer leaves the connection usable");
  });

  it("ends a cancelled call at once with the caller's error and drops its connection", async () => {
    answer = (socket, r) => {
      if (r.body !== "slow") socket.write(ok("quick"));
    };
    const client = pool(1);
    let cancel: (error: unknown) => void = () => {};
    const slow = client.send(request("slow"), (cancelWith) => {
      cancel = cancelWith;
    });
    const queued = client.send(request("queued"));
    await sleep(30);
    const reason = new Error("deadline passed");
    cancel(reason);
    await assert.rejects(slow, (error) => error === reason);
    assert.equal((await queued).body.toString(), "quick");
    assert.equal(connections, 2, "the queued call got a new connection, not the cancelled one");
  });

  it("fails calls on a refused connection and after close()", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    const refused = new Http1Pool({ https: false, hostname: "127.0.0.1", port: closedPort }, 1);
    await assert.rejects(refused.send(request("x")), (error: Error & { code?: string }) => error.code === "ECONNREFUSED");
    refused.close();
    await assert.rejects(refused.send(request("x")), /closed/);
  });

  it("speaks https: verifies the server against the given CA and reuses the TLS connection", async () => {
    ensureMeshCertificates();
    let tlsConnections = 0;
    const tlsServer = createTlsServer({ cert: readFileSync(meshTls.certFile), key: readFileSync(meshTls.keyFile) }, (socket) => {
      tlsConnections++;
      socket.on("error", () => {});
      socket.on("data", () => socket.write(ok("secure")));
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    const tlsPort = (tlsServer.address() as AddressInfo).port;
    const trusting = new Http1Pool(
      { https: true, hostname: "127.0.0.1", port: tlsPort, ca: readFileSync(meshTls.caFile, "utf8") },
      2,
    );
    const untrusting = new Http1Pool({ https: true, hostname: "127.0.0.1", port: tlsPort }, 2);
    try {
      assert.equal((await trusting.send(request("a"))).body.toString(), "secure");
      assert.equal((await trusting.send(request("b"))).body.toString(), "secure");
      assert.equal(tlsConnections, 1);
      await assert.rejects(untrusting.send(request("c")), (error: Error & { code?: string }) =>
        /CERT|SELF_SIGNED|ISSUER|VERIFY/.test(error.code ?? ""),
      );
    } finally {
      trusting.close();
      untrusting.close();
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });
});
