// `meshbridge dlq inspect`: a summary of the dead-letter topic, grouped by stage, error class,
// tenant, legacy event type and source, with samples. A sample shows ids, headers, the error
// message and sizes; never the value, which is the source body (tenant ciphertext or publisher
// junk). Nothing is decrypted and nothing is committed. The JSON shape is docs/operations: see
// README "Dead letters"; `version` changes only with an incompatible change.
import type { ReadRecord } from "../../ops/kafka-reader.ts";
import { jsonLineEscape } from "../../ops/log-escape.ts";
import { dlqHeader } from "../../pipeline/records.ts";
import { DeadLetterReader, type DlqConnection, type DlqFilter, failedAtMs, matchesFilter } from "./dlq.ts";

/** What a group is keyed by; "-" where a dead letter has no such header (or an empty one). */
export interface DeadLetterGroupKey {
  readonly stage: string;
  readonly errorClass: string;
  readonly tenant: string;
  readonly eventType: string;
  readonly source: string;
}

export interface DeadLetterSample {
  readonly partition: number;
  readonly offset: string;
  /** The Kafka key: the source message id. */
  readonly key: string;
  readonly failedAt: string;
  /** Every header of the record (context and the source's attributes as mb_attr_*). */
  readonly headers: Readonly<Record<string, string>>;
  readonly errorMessage: string;
  /** The value's size; the value itself is never shown. */
  readonly bodyBytes: number;
  readonly headerBytes: number;
}

export interface DeadLetterGroup extends DeadLetterGroupKey {
  readonly count: number;
  readonly bodyBytes: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
  readonly samples: readonly DeadLetterSample[];
}

export interface DeadLetterSummary {
  readonly version: 1;
  readonly topic: string;
  /** Records read (the whole topic, or what the time filter let through). */
  readonly read: number;
  /** Of those, the dead letters that matched the filters. */
  readonly matched: number;
  readonly by: {
    readonly stage: Readonly<Record<string, number>>;
    readonly errorClass: Readonly<Record<string, number>>;
    readonly tenant: Readonly<Record<string, number>>;
    readonly eventType: Readonly<Record<string, number>>;
    readonly source: Readonly<Record<string, number>>;
  };
  /** Largest first. */
  readonly groups: readonly DeadLetterGroup[];
}

const NONE = "-";
const header = (record: ReadRecord, name: string): string => {
  const value = record.headers.get(name);
  return value === undefined || value === "" ? NONE : value;
};

interface MutableGroup {
  key: DeadLetterGroupKey;
  count: number;
  bodyBytes: number;
  firstMs: number;
  lastMs: number;
  samples: DeadLetterSample[];
}

