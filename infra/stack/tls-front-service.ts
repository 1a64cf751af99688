// The `tls-front` service: tls-front.ts in a Node process of its own (the stack's own Node),
// in front of the registry and pstest. No extra JVM, nothing to install.
import { readFileSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import { connect } from "node:tls";
import { ports, repoRoot } from "./ports.ts";
import { startDetached } from "./process.ts";
import { meshSecured } from "./secured.ts";
import type { Service } from "./services.ts";
import { ensureMeshCertificates, meshTls } from "./tls.ts";

/** GET through the HTTPS front, trusting only the test CA: resolves with the HTTP status. */
function registryStatus(ca: Buffer): Promise<number> {
  const { username, password } = meshSecured.registryUser;
  return new Promise((resolve, reject) => {
    const request = get(
      `${meshSecured.registryUrl}/subjects`,
      { ca, auth: `${username}:${password}`, timeout: 2000 },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
  });
}

/** A TLS handshake with the Pub/Sub front: true when it verified and chose HTTP/2. */
function pubsubNegotiatesH2(ca: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: ports.pubsubTls, ca, ALPNProtocols: ["h2"] }, () => {
      const h2 = socket.alpnProtocol === "h2";
      socket.destroy();
      resolve(h2);
    });
    socket.setTimeout(2000, () => socket.destroy(new Error("timeout")));
    socket.on("error", reject);
  });
}

export const tlsFront: Service = {
  name: "tls-front",
  ports: [ports.registryTls, ports.pubsubTls],
  address: `${meshSecured.registryUrl} ${meshSecured.pubsubHost}`,
  startTimeoutMs: 90_000,
  prepare() {
    ensureMeshCertificates();
  },
  start() {
    startDetached("tls-front", process.execPath, [join(repoRoot, "infra", "stack", "tls-front.ts")]);
  },
  async healthy() {
    // Healthy only once the registry answers through it (the registry may still be booting).
    const ca = readFileSync(meshTls.caFile);
    const [status, h2] = await Promise.all([registryStatus(ca), pubsubNegotiatesH2(ca)]);
    return status === 200 && h2;
  },
};
