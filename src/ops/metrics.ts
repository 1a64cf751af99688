// A small Prometheus registry: counters, gauges and histograms with bounded label sets,
// rendered in the text exposition format. No dependency, no allocation on the hot path
// beyond the first use of a label combination. Kept instead of prom-client for the numbers in
// docs/decisions/0009; test/unit/ops/metrics-exposition.test.ts reads /metrics with a real parser.

type Labels = Readonly<Record<string, string>>;

// The exposition format's escapes: a label value escapes backslash, double quote and newline;
// HELP text escapes backslash and newline.
const needsEscape = /[\\"\n]/;
const escapeLabelValue = (value: string): string =>
  needsEscape.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`)) : value;
const escapeHelp = (help: string): string => help.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
const header = (lines: string[], metric: Metric, type: string): void => {
  lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`, `# TYPE ${metric.name} ${type}`);
};

const labelKey = (labels: Labels | undefined): string => {
  if (labels === undefined) return "";
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return keys
    .sort()
    .map((key) => `${key}="${escapeLabelValue(String(labels[key]))}"`)
    .join(",");
};

interface Metric {
  readonly name: string;
  readonly help: string;
  render(lines: string[]): void;
}

export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels?: Labels, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  render(lines: string[]): void {
    header(lines, this, "counter");
    for (const [key, value] of this.#values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
  }
}

export class Gauge implements Metric {
  /** The exposition type; a SampledCounter is read the same way but is a counter. */
  protected readonly type: "gauge" | "counter" = "gauge";
  readonly #values = new Map<string, () => number>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  /** Gauges are read at scrape time from the thing they describe. */
  track(read: () => number, labels?: Labels): void {
    this.#values.set(labelKey(labels), read);
  }
  render(lines: string[]): void {
    header(lines, this, this.type);
    for (const [key, read] of this.#values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${read()}`);
  }
}

/** A counter kept elsewhere (the kernel's CPU time), read at scrape time like a gauge. */
export class SampledCounter extends Gauge {
  protected override readonly type = "counter";
}

export class Histogram implements Metric {
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
  }
  observe(value: number, labels?: Labels): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { counts: new Array<number>(this.#bounds.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    for (let i = 0; i < this.#bounds.length; i++) if (value <= this.#bounds[i]!) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }
  render(lines: string[]): void {
    header(lines, this, "histogram");
    for (const [key, series] of this.#series) {
      const sep = key ? `${key},` : "";
      this.#bounds.forEach((bound, i) => {
        lines.push(`${this.name}_bucket{${sep}le="${bound}"} ${series.counts[i]}`);
      });
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${series.count}`);
      lines.push(`${this.name}_sum${key ? `{${key}}` : ""} ${series.sum}`);
      lines.push(`${this.name}_count${key ? `{${key}}` : ""} ${series.count}`);
    }
  }
}

// Finer around 100-500 ms, where latency objectives sit: a quantile is interpolated inside its
// bucket, and (100 ms, 250 ms] alone cannot say whether a p99 is under 200 ms.
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30];

/** Every metric meshbridge exports; README's Operations table lists each with its type. */
export class BridgeMetrics {
  readonly received = new Counter("meshbridge_source_messages_received_total", "Messages received from a source.");
  readonly acked = new Counter("meshbridge_source_messages_acked_total", "Source messages settled as done (deleted or acked).");
  readonly nacked = new Counter("meshbridge_source_messages_nacked_total", "Source messages released for redelivery.");
  readonly produced = new Counter("meshbridge_kafka_records_produced_total", "Catalog records acknowledged by Kafka.");
  readonly deadLettered = new Counter("meshbridge_dead_lettered_total", "Source messages sent to the dead-letter topic.");
  readonly skipped = new Counter("meshbridge_skipped_total", "Legacy events skipped by policy (unknown type, skip policy).");
  readonly retries = new Counter("meshbridge_transient_retries_total", "Retries after a transient failure.");
  readonly unexpectedErrors = new Counter(
    "meshbridge_unexpected_errors_total",
    "Errors of no known class in an asynchronous stage (a bug); retried, never acked.",
  );
  readonly deadLetterRefused = new Counter(
    "meshbridge_dead_letter_refused_total",
    "Source messages whose dead-letter record Kafka refused for good; released to the source's redrive policy.",
  );
  readonly latency = new Histogram(
    "meshbridge_publish_to_ack_seconds",
    "From the source's publish time to Kafka's acknowledgement.",
    latencyBuckets,
  );
  readonly inFlight = new Gauge("meshbridge_in_flight_messages", "Source messages received and not yet settled.");
  readonly inFlightBytes = new Gauge("meshbridge_in_flight_bytes", "Bytes of source messages received and not yet settled.");
  readonly #all: Metric[] = [
    this.received,
    this.acked,
    this.nacked,
    this.produced,
    this.deadLettered,
    this.skipped,
    this.retries,
    this.unexpectedErrors,
    this.deadLetterRefused,
    this.latency,
    this.inFlight,
    this.inFlightBytes,
  ];

  register(metric: Metric): void {
    this.#all.push(metric);
  }

  render(): string {
    const lines: string[] = [];
    for (const metric of this.#all) metric.render(lines);
    return `${lines.join("\n")}\n`;
  }
}
