// Which source messages the bridge received, per run of a source server: the bridge logs the
// ids it receives at debug ("SQS received", "Pub/Sub received"), and a server that restarts
// empty may hand out the same ids again (pstest numbers its messages from 1), so a receipt counts
// only in the log lines written during the run of the server that accepted the message.
import type { FeedLedger } from "./feeders.ts";

/** Source message ids the bridge logged as received, with how often (a redelivery counts twice). */
export function receivedCounts(logs: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of logs) {
    if (!line.includes('"SQS received"') && !line.includes('"Pub/Sub received"')) continue;
    const { messageIds } = JSON.parse(line) as { messageIds?: string };
    for (const id of messageIds?.split(",") ?? []) if (id !== "") counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/**
 * A restart of a source server, in the feed's and the bridge's terms: how many events had been
 * offered and how many bridge log lines written when it was killed, and how many offered once its
 * queue or subscriptions existed again. Message ids are unique only within one run of a server
 * (pstest counts from 1 again), so a receipt counts only in the logs of the same run.
 */
export interface ServerRestart {
  readonly killOffered: number;
  readonly killLog: number;
  readonly readyOffered: number;
}

/** Receipts (source message ids) in `logs[from, to)`. */
function receivedIn(logs: readonly string[], from: number, to: number): Map<string, number> {
  return receivedCounts(logs.slice(from, to));
}

/**
 * Events the server accepted but lost in a restart before the bridge received them: accepted in a
 * run of the server and never received during it, or accepted while it was being made again
 * (a topic without its subscription yet). Events offered after the last restart are never in it.
 */
export function lostInRestarts(ledger: FeedLedger, restarts: readonly ServerRestart[], logs: readonly string[]): Set<string> {
  const lost = new Set<string>();
  const check = (fromOffered: number, toOffered: number, fromLog: number, toLog: number): void => {
    const received = receivedIn(logs, fromLog, toLog);
    for (const event of ledger.offered.slice(fromOffered, toOffered)) {
      if (ledger.accepted.has(event.eventId) && !received.has(ledger.accepted.get(event.eventId) ?? "")) lost.add(event.eventId);
    }
  };
  restarts.forEach((restart, index) => {
    const previous = restarts[index - 1];
    const next = restarts[index + 1];
    // The run that ended with this restart.
    check(previous?.readyOffered ?? 0, restart.killOffered, previous?.killLog ?? 0, restart.killLog);
    // Offered while it was down or being made again.
    check(restart.killOffered, restart.readyOffered, restart.killLog, next?.killLog ?? logs.length);
  });
  return lost;
}

/** Accepted after the last restart (or at all, without one) and not received yet in the server's current run. */
export function notYetReceived(ledger: FeedLedger, restarts: readonly ServerRestart[], logs: readonly string[]): number {
  const last = restarts.at(-1);
  const received = receivedIn(logs, last?.killLog ?? 0, logs.length);
  return ledger.offered
    .slice(last?.readyOffered ?? 0)
    .filter((event) => ledger.accepted.has(event.eventId) && !received.has(ledger.accepted.get(event.eventId) ?? "")).length;
}
