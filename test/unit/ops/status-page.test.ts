// The status page's pieces that run without a browser: its Prometheus text parser (against what
// BridgeMetrics writes, hostile label values included), the summary it renders from per-source
// and from unlabelled series, its rate history, and the routes: headers, files and /config.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { parseConfig, REDACTED, redactConfig } from "../../../src/cli/config.ts";
import { startOpsServer } from "../../../src/ops/http.ts";
import { BridgeMetrics, Counter, Gauge } from "../../../src/ops/metrics.ts";
import { parsePrometheusText } from "../../../src/ops/status/prometheus-text.js";
import { STATUS_PAGE_CSP } from "../../../src/ops/status/routes.ts";
import { ALL_SOURCES, chartLines, History, isFailing, summarize } from "../../../src/ops/status/status-model.js";

const HOSTILE = 'sqs/<img src=x onerror="alert(1)">\\ "quoted"\nline</td>';

describe("parsePrometheusText", () => {
  it("reads what BridgeMetrics writes, label escapes included, as the reference parser does", () => {
    const metrics = new BridgeMetrics();
    metrics.produced.inc(undefined, 7);
    metrics.deadLettered.inc({ stage: "map", error_class: HOSTILE }, 2);
    const perSource = new Counter("meshbridge_source_messages_received_total", "per source");
    perSource.inc({ source: HOSTILE }, 3);
    metrics.register(perSource);
    for (const [name, value] of [
      ["__proto__", 1],
      ["constructor", 2],
    ] as const) {
      const gauge = new Gauge(`odd_${value}`, "a label named like an Object property");
      gauge.track(() => value, { [name]: "x" });
      metrics.register(gauge);
    }
    metrics.kafkaRequestSeconds.observe(0.2);
    const text = metrics.render();
    const { samples, errors } = parsePrometheusText(text);
    assert.equal(errors, 0);
    const dead = samples.find((sample) => sample.name === "meshbridge_dead_lettered_total");
    assert.equal(dead?.labels.error_class, HOSTILE);
    assert.equal(dead?.value, 2);
    assert.equal(
      samples.find((sample) => sample.name === "meshbridge_source_messages_received_total" && sample.labels.source === HOSTILE)
        ?.value,
      3,
    );
    const odd = samples.find((sample) => sample.name === "odd_1")?.labels ?? {};
    assert.deepEqual(Object.entries(odd), [["__proto__", "x"]]);
    assert.equal(Object.getPrototypeOf(samples.find((sample) => sample.name === "odd_1")?.labels), null);
    assert.equal(
      samples.find((sample) => sample.name === "meshbridge_kafka_request_seconds_bucket" && sample.labels.le === "+Inf")?.value,
      1,
    );
    // Every sample the reference parser finds, with the same value.
    let reference = 0;
    // (Not the odd_ gauges: the reference parser loses a label named __proto__.)
    for (const family of parsePrometheusTextFormat(text).filter((family) => !family.name.startsWith("odd_"))) {
      for (const metric of family.metrics) {
        if (!("value" in metric)) continue;
        reference++;
        const labels = metric.labels ?? {};
        const mine = samples.find(
          (sample) =>
            sample.name === family.name &&
            Object.keys(labels).length === Object.keys(sample.labels).length &&
            Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
        );
        assert.equal(mine?.value, Number(metric.value), `${family.name} ${JSON.stringify(labels)}`);
      }
    }
    assert.ok(reference >= 3, `only ${reference} samples compared`);
  });

  it("counts lines that are not samples instead of guessing", () => {
    const { samples, errors } = parsePrometheusText('ok 1\nbad{x="unterminated} 1\n{nolabel} 2\nno_value\nnan NaN\n');
    assert.deepEqual(
      samples.map((sample) => sample.name),
      ["ok", "nan"],
    );
    assert.equal(errors, 3);
  });
});

describe("summarize", () => {
  it("one row per source label, with its state, dead letters by source and cause, the producer", () => {
    const { samples } = parsePrometheusText(
      [
        'meshbridge_source_messages_received_total{source="sqs/orders"} 10',
        'meshbridge_source_messages_received_total{source="pubsub/billing"} 4',
        'meshbridge_source_messages_acked_total{source="sqs/orders"} 9',
        'meshbridge_source_in_flight_messages{source="sqs/orders"} 1',
        'meshbridge_source_oldest_in_flight_seconds{source="sqs/orders"} 2.5',
        'meshbridge_source_oldest_in_flight_seconds{source="pubsub/billing"} 7',
        'meshbridge_source_state{source="sqs/orders",state="subscribed"} 1',
        'meshbridge_source_state{source="pubsub/billing",state="failing"} 1',
        'meshbridge_source_state{source="other",state="failing"} 2',
        'meshbridge_source_state{source="other",state="subscribed"} 5',
        'meshbridge_dead_lettered_total{source="sqs/orders",stage="key",error_class="UnknownTenant"} 3',
        'meshbridge_kafka_producer_state{state="connected"} 0',
        'meshbridge_kafka_producer_state{state="unreachable"} 1',
        'meshbridge_decrypt_failures_total{tenant="tenant-0001"} 2',
        "meshbridge_metric_sources_overflowed_total 7",
        "meshbridge_ready 0",
        "meshbridge_in_flight_messages 1",
      ].join("\n"),
    );
    const summary = summarize(samples);
    assert.deepEqual(
      summary.sources.map((row) => [row.name, row.state, row.received]),
      [
        ["other", "failing ×2, subscribed ×5", undefined],
        ["pubsub/billing", "failing", 4],
        ["sqs/orders", "subscribed", 10],
      ],
    );
    assert.deepEqual(
      summary.sources.map((row) => isFailing(row)),
      [true, true, false],
    );
    assert.deepEqual(summary.deadLetters, [{ source: "sqs/orders", stage: "key", errorClass: "UnknownTenant", count: 3 }]);
    assert.deepEqual(summary.decryptFailures, [{ tenant: "tenant-0001", count: 2 }]);
    assert.equal(summary.totals.sourcesOverflowed, 7);
    assert.equal(summary.producerState, "unreachable");
    assert.equal(summary.ready, false);
    assert.equal(summary.totals.oldestSeconds, 7);
  });

  it("today's unlabelled series: one 'all sources' row, in flight from the budget gauge", () => {
    // What /metrics said before the per-source series (main at 954ef45).
    const before = [
      "meshbridge_source_messages_received_total 5",
      "meshbridge_source_messages_acked_total 4",
      'meshbridge_dead_lettered_total{error_class="AuthenticationFailed",stage="decrypt"} 1',
      "meshbridge_in_flight_messages 1",
    ].join("\n");
    const summary = summarize(parsePrometheusText(before).samples);
    assert.deepEqual(
      summary.sources.map((row) => [row.name, row.received, row.acked, row.inFlight, row.state]),
      [[ALL_SOURCES, 5, 4, 1, undefined]],
    );
    assert.deepEqual(summary.deadLetters, [
      { source: ALL_SOURCES, stage: "decrypt", errorClass: "AuthenticationFailed", count: 1 },
    ]);
  });
});

