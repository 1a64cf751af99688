// What the status page shows, computed from parsed /metrics samples (no DOM here, so the unit
// tests run it in Node). Works with per-source series (label `source`, "sqs/<queue>" or
// "pubsub/<subscription>") and with the older unlabelled ones, shown as one "all sources" row.

export const ALL_SOURCES = "all sources";

/** Per-source series: metric name -> field of a source row. */
const SOURCE_FIELDS = {
  meshbridge_source_messages_received_total: "received",
  meshbridge_source_messages_acked_total: "acked",
  meshbridge_source_messages_nacked_total: "nacked",
  meshbridge_source_in_flight_messages: "inFlight",
  meshbridge_source_oldest_in_flight_seconds: "oldestSeconds",
  meshbridge_source_lease_extensions_total: "leaseExtensions",
  meshbridge_source_redeliveries_total: "redeliveries",
  meshbridge_source_backlog_messages: "backlog",
};

const labelled = (samples, name, label) =>
  samples.filter((sample) => sample.name === name && sample.value === 1 && sample.labels[label] !== undefined);

/** One scrape, grouped: sources by name, errors by cause, producer and readiness. */
export function summarize(samples) {
  const sources = new Map();
  const row = (name) => {
    let found = sources.get(name);
    if (found === undefined) {
      found = { name, state: undefined, states: [] };
      sources.set(name, found);
    }
    return found;
  };
  const totals = {
    inFlight: undefined,
    inFlightBytes: undefined,
    produced: undefined,
    skipped: 0,
    deadLetterRefused: 0,
    sourcesOverflowed: 0,
  };
  const deadLetters = [];
  const retries = [];
  const unexpected = [];
  const decryptFailures = [];
  let producerState;
  let ready;
  for (const sample of samples) {
    const field = SOURCE_FIELDS[sample.name];
    if (field !== undefined) {
      const source = row(sample.labels.source ?? ALL_SOURCES);
      source[field] = (source[field] ?? 0) + sample.value;
      continue;
    }
    switch (sample.name) {
      case "meshbridge_source_state":
        // 1 for a source's current state; the overflow series ("other") counts sources per state.
        if (sample.value > 0 && sample.labels.state !== undefined) {
          const source = row(sample.labels.source ?? ALL_SOURCES);
          source.states.push({ state: sample.labels.state, count: sample.value });
        }
        break;
      case "meshbridge_dead_lettered_total":
        deadLetters.push({
          source: sample.labels.source ?? ALL_SOURCES,
          stage: sample.labels.stage ?? "",
          errorClass: sample.labels.error_class ?? "",
          count: sample.value,
        });
        break;
      case "meshbridge_transient_retries_total":
        retries.push({ stage: sample.labels.stage ?? "", count: sample.value });
        break;
      case "meshbridge_unexpected_errors_total":
        unexpected.push({ stage: sample.labels.stage ?? "", count: sample.value });
        break;
      case "meshbridge_decrypt_failures_total":
        decryptFailures.push({ tenant: sample.labels.tenant ?? "", count: sample.value });
        break;
      case "meshbridge_metric_sources_overflowed_total":
        totals.sourcesOverflowed = sample.value;
        break;
      case "meshbridge_in_flight_messages":
        totals.inFlight = sample.value;
        break;
      case "meshbridge_in_flight_bytes":
        totals.inFlightBytes = sample.value;
        break;
      case "meshbridge_kafka_records_produced_total":
        totals.produced = (totals.produced ?? 0) + sample.value;
        break;
      case "meshbridge_skipped_total":
        totals.skipped += sample.value;
        break;
      case "meshbridge_dead_letter_refused_total":
        totals.deadLetterRefused += sample.value;
        break;
      case "meshbridge_ready":
        ready = sample.value === 1;
        break;
    }
  }
  for (const sample of labelled(samples, "meshbridge_kafka_producer_state", "state")) producerState = sample.labels.state;
  for (const source of sources.values()) source.state = stateText(source.states);
  // Only unlabelled series: the process-wide in-flight gauge is the one row's in-flight.
  const only = sources.size === 1 ? sources.get(ALL_SOURCES) : undefined;
  if (only !== undefined && only.inFlight === undefined) only.inFlight = totals.inFlight;
  const oldest = [...sources.values()].map((source) => source.oldestSeconds).filter((value) => value !== undefined);
  return {
    sources: [...sources.values()].sort((a, b) => a.name.localeCompare(b.name)),
    deadLetters: deadLetters.sort((a, b) => b.count - a.count),
    retries,
    unexpected,
    decryptFailures: decryptFailures.sort((a, b) => b.count - a.count),
    totals: { ...totals, oldestSeconds: oldest.length === 0 ? undefined : Math.max(...oldest) },
    producerState,
    ready,
  };
}

