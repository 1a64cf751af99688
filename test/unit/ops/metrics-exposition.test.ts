// /metrics as Prometheus reads it: the ops server with a populated BridgeMetrics, parsed by a real
// text-format parser, against the table in README's Operations section (the one list of metrics).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import parsePrometheusTextFormat, { type MetricFamily } from "parse-prometheus-text-format";
import { startOpsServer } from "../../../src/ops/http.ts";
import { BridgeMetrics, Counter, Gauge, Histogram } from "../../../src/ops/metrics.ts";
import { trackProcessMetrics } from "../../../src/ops/process-metrics.ts";

interface Documented {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
}

/** Rows of the README table: | `name` | type | `label`, `label` | what |. */
function documentedMetrics(): Documented[] {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  // The metrics table is the Probes and metrics item, which ends where the Logs item begins.
  const start = readme.indexOf("## Operations");
  const operations = readme.slice(start, readme.indexOf("- **Logs**", start));
  const rows: Documented[] = [];
  for (const match of operations.matchAll(/^\s*\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*(\w+)\s*\|([^|]*)\|/gm)) {
    const labels = [...match[3]!.matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*)`/g)].map((label) => label[1]!);
    rows.push({ name: match[1]!, type: match[2]!, labels });
  }
  return rows;
}

/** Touches every series the way the bridge does, with labels as documented. */
function populatedMetrics(documented: readonly Documented[]): { metrics: BridgeMetrics; stop: () => void } {
  const metrics = new BridgeMetrics();
  const labelsOf = (name: string): Record<string, string> | undefined => {
    const row = documented.find((entry) => entry.name === name);
    if (row === undefined || row.labels.length === 0) return undefined;
    return Object.fromEntries(row.labels.map((label) => [label, `${label}-value`]));
  };
  for (const metric of Object.values(metrics)) {
    if (metric instanceof Counter) metric.inc(labelsOf(metric.name), 3);
    else if (metric instanceof Histogram) for (const seconds of [0.004, 0.12, 0.12, 7, 60]) metric.observe(seconds);
    else if (metric instanceof Gauge) metric.track(() => 5, labelsOf(metric.name));
  }
  // The per-source series, through a source's handle as the pipeline and the sources use it.
  const meter = metrics.sources.forSource("sqs:orders");
  const series = meter.series;
  series.received += 3;
  series.acked += 3;
  series.nacked += 3;
  series.leaseExtensions += 3;
  series.redeliveries += 3;
  for (const seconds of [0.004, 0.12, 0.12, 7, 60]) series.latency.observe(seconds);
  meter.backlog = 5;
  meter.subscribed();
  const stopCollecting = metrics.sources.collectInFlight((visit) => visit(meter, Date.now() - 5000));
  // A label value with every character the format escapes must come back as it went in.
  metrics.deadLettered.inc({ source: "sqs/orders", stage: "map", error_class: 'Odd"Class\\with\nnewline' });
  const stopProcess = trackProcessMetrics(metrics);
  return {
    metrics,
    stop: () => {
      stopProcess();
      stopCollecting();
    },
  };
}

interface HistogramSample {
  readonly labels: Record<string, string>;
  readonly buckets: Record<string, string>;
  count?: string;
  sum?: string;
}

/**
 * The series of a labelled histogram, read from the text: the parser merges every series of a
 * histogram into one sample and drops their labels, sum and count (it only knows unlabelled ones).
 * Label values here need no unescaping (the test's are plain).
 */
function histogramSeries(text: string, name: string): HistogramSample[] {
  const series = new Map<string, HistogramSample>();
  const line = new RegExp(`^${name}_(bucket|sum|count)\\{([^}]*)\\} (\\S+)$`, "gm");
  for (const [, kind, labelText, value] of text.matchAll(line)) {
    const labels = Object.fromEntries([...labelText!.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]));
    const le = labels.le;
    delete labels.le;
    const key = JSON.stringify(labels);
    let sample = series.get(key);
    if (sample === undefined) {
      sample = { labels, buckets: {} };
      series.set(key, sample);
    }
    if (kind === "bucket") sample.buckets[le!] = value!;
    else if (kind === "sum") sample.sum = value;
    else sample.count = value;
  }
  return [...series.values()];
}

async function scrape(metrics: BridgeMetrics): Promise<{ contentType: string | null; families: MetricFamily[]; text: string }> {
  const server = await startOpsServer(0, "127.0.0.1", metrics, { ready: () => true, reason: "" });
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    return { contentType: response.headers.get("content-type"), families: parsePrometheusTextFormat(text), text };
  } finally {
    server.close();
  }
}

const numeric = (value: string | undefined, where: string): number => {
  assert.ok(value !== undefined && /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN)$/.test(value), `${where}: ${value}`);
  if (value === "+Inf" || value === "-Inf") return value === "+Inf" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return Number(value);
};

test("README documents the metrics table the exposition test reads", () => {
  const documented = documentedMetrics();
  assert.ok(documented.length >= 16, `only ${documented.length} rows found in README's Operations table`);
  for (const row of documented) assert.match(row.type, /^(counter|gauge|histogram|summary)$/, `${row.name}: type`);
  assert.equal(new Set(documented.map((row) => row.name)).size, documented.length, "a metric listed twice");
});

