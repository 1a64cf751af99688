// Delivery accounting for SQS tests: which events the simulator got into the queue (by source
// message id, when it wrote them itself), which source messages the bridge received (its debug
// line "SQS received" per receive), and so, for a record missing from Kafka, whether the queue
// never delivered its message or the bridge lost it.
import type { ExpectedRecord } from "./expected.ts";

export class DeliveryLedger {
  /** Legacy event id -> SQS MessageId (undefined when SNS, not the test, wrote the message). */
  readonly #sourceIdByEvent = new Map<string, string | undefined>();

  sent(eventId: string, sourceMessageId: string | undefined): void {
    this.#sourceIdByEvent.set(eventId, sourceMessageId);
  }

  get accepted(): number {
    return this.#sourceIdByEvent.size;
  }

  /** Legacy event id -> source message id, for every event the source accepted (fault accounting). */
  acceptedEvents(): ReadonlyMap<string, string | undefined> {
    return this.#sourceIdByEvent;
  }

  /** Source message ids in the bridge's "SQS received" debug lines (every receive, redeliveries once). */
  static received(logs: readonly string[]): Set<string> {
    const ids = new Set<string>();
    for (const line of logs) {
      if (!line.includes('"SQS received"')) continue;
      const { messageIds } = JSON.parse(line) as { messageIds?: string };
      for (const id of messageIds?.split(",") ?? []) if (id !== "") ids.add(id);
    }
    return ids;
  }

  /**
   * What became of the events behind missing records, for the failure message: "lost by the
   * bridge" (it received their source message) or "never reached the bridge" (the queue never
   * delivered it). Without source ids (SNS wrote the messages) it can only compare counts.
   */
  explain(missingCeIds: readonly string[], expected: ReadonlyMap<string, ExpectedRecord>, logs: readonly string[]): string {
    if (missingCeIds.length === 0) return "nothing missing";
    const received = DeliveryLedger.received(logs);
    const events = new Set(missingCeIds.map((ceId) => expected.get(ceId)?.eventId ?? `unknown ce_id ${ceId}`));
    const byBridge: string[] = [];
    const neverReached: string[] = [];
    const unknown: string[] = [];
    for (const eventId of events) {
      const sourceId = this.#sourceIdByEvent.get(eventId);
      if (sourceId === undefined) unknown.push(eventId);
      else (received.has(sourceId) ? byBridge : neverReached).push(`${eventId} (source ${sourceId})`);
    }
    const parts = [`${missingCeIds.length} records of ${events.size} events missing`];
    if (byBridge.length > 0)
      parts.push(`LOST BY THE BRIDGE (received, no record): ${byBridge.length}, e.g. ${byBridge.slice(0, 3).join(", ")}`);
    if (neverReached.length > 0) {
      parts.push(
        `NEVER REACHED THE BRIDGE (sent to the queue, never received): ${neverReached.length}, e.g. ${neverReached.slice(0, 3).join(", ")}`,
      );
    }
    if (unknown.length > 0) {
      parts.push(
        `${unknown.length} published through SNS (no source id): the bridge received ${received.size} distinct source messages ` +
          `of ${this.accepted} SNS accepted, so ${Math.max(0, this.accepted - received.size)} never reached it`,
      );
    }
    return parts.join("; ");
  }
}
