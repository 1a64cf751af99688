// An HTTP proxy in front of moto (one AWS endpoint: SQS and KMS) that can make KMS throttle or
// vanish without touching moto: each KMS Decrypt (X-Amz-Target TrentService.Decrypt) is passed,
// answered with a ThrottlingException, or has its connection reset, as `policy` decides for the
// request's tenant (its EncryptionContext). Everything else (SQS) passes untouched. It counts
// what it did, per tenant, with the times of the Decrypts it let through.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";

export type KmsVerdict = "pass" | "throttle" | "reset";

export interface KmsProxy {
  readonly endpoint: string;
  /** Decides each Decrypt by its tenant and wrapped key (base64 CiphertextBlob); default: pass. */
  policy: (tenant: string, blob: string) => KmsVerdict;
  /** Per tenant: times (ms) of the Decrypts passed to moto. */
  readonly passed: Map<string, number[]>;
  /** Per tenant: Decrypts answered with ThrottlingException. */
  readonly throttled: Map<string, number>;
  /** Per tenant: Decrypts whose connection was reset. */
  readonly reset: Map<string, number>;
  close(): Promise<void>;
}

function count(map: Map<string, number>, tenant: string): void {
  map.set(tenant, (map.get(tenant) ?? 0) + 1);
}

function decryptRequest(body: Buffer): { tenant: string; blob: string } {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { EncryptionContext?: { tenant?: unknown }; CiphertextBlob?: unknown };
    const tenant = parsed.EncryptionContext?.tenant;
    const blob = parsed.CiphertextBlob;
    return { tenant: typeof tenant === "string" ? tenant : "", blob: typeof blob === "string" ? blob : "" };
  } catch {
    return { tenant: "", blob: "" };
  }
}

export async function startKmsProxy(target: string): Promise<KmsProxy> {
  const upstream = new URL(target);
  const proxy: KmsProxy = {
    endpoint: "",
    policy: () => "pass",
    passed: new Map(),
    throttled: new Map(),
    reset: new Map(),
    close: async () => {},
  };
  const forward = (incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse): void => {
    const upstreamRequest = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstreamRequest.on("error", () => outgoing.destroy());
    upstreamRequest.end(body);
  };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      if (incoming.headers["x-amz-target"] !== "TrentService.Decrypt") {
        forward(incoming, body, outgoing);
        return;
      }
      const { tenant, blob } = decryptRequest(body);
      const verdict = proxy.policy(tenant, blob);
      if (verdict === "reset") {
        count(proxy.reset, tenant);
        incoming.socket.resetAndDestroy();
        return;
      }
      if (verdict === "throttle") {
        count(proxy.throttled, tenant);
        outgoing.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "ThrottlingException" });
        outgoing.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded (fault test)" }));
        return;
      }
      proxy.passed.set(tenant, [...(proxy.passed.get(tenant) ?? []), Date.now()]);
      forward(incoming, body, outgoing);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
