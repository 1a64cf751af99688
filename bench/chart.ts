// The PNG chart of a run: throughput (bridge against its limits), latency percentiles at 50% and
// 80% of saturation, and the per-stage pipeline cost against the floor. Vega-Lite → Vega → SVG
// (headless, no canvas), rasterised by resvg (a prebuilt binary shipped inside its npm package).
import { Resvg } from "@resvg/resvg-js";
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Results } from "./report.ts";

type Row = Record<string, string | number>;

export async function renderChart(r: Results): Promise<Buffer> {
  const throughput: Row[] = [];
  const add = (what: string, value: number | null): void => {
    if (value !== null) throughput.push({ what, events_per_s: Math.round(value) });
  };
  add("SQS bridge", r.e2e.sqs.events_per_s);
  add("SQS 2 bridges", r.scale.two_process_events_per_s);
  add("bare SQS drain", r.e2e.sqs.drain_events_per_s);
  add("Pub/Sub bridge", r.e2e.pubsub.events_per_s);
  add("Pub/Sub 2 bridges", r.scale.pubsub_two_process_events_per_s);
  add("bare Pub/Sub drain", r.e2e.pubsub.drain_events_per_s);
  add("bare produce", r.e2e.produce_only_events_per_s);

  const latency: Row[] = [];
  for (const [path, name] of [
    ["sqs", "SQS"],
    ["pubsub", "Pub/Sub"],
  ] as const) {
    for (const phase of r.e2e[path].latency_phases as {
      fractionOfSaturation: number;
      p50Ms: number | null;
      p95Ms: number | null;
      p99Ms: number | null;
      backlogAtStart?: boolean;
    }[]) {
      if (phase.backlogAtStart === true) continue; // invalid (see latest.md): it would flatten the rest
      const load = `${name} ${Math.round(phase.fractionOfSaturation * 100)}%`;
      for (const [percentile, value] of [
        ["p50", phase.p50Ms],
        ["p95", phase.p95Ms],
        ["p99", phase.p99Ms],
      ] as const) {
        if (value !== null) latency.push({ load, percentile, ms: Math.round(value) });
      }
    }
  }

  const stages: Row[] = [];
  for (const [size, key, whole, floor] of [
    ["1 KB", "stages_us_1kb", r.pipeline.us_per_event_1kb, r.pipeline.floor_us_per_event_1kb],
    ["4 KB", "stages_us_4kb", r.pipeline.us_per_event_4kb, r.pipeline.floor_us_per_event_4kb],
  ] as const) {
    const perStage = r.pipeline[key];
    if (perStage === null || whole === null || floor === null) continue;
    let sum = 0;
    for (const [stage, us] of Object.entries(perStage)) {
      stages.push({ bar: `${size} stages`, stage, us });
      sum += us;
    }
    stages.push({ bar: `${size} stages`, stage: "pipeline bookkeeping", us: Math.max(0, whole - sum) });
    stages.push({ bar: `${size} floor`, stage: "floor", us: floor });
  }

  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `meshbridge benchmark (${r.mode}) — ${r.machine.date.slice(0, 10)}`,
      subtitle: `${r.machine.cores} × ${r.machine.cpuModel}, Node ${r.machine.node}; local mesh shared with other work`,
    },
    config: { font: "DejaVu Sans", view: { stroke: null } },
    hconcat: [
      {
        title: "Throughput (events/s)",
        data: { values: throughput },
        mark: { type: "bar", tooltip: true },
        width: 260,
        height: 240,
        encoding: {
          x: { field: "what", type: "nominal", sort: null, axis: { labelAngle: -30, title: null } },
          // Symmetric log scale (log that takes 0): the Pub/Sub and Kafka runs are orders of magnitude above the moto-bound SQS runs.
          y: { field: "events_per_s", type: "quantitative", title: "events/s (symlog scale)", scale: { type: "symlog" } },
          color: { field: "what", type: "nominal", legend: null },
        },
      },
      {
        title: "Publish → Kafka ack (ms), % of saturation",
        data: { values: latency },
        mark: "bar",
        width: 260,
        height: 240,
        encoding: {
          x: { field: "load", type: "nominal", sort: null, title: null, axis: { labelAngle: -30 } },
          xOffset: { field: "percentile", type: "nominal" },
          y: { field: "ms", type: "quantitative", title: "ms" },
          color: { field: "percentile", type: "nominal", title: "percentile" },
        },
      },
      {
        title: "Pipeline CPU per event (µs)",
        data: { values: stages },
        mark: "bar",
        width: 200,
        height: 240,
        encoding: {
          x: { field: "bar", type: "nominal", sort: null, axis: { labelAngle: -30, title: null } },
          y: { field: "us", type: "quantitative", title: "µs CPU", stack: "zero" },
          color: { field: "stage", type: "nominal", title: "stage", scale: { scheme: "tableau20" } },
        },
      },
    ],
    resolve: { scale: { color: "independent" } },
  };
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, {
    fitTo: { mode: "zoom", value: 1.5 },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  })
    .render()
    .asPng();
}
