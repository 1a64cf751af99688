// The accounting of a fault scenario: every event the test made, by its unique id (sealed inside
// its encrypted payload), followed to where it ended up — the catalog topics (all its records, by
// ce_id), the dead-letter topic (by source message id or body), nowhere (lost), or never in the
// source at all (the test's publish failed: not the bridge's doing). One row per scenario.
import type { ReadRecord } from "../../../src/ops/kafka-reader.ts";
import { dlqHeader } from "../../../src/pipeline/records.ts";
import type { SealedEvent } from "../../../tools/simulator/legacy-stream.ts";
import type { Expectation } from "../../support/expected.ts";
import type { CollectedRecord } from "../../support/records.ts";

/** One row of the fault table. */
export interface ScenarioResult {
  /** e.g. "1 SIGKILL after Kafka ack / sqs". */
  readonly scenario: string;
  /** Events the test made. */
  readonly sent: number;
  /** Events the source never accepted (the test's publish failed): told apart from lost. */
  readonly neverReachedSource: number;
  /** Events with every one of their catalog records in Kafka. */
  readonly inKafka: number;
  /** Events with a record in the dead-letter topic. */
  readonly deadLettered: number;
  /** Events the mapping turns into no record by design (acked, nothing to find in Kafka). */
  readonly filtered: number;
  /** Accepted by the source, yet neither (fully) in Kafka, nor dead-lettered, nor filtered. */
  readonly lost: number;
  /** Events both in Kafka and dead-lettered (must be 0). */
  readonly inBoth: number;
  /** Events that ended on the other side than expected (a healthy one dead-lettered, or the reverse). */
  readonly misrouted: number;
  /**
   * Events delivered more than once (a record with a second copy under the same ce_id, or a second
   * dead letter): in the unit of the bound, source messages.
   */
  readonly duplicates: number;
  /** Record copies beyond the first (an event of several records counts each). */
  readonly duplicateRecords: number;
  /** The most duplicates the scenario allows (e.g. the in-flight count at a kill). */
  readonly duplicateBound: number;
  /** Records of an ordered source group written to a partition before an earlier one of the group. */
  readonly orderViolations: number;
  /**
   * Telemetry canary: plaintext values and key bytes found in the bridges' logs, /metrics or the
   * dead-letter records of the scenario (must be 0); absent where the scenario scanned nothing.
   */
  readonly telemetryLeaks?: number;
  /** Free text: what the scenario measured (in flight at the kill, RSS ratio, ...). */
  readonly notes?: string;
}

/** An input of a scenario: a sealed event, or a hostile message with its expected outcome. */
export interface SentItem {
  readonly id: string;
  /** The ce_ids its records carry (none: filtered, or dead-lettered). */
  readonly ceIds: readonly string[];
  /** The mapping (or the envelope, decryption, ...) refuses it: its place is the DLQ. */
  readonly expectDeadLetter: boolean;
  /** Bodies the source delivers for it (envelope, SNS notification), to find its dead letter. */
  readonly bodies: readonly string[];
  /** Position in the ordered group it was published in, if the source keeps that group's order. */
  readonly ordered?: { readonly group: string; readonly position: number };
  /** Values that exist only inside its encrypted payload (the telemetry canary looks for them). */
  readonly plaintexts?: readonly string[];
}

/** Personal data in a plain legacy event: e-mail addresses, which appear nowhere but in its payload. */
function plaintextValues(value: unknown, found: string[] = []): string[] {
  if (typeof value === "string") {
    if (value.length >= 8 && /^[^@\s]+@[^@\s]+\.[a-z]+$/i.test(value)) found.push(value);
  } else if (Array.isArray(value)) for (const entry of value) plaintextValues(entry, found);
  else if (typeof value === "object" && value !== null) for (const entry of Object.values(value)) plaintextValues(entry, found);
  return found;
}

/** Sent items for sealed events, from the expectation computed for them. */
export function sealedItems(
  events: readonly SealedEvent[],
  expected: Expectation,
  ordered?: (event: SealedEvent, index: number) => { readonly group: string; readonly position: number } | undefined,
): SentItem[] {
  const ceIdsByEvent = new Map<string, string[]>();
  for (const [ceId, record] of expected.records) {
    const list = ceIdsByEvent.get(record.eventId);
    if (list === undefined) ceIdsByEvent.set(record.eventId, [ceId]);
    else list.push(ceId);
  }
  return events.map((event, index) => {
    const order = ordered?.(event, index);
    return {
      id: event.eventId,
      ceIds: ceIdsByEvent.get(event.eventId) ?? [],
      expectDeadLetter: expected.deadLetters.has(event.eventId),
      bodies: [event.envelope],
      plaintexts: plaintextValues(event.plain),
      ...(order === undefined ? {} : { ordered: order }),
    };
  });
}

export interface AccountingInput {
  readonly scenario: string;
  readonly items: readonly SentItem[];
  /**
   * Item id -> the source's message id, for every item the source accepted (SQS MessageId,
   * Pub/Sub message id; undefined when known accepted without one). Items absent never reached it.
   */
  readonly accepted: ReadonlyMap<string, string | undefined>;
  /** Everything read from the deployment's catalog topics, from the beginning. */
  readonly catalog: readonly CollectedRecord[];
  /** Everything read from the deployment's dead-letter topic, from the beginning. */
  readonly deadLetters: readonly ReadRecord[];
  readonly duplicateBound: number;
  readonly notes?: string;
}

