// The operations endpoint: /metrics (Prometheus), /healthz (liveness), /readyz (readiness),
// and the status page at / with /config (src/ops/status, docs/decisions/0023).
// Liveness fails only when the process is wedged; readiness is false during start-up checks,
// while the sink cannot reach Kafka, and during shutdown, so Kubernetes stops routing work.
import { createServer, type Server } from "node:http";
import type { BridgeMetrics } from "./metrics.ts";
import { statusRoutes } from "./status/routes.ts";

export interface HealthState {
  /** Start-up checks passed and sources are running. */
  ready(): boolean;
  /** Why not ready, for humans. */
  readonly reason: string;
}

/**
 * Starts the ops server. `redactedConfig` is what /config shows: the configuration in effect,
 * already passed through redactConfig.
 */
export function startOpsServer(
  port: number,
  host: string,
  metrics: BridgeMetrics,
  health: HealthState,
  redactedConfig?: unknown,
): Promise<Server> {
  const status = statusRoutes(redactedConfig);
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const page = status.get(path);
    if (page !== undefined) {
      response.writeHead(200, page.headers);
      response.end(page.body);
    } else if (path === "/metrics") {
      response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      response.end(metrics.render());
    } else if (path === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("ok\n");
    } else if (path === "/readyz") {
      const ready = health.ready();
      response.writeHead(ready ? 200 : 503, { "content-type": "text/plain" });
      response.end(ready ? "ready\n" : `not ready: ${health.reason}\n`);
    } else {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found: try /, /metrics, /healthz, /readyz, /config\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
