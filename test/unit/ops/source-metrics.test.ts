// Per-source metrics: the cardinality guard ("other" and the overflow counter), states and their
// log lines (one per change), in flight and oldest in flight read from the sources at scrape
// time, and the backlog summed per series.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BoundedLabels } from "../../../src/ops/bounded-labels.ts";
import { createLogger } from "../../../src/ops/log.ts";
import { OTHER_SOURCE, SourceMetrics, sourceLabel } from "../../../src/ops/source-metrics.ts";
import { logSourceStateChanges } from "../../../src/ops/source-state-log.ts";

function lines(metrics: SourceMetrics): string[] {
  const out: string[] = [];
  metrics.render(out);
  return out.filter((line) => !line.startsWith("#"));
}

describe("SourceMetrics", () => {
  it("labels sources sqs/<queue> and pubsub/<subscription>", () => {
    assert.equal(sourceLabel("sqs:orders"), "sqs/orders");
    assert.equal(sourceLabel("pubsub:orders-sub"), "pubsub/orders-sub");
    const metrics = new SourceMetrics();
    metrics.forSource("sqs:orders").series.received += 2;
    assert.ok(lines(metrics).includes('meshbridge_source_messages_received_total{source="sqs/orders"} 2'));
  });

  it("gives the same handle for the same source, and shares 'other' beyond maxSources", () => {
    const metrics = new SourceMetrics({ maxSources: 2 });
    const a = metrics.forSource("sqs:a");
    assert.equal(metrics.forSource("sqs:a"), a, "resolved once, then the same handle");
    metrics.forSource("pubsub:b");
    const c = metrics.forSource("sqs:c");
    const d = metrics.forSource("sqs:d");
    assert.equal(c.series.label, OTHER_SOURCE);
    assert.equal(c.series, d.series, "overflowed sources share one series");
    assert.equal(c.id, "sqs/c", "each keeps its own id (readiness names it)");
    assert.equal(metrics.overflowed, 2);
    c.series.acked += 1;
    d.series.acked += 2;
    c.subscribed();
    d.failing("QueueDoesNotExist");
    c.backlog = 4;
    d.backlog = 6;
    const out = lines(metrics);
    assert.ok(out.includes('meshbridge_source_messages_acked_total{source="other"} 3'));
    assert.ok(out.includes("meshbridge_metric_sources_overflowed_total 2"));
    assert.ok(out.includes('meshbridge_source_backlog_messages{source="other"} 10'));
    assert.ok(out.includes('meshbridge_source_state{source="other",state="subscribed"} 1'));
    assert.ok(out.includes('meshbridge_source_state{source="other",state="failing"} 1'));
    assert.equal(out.filter((line) => line.startsWith("meshbridge_source_messages_acked_total")).length, 3, "a, b and other");
    assert.equal(metrics.total("acked"), 3);
  });

  it("exports only the current state of a source, and no backlog when it is unknown", () => {
    const metrics = new SourceMetrics();
    const meter = metrics.forSource("sqs:q");
    assert.ok(lines(metrics).includes('meshbridge_source_state{source="sqs/q",state="starting"} 1'));
    meter.failing("ECONNREFUSED");
    const out = lines(metrics);
    assert.ok(out.includes('meshbridge_source_state{source="sqs/q",state="failing"} 1'));
    assert.equal(out.filter((line) => line.startsWith("meshbridge_source_state")).length, 1);
    assert.equal(out.filter((line) => line.startsWith("meshbridge_source_backlog_messages")).length, 0);
  });

  it("reads in flight and the oldest in flight from the collectors at scrape time", () => {
    const metrics = new SourceMetrics();
    const a = metrics.forSource("sqs:a");
    const b = metrics.forSource("sqs:b");
    const now = Date.now();
    let held = [
      { meter: a, at: now - 9000 },
      { meter: a, at: now - 1000 },
      { meter: b, at: now - 2000 },
    ];
    const stop = metrics.collectInFlight((visit) => {
      for (const message of held) visit(message.meter, message.at);
    });
    let out = lines(metrics);
    assert.ok(out.includes('meshbridge_source_in_flight_messages{source="sqs/a"} 2'));
    assert.ok(out.includes('meshbridge_source_in_flight_messages{source="sqs/b"} 1'));
    const oldest = (line: string | undefined) => Number(line?.split(" ").pop());
    const oldestA = oldest(out.find((line) => line.startsWith('meshbridge_source_oldest_in_flight_seconds{source="sqs/a"}')));
    assert.ok(oldestA >= 9 && oldestA < 60, `oldest of a: ${oldestA}`);
    held = [];
    out = lines(metrics);
    assert.ok(out.includes('meshbridge_source_in_flight_messages{source="sqs/a"} 0'), "settled: none in flight");
    assert.ok(out.includes('meshbridge_source_oldest_in_flight_seconds{source="sqs/a"} 0'));
    stop();
    held = [{ meter: a, at: now }];
    assert.ok(lines(metrics).includes('meshbridge_source_in_flight_messages{source="sqs/a"} 0'), "a stopped source is not read");
  });

  it("logs one line per state change, never a repeat", () => {
    const logged: Record<string, unknown>[] = [];
    const metrics = new SourceMetrics();
    logSourceStateChanges(
      metrics,
      createLogger("info", {}, (line) => logged.push(JSON.parse(line) as Record<string, unknown>)),
    );
    const meter = metrics.forSource("sqs:q");
    meter.subscribed();
    meter.subscribed();
    meter.failing("QueueDoesNotExist");
    meter.failing("QueueDoesNotExist");
    meter.subscribed();
    meter.removed();
    meter.removed();
    meter.restarted();
    meter.subscribed();
    assert.deepEqual(
      logged.map((line) => [line.msg, line.source, line.errorClass]),
      [
        ["source subscribed", "sqs/q", undefined],
        ["source failing", "sqs/q", "QueueDoesNotExist"],
        ["source recovered", "sqs/q", undefined],
        ["source removed", "sqs/q", undefined],
        ["source subscribed", "sqs/q", undefined],
      ],
    );
    assert.equal(logged[1]!.level, "warn");
  });
});

describe("BoundedLabels (tenant ids)", () => {
  it("keeps the first max valid values, puts later ones in 'other' and invalid ones in 'invalid'", () => {
    const tenants = new BoundedLabels(2, (value) => /^[a-z]+$/.test(value));
    assert.equal(tenants.label("acme"), "acme");
    assert.equal(tenants.label("globex"), "globex");
    assert.equal(tenants.label("initech"), "other");
    assert.equal(tenants.label("acme"), "acme", "a known tenant keeps its label");
    assert.equal(tenants.label('x"} 1\nfake_metric 9'), "invalid");
    assert.equal(tenants.label(undefined), "invalid");
  });
});
