// The mesh's TLS front, one small Node process: HTTPS with basic auth in front of the registry
// (as Confluent Cloud's registry is reached), and TLS with ALPN h2 in front of pstest, so the
// bridge's production gRPC channel (TLS credentials) can be exercised locally. Both use the
// test CA's server certificate (tls.ts). Run by the stack as the `tls-front` service.
import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { ports } from "./ports.ts";
import { meshSecured } from "./secured.ts";
import { meshTls } from "./tls.ts";

const key = readFileSync(meshTls.keyFile);
const cert = readFileSync(meshTls.certFile);
const expected = Buffer.from(
  `Basic ${Buffer.from(`${meshSecured.registryUser.username}:${meshSecured.registryUser.password}`).toString("base64")}`,
);

function authorized(header: string | undefined): boolean {
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const registry = createHttpsServer({ key, cert }, (incoming, outgoing) => {
  if (!authorized(incoming.headers.authorization)) {
    outgoing.writeHead(401, { "www-authenticate": 'Basic realm="meshbridge registry"', "content-type": "application/json" });
    outgoing.end(JSON.stringify({ error_code: 40101, message: "Unauthorized" }));
    return;
  }
  const { authorization: _, host: __, ...headers } = incoming.headers;
  const upstream = request(
    { host: "127.0.0.1", port: ports.registry, method: incoming.method, path: incoming.url, headers },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  );
  upstream.on("error", (error) => {
    outgoing.writeHead(502, { "content-type": "application/json" });
    outgoing.end(JSON.stringify({ error_code: 50201, message: `registry upstream: ${error.message}` }));
  });
  incoming.pipe(upstream);
});

// gRPC is HTTP/2: pstest speaks it in clear text, so the decrypted stream is passed on as is.
const pubsub = createTlsServer({ key, cert, ALPNProtocols: ["h2"] }, (socket) => {
  const upstream = connect(ports.pubsub, "127.0.0.1");
  socket.pipe(upstream).pipe(socket);
  const close = () => {
    socket.destroy();
    upstream.destroy();
  };
  socket.on("error", close);
  upstream.on("error", close);
});

registry.listen(ports.registryTls, "127.0.0.1", () => console.log(`registry over HTTPS on 127.0.0.1:${ports.registryTls}`));
pubsub.listen(ports.pubsubTls, "127.0.0.1", () => console.log(`pubsub over TLS on 127.0.0.1:${ports.pubsubTls}`));
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    registry.close();
    pubsub.close();
    process.exit(0);
  });
}