function sampleOf(record: ReadRecord): DeadLetterSample {
  const headers: Record<string, string> = Object.create(null);
  let headerBytes = 0;
  for (const [name, value] of record.headers) {
    headers[name] = value;
    headerBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return {
    partition: record.partition,
    offset: String(record.offset),
    key: record.key,
    failedAt: new Date(failedAtMs(record)).toISOString(),
    headers,
    errorMessage: record.headers.get(dlqHeader.errorMessage) ?? "",
    bodyBytes: record.value?.length ?? 0,
    headerBytes,
  };
}

/** Folds dead letters into the summary (kept separate from Kafka for the unit tests). */
export class DeadLetterTally {
  readonly #topic: string;
  readonly #samplesPerGroup: number;
  readonly #groups = new Map<string, MutableGroup>();
  readonly #by = { stage: {}, errorClass: {}, tenant: {}, eventType: {}, source: {} } as Record<
    keyof DeadLetterGroupKey,
    Record<string, number>
  >;
  #read = 0;
  #matched = 0;

  constructor(topic: string, samplesPerGroup: number) {
    this.#topic = topic;
    this.#samplesPerGroup = samplesPerGroup;
  }

  add(record: ReadRecord, matched: boolean): void {
    this.#read++;
    if (!matched) return;
    this.#matched++;
    const key: DeadLetterGroupKey = {
      stage: header(record, dlqHeader.stage),
      errorClass: header(record, dlqHeader.errorClass),
      tenant: header(record, dlqHeader.tenant),
      eventType: header(record, dlqHeader.eventType),
      source: header(record, dlqHeader.source),
    };
    for (const dimension of Object.keys(key) as (keyof DeadLetterGroupKey)[]) {
      const counts = this.#by[dimension];
      counts[key[dimension]] = (counts[key[dimension]] ?? 0) + 1;
    }
    const id = JSON.stringify([key.stage, key.errorClass, key.tenant, key.eventType, key.source]);
    const at = failedAtMs(record);
    let group = this.#groups.get(id);
    if (group === undefined) {
      group = { key, count: 0, bodyBytes: 0, firstMs: at, lastMs: at, samples: [] };
      this.#groups.set(id, group);
    }
    group.count++;
    group.bodyBytes += record.value?.length ?? 0;
    group.firstMs = Math.min(group.firstMs, at);
    group.lastMs = Math.max(group.lastMs, at);
    if (group.samples.length < this.#samplesPerGroup) group.samples.push(sampleOf(record));
  }

  summary(): DeadLetterSummary {
    const sorted = (counts: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
    const groups = [...this.#groups.values()]
      .sort((a, b) => b.count - a.count || JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)))
      .map((group) => ({
        ...group.key,
        count: group.count,
        bodyBytes: group.bodyBytes,
        firstFailedAt: new Date(group.firstMs).toISOString(),
        lastFailedAt: new Date(group.lastMs).toISOString(),
        samples: group.samples,
      }));
    return {
      version: 1,
      topic: this.#topic,
      read: this.#read,
      matched: this.#matched,
      by: {
        stage: sorted(this.#by.stage),
        errorClass: sorted(this.#by.errorClass),
        tenant: sorted(this.#by.tenant),
        eventType: sorted(this.#by.eventType),
        source: sorted(this.#by.source),
      },
      groups,
    };
  }
}

/** Reads the whole topic (never committing) and summarises the dead letters the filter selects. */
export async function inspectDeadLetters(
  connection: DlqConnection,
  filter: DlqFilter,
  samplesPerGroup: number,
): Promise<DeadLetterSummary> {
  const tally = new DeadLetterTally(connection.topic, samplesPerGroup);
  const reader = await DeadLetterReader.open(connection, undefined);
  try {
    for await (const { record } of reader.records()) tally.add(record, matchesFilter(record, filter));
  } finally {
    await reader.close();
  }
  return tally.summary();
}

/** One line of untrusted text: JSON string escapes, C1 controls and line separators included. */
const printable = (value: string): string => jsonLineEscape(JSON.stringify(value).slice(1, -1));

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join("  ")
      .trimEnd(),
  );
}

/** The human rendering: groups as a table, the counts by each dimension, then the samples. */
export function renderSummary(summary: DeadLetterSummary): string {
  const lines = [`${summary.matched} dead letters in ${summary.topic} (${summary.read} records read)`];
  if (summary.groups.length === 0) return lines.join("\n");
  lines.push("");
  lines.push(
    ...table([
      ["count", "stage", "error class", "tenant", "event type", "source"],
      ...summary.groups.map((g) =>
        [String(g.count), g.stage, g.errorClass, g.tenant, g.eventType, g.source].map((cell, i) =>
          i === 0 ? cell : printable(cell),
        ),
      ),
    ]),
  );
  lines.push("");
  const dimensions = [
    ["stage", summary.by.stage],
    ["error class", summary.by.errorClass],
    ["tenant", summary.by.tenant],
    ["event type", summary.by.eventType],
    ["source", summary.by.source],
  ] as const;
  for (const [name, counts] of dimensions) {
    lines.push(
      `by ${name}: ${Object.entries(counts)
        .map(([value, count]) => `${printable(value)} ${count}`)
        .join(", ")}`,
    );
  }
  const samples = summary.groups.flatMap((group) => group.samples);
  if (samples.length > 0) lines.push("", "samples (values are never shown):");
  for (const sample of samples) {
    const h = sample.headers;
    lines.push(
      `  ${summary.topic}/${sample.partition}@${sample.offset} id=${printable(sample.key)} ${printable(h[dlqHeader.stage] ?? NONE)}/${printable(h[dlqHeader.errorClass] ?? NONE)} failed=${sample.failedAt} receives=${printable(h[dlqHeader.receiveCount] ?? NONE)} replays=${printable(h[dlqHeader.replayCount] ?? "0")} body=${sample.bodyBytes} B headers=${sample.headerBytes} B`,
    );
    lines.push(`    error: ${printable(sample.errorMessage)}`);
    const attributes = Object.entries(h).filter(([name]) => name.startsWith(dlqHeader.attributePrefix));
    if (attributes.length > 0) {
      lines.push(
        `    attributes: ${attributes.map(([name, value]) => `${printable(name.slice(dlqHeader.attributePrefix.length))}=${printable(value)}`).join(" ")}`,
      );
    }
  }
  return lines.join("\n");
}

/** The --json rendering: one line, control characters escaped. */
export function summaryJson(summary: DeadLetterSummary): string {
  return jsonLineEscape(JSON.stringify(summary));
}
