// Metrics per source (an SQS queue, a Pub/Sub subscription) behind a cardinality guard, and each
// source's state. The hot path touches a SourceMeter resolved once per source: plain number
// fields, no label lookup, no allocation. In flight and oldest in flight are read from the
// sources' leases at scrape time, so receiving and settling pay nothing for them.
// Names and semantics: docs/decisions/0022-source-metrics.md.
import { Buckets, escapeLabelValue, header, latencyBuckets, type Metric } from "./metrics.ts";

export const sourceStates = ["starting", "subscribed", "failing", "removed"] as const;
export type SourceState = (typeof sourceStates)[number];

/** The label every source beyond the guard shares. */
export const OTHER_SOURCE = "other";

/** The `source` label of a SourceMessage.source: "sqs:q" → "sqs/q", "pubsub:s" → "pubsub/s". */
export const sourceLabel = (source: string): string => {
  const at = source.indexOf(":");
  return at < 0 ? source : `${source.slice(0, at)}/${source.slice(at + 1)}`;
};

/** The exported series of one label: one source's, or every overflowed source's ("other"). */
export class SourceSeries {
  readonly label: string;
  /** `source="…"`, escaped, rendered once. */
  readonly key: string;
  received = 0;
  acked = 0;
  nacked = 0;
  leaseExtensions = 0;
  redeliveries = 0;
  readonly latency = new Buckets(latencyBuckets);
  /** Filled at scrape time from the leases. */
  inFlight = 0;
  oldestReceivedAtMs = Number.POSITIVE_INFINITY;
  constructor(label: string) {
    this.label = label;
    this.key = `source="${escapeLabelValue(label)}"`;
  }
}

/** One source's handle: counts into its series; its own state and backlog. */
export class SourceMeter {
  /** "sqs/q" or "pubsub/s" (the label it would have without the guard). */
  readonly id: string;
  readonly series: SourceSeries;
  state: SourceState = "starting";
  /** Why it is failing: an error class (never a message, which may carry a URL or token). */
  failure: string | undefined = undefined;
  /** Messages waiting at the source, when known (see the README metrics table). */
  backlog: number | undefined = undefined;
  readonly #changed: StateListener;
  constructor(id: string, series: SourceSeries, changed: StateListener) {
    this.id = id;
    this.series = series;
    this.#changed = changed;
  }

  /** Source events: the first good receive (or one after failures), a failure, a removal. */
  subscribed(): void {
    if (this.state !== "subscribed") this.#set("subscribed", undefined);
  }
  failing(errorClass: string): void {
    if (this.state !== "failing") this.#set("failing", errorClass);
    else this.failure = errorClass;
  }
  removed(): void {
    this.backlog = undefined;
    if (this.state !== "removed") this.#set("removed", undefined);
  }
  /** Back in use after a removal (discovery found it again). */
  restarted(): void {
    if (this.state === "removed") this.#set("starting", undefined);
  }

  #set(state: SourceState, failure: string | undefined): void {
    const from = this.state;
    this.state = state;
    this.failure = failure;
    this.#changed(this, from);
  }
}

export type StateListener = (meter: SourceMeter, from: SourceState) => void;

/** What a source hands the scrape: each message it holds, with its meter and receive time. */
export type InFlightCollector = (visit: (meter: SourceMeter, receivedAtMs: number) => void) => void;

export interface SourceMetricsOptions {
  /** Sources with a label of their own; later ones share "other". */
  readonly maxSources: number;
  /** How often a source asks for its backlog (SQS GetQueueAttributes), off the hot path. */
  readonly backlogIntervalMs: number;
}

const defaults: SourceMetricsOptions = { maxSources: 1000, backlogIntervalMs: 30_000 };

export class SourceMetrics implements Metric {
  readonly name = "meshbridge_source";
  readonly help = "per-source metrics";
  readonly options: SourceMetricsOptions;
  /** Sources that got the "other" label (each counted once). */
  overflowed = 0;
  readonly #meters = new Map<string, SourceMeter>();
  readonly #series = new Map<string, SourceSeries>();
  /** Series with a label of their own (not "other"). */
  #owned = 0;
  readonly #collectors = new Set<InFlightCollector>();
  readonly #listeners: StateListener[] = [];
  readonly #onChange: StateListener = (meter, from) => {
    for (const listener of this.#listeners) listener(meter, from);
  };

  constructor(options: Partial<SourceMetricsOptions> = {}) {
    this.options = { ...defaults, ...options };
  }

