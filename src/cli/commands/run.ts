// `meshbridge run --config FILE`: loads the configuration, starts the bridge, and stops it
// gracefully on SIGTERM/SIGINT (a second signal exits at once).
import { createLogger } from "../../ops/log.ts";
import { loadConfig } from "../config.ts";

export async function runBridgeCommand(path: string): Promise<void> {
  const config = loadConfig(path);
  const log = createLogger(config.log.level, { service: "meshbridge" });
  const { startBridge } = await import("../bridge.ts");
  const bridge = await startBridge(config, log);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log.warn("second signal: exiting now; unsettled messages come back by visibility timeout", { signal });
        process.exit(1);
      }
      stopping = true;
      log.info("signal received", { signal });
      bridge.stop().then(resolve, (error: unknown) => {
        log.error("shutdown failed", { error: error instanceof Error ? error.message : String(error) });
        process.exitCode = 1;
        resolve();
      });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
