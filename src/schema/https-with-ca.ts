// One HTTPS request trusting a given CA bundle (a private registry's CA). Global fetch cannot
// take a CA without undici's Agent, which is not a dependency; node:https can, with keep-alive.
import { Agent, request } from "node:https";

export interface TextAnswer {
  readonly status: number;
  readonly text: string;
}

export function caAgent(ca: Buffer | string): Agent {
  return new Agent({ ca, keepAlive: true });
}

/** Rejects on network, TLS and timeout failures (a TimeoutError for the latter), as fetch does. */
export function requestText(
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | undefined; timeoutMs: number; agent: Agent },
): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: init.method, headers: init.headers, agent: init.agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    outgoing.setTimeout(init.timeoutMs, () => {
      const timeout = new Error(`no answer within ${init.timeoutMs} ms`);
      timeout.name = "TimeoutError";
      outgoing.destroy(timeout);
    });
    outgoing.on("error", reject);
    outgoing.end(init.body);
  });
}
