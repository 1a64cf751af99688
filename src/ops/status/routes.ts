// The status page's routes on the ops port: the page, its three browser modules, style sheet
// and icon, read once from this folder and served as they are (no build step), and /config, the
// configuration in effect with its secrets already redacted by the caller.
import { readFileSync } from "node:fs";

export interface StaticResponse {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

// Scripts and styles only from the ops port itself, no inline code or style, fetch only to it,
// and no framing: values from sources are text, and this keeps an injected one inert anyway.
export const STATUS_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const common = {
  "content-security-policy": STATUS_PAGE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const files: Readonly<Record<string, { file: string; type: string }>> = {
  "/": { file: "page.html", type: "text/html; charset=utf-8" },
  "/status/page.css": { file: "page.css", type: "text/css; charset=utf-8" },
  "/status/icon.svg": { file: "icon.svg", type: "image/svg+xml" },
  "/status/page.js": { file: "page.js", type: "text/javascript; charset=utf-8" },
  "/status/prometheus-text.js": { file: "prometheus-text.js", type: "text/javascript; charset=utf-8" },
  "/status/status-model.js": { file: "status-model.js", type: "text/javascript; charset=utf-8" },
};

/** Path -> response for the page's files and /config (`redactedConfig` must have no secret left). */
export function statusRoutes(redactedConfig: unknown): Map<string, StaticResponse> {
  const routes = new Map<string, StaticResponse>();
  for (const [path, { file, type }] of Object.entries(files)) {
    const body = readFileSync(new URL(file, import.meta.url), "utf8");
    routes.set(path, { headers: { ...common, "content-type": type }, body });
  }
  routes.set("/config", {
    headers: { ...common, "content-type": "application/json; charset=utf-8" },
    body: `${JSON.stringify(redactedConfig ?? null, null, 2)}\n`,
  });
  return routes;
}
