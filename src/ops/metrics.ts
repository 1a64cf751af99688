// A small Prometheus registry: counters, gauges and histograms with bounded label sets,
// rendered in the text exposition format. No dependency, no allocation on the hot path
// beyond the first use of a label combination. Kept instead of prom-client for the numbers in
// docs/decisions/0009; test/unit/ops/metrics-exposition.test.ts reads /metrics with a real parser.

import { isTenantId } from "../envelope/tenant-id.ts";
import { BoundedLabels } from "./bounded-labels.ts";
import { SourceMetrics, type SourceMetricsOptions } from "./source-metrics.ts";

export type Labels = Readonly<Record<string, string>>;

// The exposition format's escapes: a label value escapes backslash, double quote and newline;
// HELP text escapes backslash and newline.
const needsEscape = /[\\"\n]/;
export const escapeLabelValue = (value: string): string =>
  needsEscape.test(value) ? value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`)) : value;
const escapeHelp = (help: string): string => help.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
export const header = (lines: string[], metric: { readonly name: string; readonly help: string }, type: string): void => {
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

export interface Metric {
  readonly name: string;
  readonly help: string;
  render(lines: string[]): void;
}

export class Counter implements Metric {
  readonly #values = new Map<string, { readonly labels: Labels | undefined; value: number }>();
  readonly name: string;
  readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels?: Labels, by = 1): void {
    const key = labelKey(labels);
    const series = this.#values.get(key);
    if (series === undefined) this.#values.set(key, { labels, value: by });
    else series.value += by;
  }
  get(labels?: Labels): number {
    return this.#values.get(labelKey(labels))?.value ?? 0;
  }
  /** The sum over every series whose labels include `match` (all series without it). */
  sum(match: Labels = {}): number {
    let total = 0;
    for (const { labels, value } of this.#values.values()) {
      if (Object.entries(match).every(([name, wanted]) => labels?.[name] === wanted)) total += value;
    }
    return total;
  }
  render(lines: string[]): void {
    header(lines, this, "counter");
    for (const [key, { value }] of this.#values) lines.push(`${this.name}${key ? `{${key}}` : ""} ${value}`);
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

/** One histogram series: cumulative counts per upper bound, sum and count. */
export class Buckets {
  readonly bounds: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length).fill(0);
  }
  observe(value: number): void {
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]!) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
  /** Its lines; `key` is the rendered label set without braces ("" for none). */
  render(lines: string[], name: string, key: string): void {
    const sep = key ? `${key},` : "";
    for (let i = 0; i < this.bounds.length; i++) lines.push(`${name}_bucket{${sep}le="${this.bounds[i]}"} ${this.counts[i]}`);
    lines.push(`${name}_bucket{${sep}le="+Inf"} ${this.count}`);
    lines.push(`${name}_sum${key ? `{${key}}` : ""} ${this.sum}`);
    lines.push(`${name}_count${key ? `{${key}}` : ""} ${this.count}`);
  }
}

export class Histogram implements Metric {
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Buckets>();
  constructor(name: string, help: string, bounds: readonly number[]) {
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
  }
  observe(value: number, labels?: Labels): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = new Buckets(this.#bounds);
      this.#series.set(key, series);
    }
    series.observe(value);
  }
  render(lines: string[]): void {
    header(lines, this, "histogram");
    for (const [key, series] of this.#series) series.render(lines, this.name, key);
  }
}

// Finer around 100-500 ms, where latency objectives sit: a quantile is interpolated inside its
// bucket, and (100 ms, 250 ms] alone cannot say whether a p99 is under 200 ms.
export const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10, 30];

/** The process-wide sums of a per-source counter (tests, the demo). */
export class SourceTotal {
  readonly #sources: SourceMetrics;
  readonly #field: "received" | "acked" | "nacked";
  constructor(sources: SourceMetrics, field: "received" | "acked" | "nacked") {
    this.#sources = sources;
    this.#field = field;
  }
  get(): number {
    return this.#sources.total(this.#field);
  }
}

const batchRecordBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

export interface BridgeMetricsOptions extends SourceMetricsOptions {
  /** Tenants with a label of their own in meshbridge_decrypt_failures_total. */
  readonly maxTenants: number;
}

/** Every metric meshbridge exports; README's Operations table lists each with its type. */
export class BridgeMetrics {
  /** Per source (queue, subscription): received, acked, nacked, latency, in flight, state, backlog. */
  readonly sources: SourceMetrics;
  readonly received: SourceTotal;
  readonly acked: SourceTotal;
  readonly nacked: SourceTotal;
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
  readonly decryptFailures = new Counter(
    "meshbridge_decrypt_failures_total",
    "Messages whose payload failed to decrypt, by tenant (bounded: later tenants as other, ids outside the tenant alphabet as invalid).",
  );
  readonly tenants: BoundedLabels;
  readonly kafkaBatchRecords = new Histogram(
    "meshbridge_kafka_batch_records",
    "Records in one Kafka produce request.",
    batchRecordBuckets,
  );
  readonly kafkaRequestSeconds = new Histogram(
    "meshbridge_kafka_request_seconds",
    "Duration of one Kafka produce request, to its acknowledgement or failure.",
    latencyBuckets,
  );
  readonly kafkaProducerState = new Gauge(
    "meshbridge_kafka_producer_state",
    "1 for the producer's current state (connected: its last request or probe was answered).",
  );
  readonly ready = new Gauge("meshbridge_ready", "1 while /readyz answers ready.");
  readonly inFlight = new Gauge("meshbridge_in_flight_messages", "Source messages received and not yet settled.");
  readonly inFlightBytes = new Gauge("meshbridge_in_flight_bytes", "Bytes of source messages received and not yet settled.");
  readonly #all: Metric[];

  constructor(options: Partial<BridgeMetricsOptions> = {}) {
    this.sources = new SourceMetrics(options);
    this.received = new SourceTotal(this.sources, "received");
    this.acked = new SourceTotal(this.sources, "acked");
    this.nacked = new SourceTotal(this.sources, "nacked");
    this.tenants = new BoundedLabels(options.maxTenants ?? 200, isTenantId);
    this.#all = [
      this.sources,
      this.produced,
      this.deadLettered,
      this.skipped,
      this.retries,
      this.unexpectedErrors,
      this.deadLetterRefused,
      this.decryptFailures,
      this.kafkaBatchRecords,
      this.kafkaRequestSeconds,
      this.kafkaProducerState,
      this.ready,
      this.inFlight,
      this.inFlightBytes,
    ];
  }

  register(metric: Metric): void {
    this.#all.push(metric);
  }

  render(): string {
    const lines: string[] = [];
    for (const metric of this.#all) metric.render(lines);
    return `${lines.join("\n")}\n`;
  }
}
