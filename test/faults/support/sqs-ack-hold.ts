// An HTTP proxy in front of the SQS server that passes every call but the acks: DeleteMessage and
// DeleteMessageBatch are held unanswered (as if the server stopped taking them). Receives and
// visibility extensions keep flowing, so the bridge produces to Kafka and piles up acks it
// cannot complete: the window between Kafka's ack and the source's, held open for a kill.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface AckHoldingProxy {
  readonly endpoint: string;
  /** Acks (delete calls) held so far. */
  readonly held: number;
  /** From now on, hold every delete call (before: all pass). */
  holdAcks(): void;
  close(): Promise<void>;
}

const HELD_TARGETS = new Set(["AmazonSQS.DeleteMessage", "AmazonSQS.DeleteMessageBatch"]);
const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

export async function ackHoldingSqsProxy(target: string): Promise<AckHoldingProxy> {
  const heldResponses: ServerResponse[] = [];
  let holding = false;
  const forward = async (request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!HOP_BY_HOP.has(name) && typeof value === "string") headers[name] = value;
    }
    const answer = await fetch(`${target}${request.url ?? "/"}`, {
      method: request.method ?? "POST",
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    const payload = Buffer.from(await answer.arrayBuffer());
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name) && name !== "content-encoding") out[name] = value;
    });
    response.writeHead(answer.status, { ...out, "content-length": String(payload.length) });
    response.end(payload);
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (holding && HELD_TARGETS.has(String(request.headers["x-amz-target"] ?? ""))) {
        heldResponses.push(response);
        return;
      }
      forward(request, response, Buffer.concat(chunks)).catch((error: unknown) => {
        response.writeHead(502).end(`proxy: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get held() {
      return heldResponses.length;
    },
    holdAcks() {
      holding = true;
    },
    async close() {
      for (const response of heldResponses) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
