// `meshbridge run --config FILE [--catalog MODULE]`: loads the configuration, starts the bridge,
// and stops it gracefully on SIGTERM/SIGINT (a second signal exits at once). Signals are heard
// from the start, so a signal during start-up (registry or Kafka unreachable) stops it too.
import { createLogger, flushLogs } from "../../ops/log.ts";
import { loadConfig } from "../config.ts";

/** `catalog` (--catalog) overrides the file's catalog.module exactly as MB_CATALOG does. */
export async function runBridgeCommand(path: string, catalog?: string): Promise<void> {
  const config = loadConfig(path, catalog === undefined ? process.env : { ...process.env, MB_CATALOG: catalog });
  const log = createLogger(config.log.level, { service: "meshbridge" });
  const { startBridge, StartupStopped, AFTER_GRACE_MS } = await import("../bridge.ts");
  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shutdown.signal.aborted) {
      log.warn("second signal: exiting now; unsettled messages come back by visibility timeout", { signal });
      flushLogs();
      process.exit(1);
    }
    log.info("signal received", { signal });
    // The last resort if something still hangs: the process is gone soon after the grace period.
    const hardExitMs = config.shutdownGraceSeconds * 1000 + AFTER_GRACE_MS + 1000;
    setTimeout(() => {
      log.error("shutdown did not finish in time; exiting, unsettled messages come back by timeout", { hardExitMs });
      flushLogs();
      process.exit(1);
    }, hardExitMs).unref();
    shutdown.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  let bridge: Awaited<ReturnType<typeof startBridge>>;
  try {
    bridge = await startBridge(config, log, shutdown.signal);
  } catch (error) {
    if (!(error instanceof StartupStopped)) throw error;
    log.info("stopped before the bridge was running", { reason: error.message });
    flushLogs();
    process.exit(0);
  }
  if (!shutdown.signal.aborted) {
    await new Promise((resolve) => shutdown.signal.addEventListener("abort", resolve, { once: true }));
  }
  const clean = await bridge.stop().catch((error: unknown) => {
    log.error("shutdown failed", { error: error instanceof Error ? error.message : String(error) });
    return false;
  });
  // Explicit: a connection to a server that never answers would otherwise keep the process alive.
  flushLogs();
  process.exit(clean ? 0 : 1);
}
