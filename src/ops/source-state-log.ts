// One log line for every state change of a source (queue or subscription), never one per
// message: "source subscribed", "source failing" (with its error class), "source recovered",
// "source removed" (discovery no longer selects it, or it was deleted). No URLs, no messages.
import type { Logger } from "./log.ts";
import type { SourceMetrics } from "./source-metrics.ts";

export function logSourceStateChanges(sources: SourceMetrics, log: Logger): void {
  sources.onStateChange((meter, from) => {
    const fields = { source: meter.id, from };
    switch (meter.state) {
      case "subscribed":
        log.info(from === "failing" ? "source recovered" : "source subscribed", fields);
        break;
      case "failing":
        log.warn("source failing", { ...fields, errorClass: meter.failure });
        break;
      case "removed":
        log.info("source removed", fields);
        break;
      case "starting":
        // Back after a removal: its next good receive says "source subscribed".
        break;
    }
  });
}