  /** The handle of a source, by SourceMessage.source ("sqs:q"); made on first use. */
  forSource(source: string): SourceMeter {
    let meter = this.#meters.get(source);
    if (meter === undefined) {
      const id = sourceLabel(source);
      meter = new SourceMeter(id, this.#seriesFor(id), this.#onChange);
      this.#meters.set(source, meter);
    }
    return meter;
  }

  /** Every source seen, in the order they appeared. */
  meters(): IterableIterator<SourceMeter> {
    return this.#meters.values();
  }

  onStateChange(listener: StateListener): void {
    this.#listeners.push(listener);
  }

  /** A source's leases, read at scrape time; the returned function stops reading them. */
  collectInFlight(collector: InFlightCollector): () => void {
    this.#collectors.add(collector);
    return () => this.#collectors.delete(collector);
  }

  /** Sums over every source (what the unlabelled totals used to be). */
  total(field: "received" | "acked" | "nacked" | "leaseExtensions" | "redeliveries"): number {
    let sum = 0;
    for (const series of this.#series.values()) sum += series[field];
    return sum;
  }

  #seriesFor(id: string): SourceSeries {
    let series = this.#series.get(id);
    if (series !== undefined) return series;
    if (this.#owned >= this.options.maxSources) {
      this.overflowed++;
      series = this.#series.get(OTHER_SOURCE);
      if (series === undefined) {
        series = new SourceSeries(OTHER_SOURCE);
        this.#series.set(OTHER_SOURCE, series);
      }
      return series;
    }
    this.#owned++;
    series = new SourceSeries(id);
    this.#series.set(id, series);
    return series;
  }

  #scanInFlight(): void {
    for (const series of this.#series.values()) {
      series.inFlight = 0;
      series.oldestReceivedAtMs = Number.POSITIVE_INFINITY;
    }
    const visit = (meter: SourceMeter, receivedAtMs: number): void => {
      const series = meter.series;
      series.inFlight++;
      if (receivedAtMs < series.oldestReceivedAtMs) series.oldestReceivedAtMs = receivedAtMs;
    };
    for (const collect of this.#collectors) collect(visit);
  }

  render(lines: string[]): void {
    this.#scanInFlight();
    const now = Date.now();
    const all = [...this.#series.values()];
    const counter = (name: string, help: string, read: (series: SourceSeries) => number): void => {
      header(lines, { name, help }, "counter");
      for (const series of all) lines.push(`${name}{${series.key}} ${read(series)}`);
    };
    counter("meshbridge_source_messages_received_total", "Messages received from a source.", (s) => s.received);
    counter("meshbridge_source_messages_acked_total", "Source messages settled as done (deleted or acked).", (s) => s.acked);
    counter("meshbridge_source_messages_nacked_total", "Source messages released for redelivery.", (s) => s.nacked);
    counter(
      "meshbridge_source_lease_extensions_total",
      "Visibility (SQS) or ack-deadline (Pub/Sub) extensions of messages in flight.",
      (s) => s.leaseExtensions,
    );
    counter(
      "meshbridge_source_redeliveries_total",
      "Messages received again (receive count or delivery attempt above 1).",
      (s) => s.redeliveries,
    );
    header(
      lines,
      { name: "meshbridge_publish_to_ack_seconds", help: "From the source's publish time to Kafka's acknowledgement." },
      "histogram",
    );
    for (const series of all) series.latency.render(lines, "meshbridge_publish_to_ack_seconds", series.key);

    const gauge = (name: string, help: string, read: (series: SourceSeries) => number): void => {
      header(lines, { name, help }, "gauge");
      for (const series of all) lines.push(`${name}{${series.key}} ${read(series)}`);
    };
    gauge(
      "meshbridge_source_in_flight_messages",
      "Messages received from the source and not yet settled with it.",
      (s) => s.inFlight,
    );
    gauge("meshbridge_source_oldest_in_flight_seconds", "Age of the oldest message in flight (0 with none).", (s) =>
      s.inFlight === 0 ? 0 : Math.max(0, (now - s.oldestReceivedAtMs) / 1000),
    );

    // Backlog and state per source, summed into their series (only "other" holds several).
    const backlog = new Map<SourceSeries, number>();
    const states = new Map<SourceSeries, Map<SourceState, number>>();
    for (const meter of this.#meters.values()) {
      if (meter.backlog !== undefined) backlog.set(meter.series, (backlog.get(meter.series) ?? 0) + meter.backlog);
      let counts = states.get(meter.series);
      if (counts === undefined) {
        counts = new Map();
        states.set(meter.series, counts);
      }
      counts.set(meter.state, (counts.get(meter.state) ?? 0) + 1);
    }
    header(
      lines,
      {
        name: "meshbridge_source_backlog_messages",
        help: "Messages waiting at the source: SQS visible + not visible; Pub/Sub a lower bound (README).",
      },
      "gauge",
    );
    for (const [series, value] of backlog) lines.push(`meshbridge_source_backlog_messages{${series.key}} ${value}`);
    header(
      lines,
      {
        name: "meshbridge_source_state",
        help: '1 for a source\'s current state (absent: 0); for source="other", how many are in it.',
      },
      "gauge",
    );
    for (const [series, counts] of states) {
      for (const [state, count] of counts) lines.push(`meshbridge_source_state{${series.key},state="${state}"} ${count}`);
    }
    header(
      lines,
      {
        name: "meshbridge_metric_sources_overflowed_total",
        help: 'Sources beyond ops.metrics.maxSources, counted under source="other".',
      },
      "counter",
    );
    lines.push(`meshbridge_metric_sources_overflowed_total ${this.overflowed}`);
  }
}