/** "failing", or for a series of several sources "failing ×2, subscribed ×5"; undefined without a state. */
function stateText(states) {
  if (states.length === 0) return undefined;
  if (states.length === 1 && states[0].count === 1) return states[0].state;
  return states.map((entry) => `${entry.state} ×${entry.count}`).join(", ");
}

/** Whether any source of a row is failing. */
export function isFailing(row) {
  return row.states.some((entry) => entry.state === "failing");
}

/** "SQS queue", "Pub/Sub subscription" or "" from a source label value. */
export function sourceKind(name) {
  if (name.startsWith("sqs/")) return "SQS queue";
  if (name.startsWith("pubsub/")) return "Pub/Sub subscription";
  return "";
}

/**
 * The page's history: summaries of the last `windowMs`, oldest first, and per-second rates of a
 * source's counters between them. Bounded by time and by `maxEntries`.
 */
export class History {
  constructor(windowMs = 10 * 60_000, maxEntries = 400) {
    this.windowMs = windowMs;
    this.maxEntries = maxEntries;
    this.entries = [];
  }

  add(timeMs, summary) {
    // Rows by name: the chart reads every source of every entry (500 sources x 300 entries).
    const byName = new Map(summary.sources.map((source) => [source.name, source]));
    this.entries.push({ timeMs, summary, byName });
    const oldest = timeMs - this.windowMs;
    while (this.entries.length > this.maxEntries || (this.entries.length > 0 && this.entries[0].timeMs < oldest))
      this.entries.shift();
  }

  /** Every source name seen in the window, sorted (a removed source keeps its line until it ages out). */
  sourceNames() {
    const names = new Set();
    for (const entry of this.entries) for (const source of entry.summary.sources) names.add(source.name);
    return [...names].sort();
  }

  /** [{ timeMs, perSecond }] of `field` for `source` between consecutive entries (counter resets count from 0). */
  rates(source, field) {
    const points = [];
    for (let i = 1; i < this.entries.length; i++) {
      const before = fieldOf(this.entries[i - 1], source, field);
      const after = fieldOf(this.entries[i], source, field);
      const seconds = (this.entries[i].timeMs - this.entries[i - 1].timeMs) / 1000;
      if (after === undefined || seconds <= 0) continue;
      const delta = before === undefined || after < before ? after : after - before;
      points.push({ timeMs: this.entries[i].timeMs, perSecond: delta / seconds });
    }
    return points;
  }

  /** The rate of `field` for `source` over the last `spanMs` (undefined until two entries exist). */
  recentRate(source, field, spanMs = 10_000) {
    const last = this.entries.at(-1);
    if (last === undefined) return undefined;
    const first = this.entries.find((entry) => entry.timeMs >= last.timeMs - spanMs && entry !== last);
    if (first === undefined) return undefined;
    const before = fieldOf(first, source, field);
    const after = fieldOf(last, source, field);
    if (after === undefined) return undefined;
    const delta = before === undefined || after < before ? after : after - before;
    return delta / ((last.timeMs - first.timeMs) / 1000);
  }
}

function fieldOf(entry, source, field) {
  return entry.byName.get(source)?.[field];
}

/**
 * The chart's lines: the `max` busiest sources over the window (by `field`), each alone, and the
 * rest summed into one line, so hundreds of subscriptions stay readable. Sorted by name.
 */
export function chartLines(history, field, max = 8) {
  const all = history.sourceNames().map((name) => {
    const points = history.rates(name, field);
    return { name, points, total: points.reduce((sum, point) => sum + point.perSecond, 0) };
  });
  if (all.length <= max) return all.map(({ name, points }) => ({ name, points }));
  const busiest = [...all].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  const shown = busiest.slice(0, max - 1);
  const rest = busiest.slice(max - 1);
  const summed = new Map();
  for (const line of rest)
    for (const point of line.points) summed.set(point.timeMs, (summed.get(point.timeMs) ?? 0) + point.perSecond);
  const others = {
    name: `${rest.length} other sources`,
    points: [...summed].sort((a, b) => a[0] - b[0]).map(([timeMs, perSecond]) => ({ timeMs, perSecond })),
  };
  return [...shown.sort((a, b) => a.name.localeCompare(b.name)).map(({ name, points }) => ({ name, points })), others];
}