describe("History", () => {
  const at = (received: number) =>
    summarize(parsePrometheusText(`meshbridge_source_messages_received_total{source="sqs/q"} ${received}`).samples);

  it("rates between samples, a counter reset counted from zero, and only the window kept", () => {
    const history = new History(10_000);
    history.add(0, at(0));
    history.add(2000, at(20));
    history.add(4000, at(60));
    history.add(6000, at(6)); // the bridge restarted
    assert.deepEqual(
      history.rates("sqs/q", "received").map((point) => point.perSecond),
      [10, 20, 3],
    );
    assert.equal(history.recentRate("sqs/q", "received", 2000), 3);
    history.add(13_000, at(20));
    assert.deepEqual(
      history.entries.map((entry) => entry.timeMs),
      [4000, 6000, 13_000],
    );
  });

  it("charts the busiest sources alone and sums the rest into one line", () => {
    const history = new History(60_000);
    const scrape = (t: number) =>
      summarize(
        parsePrometheusText(
          Array.from({ length: 12 }, (_, i) => `meshbridge_source_messages_received_total{source="pubsub/s${i}"} ${t * i}`).join(
            "\n",
          ),
        ).samples,
      );
    for (const t of [0, 1, 2]) history.add(t * 1000, scrape(t));
    const lines = chartLines(history, "received", 4);
    assert.deepEqual(
      lines.map((line) => [line.name, line.points.map((point) => point.perSecond)]),
      [
        ["pubsub/s10", [10, 10]],
        ["pubsub/s11", [11, 11]],
        ["pubsub/s9", [9, 9]],
        ["9 other sources", [36, 36]],
      ],
    );
  });

  it("is bounded by entries too", () => {
    const history = new History(60_000, 5);
    for (let i = 0; i < 20; i++) history.add(i, at(i));
    assert.equal(history.entries.length, 5);
  });
});

describe("status routes on the ops port", () => {
  it("serves the page with its CSP, the modules as JavaScript, and /config redacted", async () => {
    const config = parseConfig(
      {
        catalog: { module: "@acme/catalog" },
        kafka: {
          bootstrapBrokers: ["127.0.0.1:19092"],
          deadLetterTopic: "dlq",
          tls: true,
          sasl: { mechanism: "PLAIN", username: "key", password: "kafka-secret-4711" },
        },
        registry: { url: "http://127.0.0.1:18081", username: "sr", password: "registry-secret-4711" },
        keys: { provider: "static", file: "/keys.json" },
        sources: { sqs: [{ queueUrl: "http://127.0.0.1:19324/000000000000/q" }] },
      },
      {},
    );
    const server = await startOpsServer(
      0,
      "127.0.0.1",
      new BridgeMetrics(),
      { ready: () => true, reason: "" },
      redactConfig(config),
    );
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const page = await fetch(`${base}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(page.headers.get("content-security-policy"), STATUS_PAGE_CSP);
      assert.doesNotMatch(STATUS_PAGE_CSP, /unsafe/);
      assert.equal(page.headers.get("x-content-type-options"), "nosniff");
      const html = await page.text();
      assert.match(html, /<script type="module" src="\/status\/page.js">/);
      assert.doesNotMatch(html, /<script>|style="/, "no inline script or style (the CSP forbids them)");
      for (const module of ["page.js", "prometheus-text.js", "status-model.js"]) {
        const response = await fetch(`${base}/status/${module}`);
        assert.equal(response.status, 200, module);
        assert.match(response.headers.get("content-type") ?? "", /^text\/javascript/, module);
      }
      assert.doesNotMatch(await (await fetch(`${base}/status/page.js`)).text(), /innerHTML|outerHTML|insertAdjacentHTML/);
      const shown = await fetch(`${base}/config`);
      assert.match(shown.headers.get("content-type") ?? "", /^application\/json/);
      const text = await shown.text();
      assert.doesNotMatch(text, /secret-4711/);
      const body = JSON.parse(text) as {
        kafka: { sasl: { password: string } };
        registry: { password: string; username: string };
      };
      assert.equal(body.kafka.sasl.password, REDACTED);
      assert.equal(body.registry.password, REDACTED);
      assert.equal(body.registry.username, "sr");
      assert.equal((await fetch(`${base}/status/../../cli/config.ts`)).status, 404);
      assert.equal((await fetch(`${base}/metrics`)).status, 200);
    } finally {
      server.close();
    }
  });
});