test("/metrics parses with a Prometheus text-format parser and matches README's table", async () => {
  const documented = documentedMetrics();
  const { metrics, stop } = populatedMetrics(documented);
  try {
    const { contentType, families, text } = await scrape(metrics);
    assert.match(contentType ?? "", /^text\/plain; version=0\.0\.4/);
    const byName = new Map(families.map((family) => [family.name, family]));
    assert.equal(byName.size, families.length, "a metric family rendered twice");

    for (const row of documented) {
      const family = byName.get(row.name);
      assert.ok(family !== undefined, `${row.name} is documented but not on /metrics`);
      assert.equal(family.type, row.type.toUpperCase(), `${row.name}: type`);
      assert.ok(family.help.length > 0, `${row.name}: HELP`);
      const samples: readonly (MetricFamily["metrics"][number] | HistogramSample)[] =
        row.type === "histogram" && row.labels.length > 0 ? histogramSeries(text, row.name) : family.metrics;
      assert.ok(samples.length > 0, `${row.name}: no samples`);
      for (const sample of samples) {
        assert.deepEqual(Object.keys(sample.labels ?? {}).sort(), [...row.labels].sort(), `${row.name}: label names`);
        if (row.type === "histogram") {
          const buckets = Object.entries(sample.buckets ?? {});
          assert.ok(buckets.length > 1, `${row.name}: buckets`);
          // An object keyed by `le`: integer-like keys ("1", "30") enumerate first, so sort.
          const counts = buckets
            .map(([le, count]) => [numeric(le, `${row.name} le`), numeric(count, row.name)] as const)
            .sort((a, b) => a[0] - b[0]);
          for (let i = 1; i < counts.length; i++) {
            assert.ok(counts[i]![1] >= counts[i - 1]![1], `${row.name}: buckets are cumulative`);
          }
          assert.equal(counts.at(-1)![0], Number.POSITIVE_INFINITY, `${row.name}: +Inf bucket`);
          assert.equal(counts.at(-1)![1], numeric(sample.count, `${row.name}_count`), `${row.name}: +Inf equals count`);
          numeric(sample.sum, `${row.name}_sum`);
        } else {
          numeric("value" in sample ? sample.value : undefined, row.name);
        }
      }
    }
    for (const family of families)
      assert.ok(
        documented.some((row) => row.name === family.name),
        `${family.name} is on /metrics but not in README's table`,
      );

    const values = (name: string) => byName.get(name)!.metrics;
    assert.equal(values("meshbridge_source_messages_acked_total")[0]!.value, "3");
    assert.equal(values("meshbridge_in_flight_messages")[0]!.value, "5");
    const latency = histogramSeries(text, "meshbridge_publish_to_ack_seconds")[0]!;
    assert.deepEqual(latency.labels, { source: "sqs/orders" });
    assert.equal(latency.count, "5");
    assert.equal(latency.buckets?.["0.005"], "1");
    assert.equal(latency.buckets?.["0.15"], "3");
    assert.equal(latency.buckets?.["30"], "4", "60 s is above the last bound");
    const odd = values("meshbridge_dead_lettered_total").find((sample) => sample.labels?.stage === "map");
    assert.equal(odd?.labels?.error_class, 'Odd"Class\\with\nnewline', "label value escaping round-trips");
    assert.equal(odd?.value, "1");
    assert.equal(values("meshbridge_source_in_flight_messages")[0]!.labels?.source, "sqs/orders");
    assert.equal(values("meshbridge_source_in_flight_messages")[0]!.value, "1");
    assert.ok(
      Number(values("meshbridge_source_oldest_in_flight_seconds")[0]!.value) >= 5,
      "oldest in flight, from its receive time",
    );
    assert.deepEqual(values("meshbridge_source_state")[0]!.labels, { source: "sqs/orders", state: "subscribed" });
  } finally {
    stop();
  }
});

test("HELP text with a backslash or newline stays one line", async () => {
  const metrics = new BridgeMetrics();
  const odd = new Counter("odd_total", "first line\nsecond \\ line");
  odd.inc();
  metrics.register(odd);
  const { families } = await scrape(metrics);
  assert.equal(families.find((family) => family.name === "odd_total")?.help, "first line\nsecond \\ line");
});