/** The row for a scenario, plus the ids behind each bad count (for failure messages). */
export interface Accounting {
  readonly result: ScenarioResult;
  readonly lostIds: readonly string[];
  readonly inBothIds: readonly string[];
  readonly misroutedIds: readonly string[];
  readonly orderViolationsSeen: readonly string[];
  /** ce_ids nobody sent (a record of another scenario, or a made-up id). */
  readonly unexpectedCeIds: readonly string[];
  /** What was accounted, for the telemetry canary (support/canary.ts). */
  readonly items: readonly SentItem[];
  readonly deadLetters: readonly ReadRecord[];
}

export function account(input: AccountingInput): Accounting {
  const copies = new Map<string, number>();
  for (const record of input.catalog) copies.set(record.ceId, (copies.get(record.ceId) ?? 0) + 1);
  const itemByCeId = new Map<string, SentItem>();
  for (const item of input.items) for (const ceId of item.ceIds) itemByCeId.set(ceId, item);

  // Dead letters: by source message id when the test knows it, else by the body delivered.
  const itemBySourceId = new Map<string, SentItem>();
  const itemByBody = new Map<string, SentItem>();
  for (const item of input.items) {
    const sourceId = input.accepted.get(item.id);
    if (sourceId !== undefined) itemBySourceId.set(sourceId, item);
    for (const body of item.bodies) itemByBody.set(body, item);
  }
  const deadCopies = new Map<string, number>();
  for (const record of input.deadLetters) {
    const item = deadLetterItem(record, itemBySourceId, itemByBody);
    if (item !== undefined) deadCopies.set(item.id, (deadCopies.get(item.id) ?? 0) + 1);
  }

  let neverReachedSource = 0;
  let inKafka = 0;
  let deadLettered = 0;
  let filtered = 0;
  let duplicates = 0;
  let duplicateRecords = 0;
  const lostIds: string[] = [];
  const inBothIds: string[] = [];
  const misroutedIds: string[] = [];
  for (const item of input.items) {
    const dead = deadCopies.get(item.id) ?? 0;
    const found = item.ceIds.filter((ceId) => copies.has(ceId)).length;
    let extra = Math.max(0, dead - 1);
    for (const ceId of item.ceIds) extra += Math.max(0, (copies.get(ceId) ?? 0) - 1);
    duplicateRecords += extra;
    if (extra > 0) duplicates++;
    const complete = item.ceIds.length > 0 && found === item.ceIds.length;
    if (dead > 0 && found > 0) inBothIds.push(item.id);
    if (dead > 0) deadLettered++;
    else if (complete) inKafka++;
    if ((dead > 0 && !item.expectDeadLetter) || (found > 0 && item.expectDeadLetter)) misroutedIds.push(item.id);
    if (!input.accepted.has(item.id)) {
      neverReachedSource++;
      continue;
    }
    if (dead > 0 || complete) continue;
    if (item.ceIds.length === 0 && !item.expectDeadLetter) filtered++;
    else lostIds.push(item.id);
  }
  const unexpectedCeIds = [...copies.keys()].filter((ceId) => !itemByCeId.has(ceId));
  const orderViolationsSeen = orderViolations(input.catalog, itemByCeId);
  return {
    result: {
      scenario: input.scenario,
      sent: input.items.length,
      neverReachedSource,
      inKafka,
      deadLettered,
      filtered,
      lost: lostIds.length,
      inBoth: inBothIds.length,
      misrouted: misroutedIds.length,
      duplicates,
      duplicateRecords,
      duplicateBound: input.duplicateBound,
      orderViolations: orderViolationsSeen.length,
      ...(input.notes === undefined ? {} : { notes: input.notes }),
    },
    lostIds,
    inBothIds,
    misroutedIds,
    orderViolationsSeen,
    unexpectedCeIds,
    items: input.items,
    deadLetters: input.deadLetters,
  };
}

function deadLetterItem(
  record: ReadRecord,
  bySourceId: ReadonlyMap<string, SentItem>,
  byBody: ReadonlyMap<string, SentItem>,
): SentItem | undefined {
  const sourceId = record.headers.get(dlqHeader.sourceMessageId);
  const bySource = sourceId === undefined ? undefined : bySourceId.get(sourceId);
  if (bySource !== undefined) return bySource;
  const body = record.value.toString("utf8");
  const direct = byBody.get(body);
  if (direct !== undefined) return direct;
  // An SNS notification around the envelope (SQS without raw delivery).
  try {
    const notification = JSON.parse(body) as { Message?: unknown };
    return typeof notification.Message === "string" ? byBody.get(notification.Message) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Per partition, in offset order, the first copy of each record: within one ordered source group
 * positions must only grow. A copy after a redelivery is a duplicate, not a violation; a record
 * written before one published earlier in its group is.
 */
function orderViolations(catalog: readonly CollectedRecord[], itemByCeId: ReadonlyMap<string, SentItem>): string[] {
  const byPartition = new Map<string, CollectedRecord[]>();
  for (const record of catalog) {
    const where = `${record.topic}/${record.partition}`;
    const list = byPartition.get(where);
    if (list === undefined) byPartition.set(where, [record]);
    else list.push(record);
  }
  const violations: string[] = [];
  for (const [where, records] of byPartition) {
    records.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    const seen = new Set<string>();
    const lastPosition = new Map<string, number>();
    for (const record of records) {
      if (seen.has(record.ceId)) continue;
      seen.add(record.ceId);
      const ordered = itemByCeId.get(record.ceId)?.ordered;
      if (ordered === undefined) continue;
      const last = lastPosition.get(ordered.group);
      // Several records of one event share its position; only an earlier position is out of order.
      if (last !== undefined && ordered.position < last) {
        violations.push(`${where}@${record.offset}: group ${ordered.group} position ${ordered.position} after ${last}`);
      } else lastPosition.set(ordered.group, ordered.position);
    }
  }
  return violations;
}
