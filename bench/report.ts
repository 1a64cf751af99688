// The benchmark's results: the JSON document (bench/results/latest.json), the targets (issue 5,
// revised by issue 11 §4) each marked met / not met / not measured, and the same as Markdown
// tables (latest.md).

export type Verdict = "met" | "not met" | "not measured";

export interface Target {
  readonly name: string;
  readonly target: string;
  readonly value: number | null;
  readonly unit: string;
  readonly verdict: Verdict;
  /** Where the target is missed: what costs most. */
  readonly costliest?: string;
}

export interface Results {
  machine: {
    cores: number;
    cpuModel: string;
    node: string;
    date: string;
    memoryGB: number;
    kernel: string;
    note: string;
  };
  mode: "quick" | "full";
  durationSeconds: number;
  pipeline: {
    us_per_event_1kb: number | null;
    floor_us_per_event_1kb: number | null;
    whole_over_floor_1kb: number | null;
    us_per_event_4kb: number | null;
    floor_us_per_event_4kb: number | null;
    whole_over_floor_4kb: number | null;
    stages_us_1kb: Record<string, number> | null;
    stages_us_4kb: Record<string, number> | null;
    pipeline_overhead_us_1kb: number | null;
    records_per_event: number | null;
    iterations: number;
    method: string;
  };
  /** Pipeline CPU with tracing off (twice: the noise) and on (bench/tracing-cost.ts). */
  tracing: {
    off_us_per_event_1kb: number | null;
    off_again_us_per_event_1kb: number | null;
    on_us_per_event_1kb: number | null;
    on_over_off: number | null;
    off_noise: number | null;
    method: string;
  };
  e2e: {
    sqs: E2ePath & {
      /** Which SQS server the SQS runs read. */
      server: string;
      /** Events/s with the publisher unpaced beside the bridge, first publish to last ack. */
      live_events_per_s: number | null;
      /** The bare drain's client: the bridge's own lean data plane. */
      drain_client: "lean";
      /** Bare drain CPU µs per ReceiveMessage (its DeleteMessageBatch included). */
      drain_cpu_us_per_receive: number | null;
      /** The same bare drain through the AWS SDK client (the bridge's client before decision 0017). */
      drain_sdk_events_per_s: number | null;
      drain_sdk_cpu_us_per_event: number | null;
      drain_sdk_cpu_us_per_receive: number | null;
    };
    pubsub: E2ePath & {
      drain_cpu_us_per_event: number | null;
      /** One flooded subscription beside 99 trickling: how long a trickle event waits. */
      fairness: {
        trickling_subscriptions: number;
        rounds: number;
        flood_published: number;
        flood_backlog_at_trickle_end: number;
        trickle_ms_by_record_timestamp: unknown;
      } | null;
      subscriptions: number;
      pull_concurrency: number;
      max_messages_per_pull: number;
    };
    produce_only_events_per_s: number | null;
    produce_only_records_per_s: number | null;
    produce_only_cpu_us_per_event: number | null;
    drain_cpu_us_per_event: number | null;
  };
  scale: {
    one_process_events_per_s: number | null;
    two_process_events_per_s: number | null;
    two_process_cpu_us_per_event: number | null;
    two_process_peak_rss_mb: number[] | null;
    two_process_lost: number | null;
    pubsub_one_process_events_per_s: number | null;
    pubsub_two_process_events_per_s: number | null;
    pubsub_two_process_cpu_us_per_event: number | null;
    pubsub_two_process_peak_rss_mb: number[] | null;
    pubsub_two_process_lost: number | null;
  };
  subscriptions: {
    rss_mb: ByCount;
    peak_rss_mb: ByCount;
    /** Established connections to the Pub/Sub emulator. */
    sockets: ByCount;
    sockets_total: ByCount;
    streams: ByCount;
    idle_cpu_percent: ByCount;
    discovered: ByCount;
    settled_after_s: ByCount;
    levelled_off: { 10: boolean | null; 100: boolean | null; 500: boolean | null; 2000: boolean | null };
    rss_mb_no_subscriptions: number | null;
    heap_used_mb: ByCount;
    /** The pacing in effect for the rows above (the bridge's default). */
    idle_pulls_per_second: number;
    /** The largest count again with idle polling unpaced (full mode only). */
    unpaced: {
      subscriptions: number;
      rss_mb: number;
      heap_used_mb: number | null;
      idle_cpu_percent: number;
      levelled_off: boolean;
    } | null;
    note: string;
  };
  kafka_clients: unknown;
  lost: number | null;
  loss: {
    definition: string;
    phases: unknown[];
    /** Events not found in Kafka at the end (lost or still queued). */
    undelivered: number | null;
    queue_left: number | null;
    /** Messages still in the Pub/Sub subscriptions after the last bridge stopped. */
    pubsub_left: number | null;
    lost_by_path: { sqs: number; pubsub: number } | null;
  };
  targets: Target[];
  /** The first of `profiles` (kept for readers of earlier results). */
  profile: unknown;
  /** CPU profiles of the bridge, one per path with a missed target. */
  profiles: unknown[];
  method: Record<string, string>;
  errors: string[];
}

type ByCount = { 10: number | null; 100: number | null; 500: number | null; 2000: number | null };

/** Bridge CPU per event against the sum of what it composes, each measured alone in this run. */
export interface Composition {
  bare_drain_cpu_us: number | null;
  pipeline_cpu_us: number | null;
  bare_produce_cpu_us: number | null;
  sum_us: number | null;
  bridge_cpu_us: number | null;
}

/** bridge ÷ (drain + pipeline + produce), and its terms; null terms leave the ratio null. */
export function composition(
  bridge: number | null,
  drain: number | null,
  pipeline: number | null,
  produce: number | null,
): { ratio: number | null; terms: Composition } {
  const sum = drain === null || pipeline === null || produce === null ? null : drain + pipeline + produce;
  return {
    ratio: sum === null || bridge === null || sum <= 0 ? null : round(bridge / sum, 3),
    terms: {
      bare_drain_cpu_us: round(drain, 1),
      pipeline_cpu_us: round(pipeline, 1),
      bare_produce_cpu_us: round(produce, 1),
      sum_us: round(sum, 1),
      bridge_cpu_us: round(bridge, 1),
    },
  };
}

/** One source path end to end (SQS or Pub/Sub). */
export interface E2ePath {
  events_per_s: number | null;
  drain_events_per_s: number | null;
  fraction_of_limit: number | null;
  p50_ms_at_50pct: number | null;
  p95_ms_at_50pct: number | null;
  p99_ms_at_50pct: number | null;
  /** The 50% phase started before the saturation run's backlog was drained (its latency includes that wait). */
  latency_at_50pct_includes_backlog: boolean | null;
  p50_ms_at_80pct: number | null;
  p95_ms_at_80pct: number | null;
  p99_ms_at_80pct: number | null;
  cpu_us_per_event: number | null;
  /** After the first 20% of the drain (the bridge's JIT warm-up excluded); the targets read this. */
  cpu_us_per_event_warm: number | null;
  /** cpu_us_per_event_warm ÷ composition_terms.sum_us (target ≤ 1.10). */
  composition_ratio: number | null;
  composition_terms: Composition;
  peak_rss_mb: number | null;
  latency_phases: unknown[];
  latency_by_record_timestamp_ms: Record<string, unknown>;
  prefilled: number | null;
}

const round = (value: number | null | undefined, digits = 1): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits;

export { round };

function verdict(value: number | null, ok: (v: number) => boolean): Verdict {
  return value === null ? "not measured" : ok(value) ? "met" : "not met";
}

/** Evaluates the issue's targets against the results. */
export function evaluateTargets(r: Results): Target[] {
  const stages = r.pipeline.stages_us_1kb;
  const costliestStage =
    stages === null
      ? undefined
      : (() => {
          const entries = Object.entries(stages);
          if (r.pipeline.pipeline_overhead_us_1kb !== null)
            entries.push(["pipeline bookkeeping", r.pipeline.pipeline_overhead_us_1kb]);
          const [name, us] = entries.sort((a, b) => b[1] - a[1])[0]!;
          return `${name} (${us.toFixed(1)} µs of ${r.pipeline.us_per_event_1kb?.toFixed(1)} µs)`;
        })();
  const backlog = (path: E2ePath): string =>
    path.latency_at_50pct_includes_backlog === true
      ? " (invalid: the phase started with the saturation run's backlog, see the log)"
      : "";
  const latency = (path: E2ePath, below: number) =>
    path.latency_at_50pct_includes_backlog === true ? "not measured" : verdict(path.p99_ms_at_50pct, (v) => v < below);
  const terms = (c: Composition): string =>
    `bridge ${fmt(c.bridge_cpu_us, 1)} µs vs drain ${fmt(c.bare_drain_cpu_us, 1)} + pipeline ${fmt(c.pipeline_cpu_us, 1)} + produce ${fmt(c.bare_produce_cpu_us, 1)} = ${fmt(c.sum_us, 1)} µs`;
  const targets: Target[] = [
    {
      name: "Pipeline whole ÷ floor (1 KB)",
      target: "≤ 1.25",
      value: r.pipeline.whole_over_floor_1kb,
      unit: "×",
      verdict: verdict(r.pipeline.whole_over_floor_1kb, (v) => v <= 1.25),
    },
    {
      name: "Pipeline CPU per 1 KB event",
      target: "≤ 40 µs",
      value: r.pipeline.us_per_event_1kb,
      unit: "µs",
      verdict: verdict(r.pipeline.us_per_event_1kb, (v) => v <= 40),
    },
    ...(
      [
        ["SQS", r.e2e.sqs],
        ["Pub/Sub", r.e2e.pubsub],
      ] as const
    ).flatMap(([name, path]): Target[] => [
      {
        name: `${name} composition overhead: bridge CPU ÷ (bare drain + pipeline + bare produce) per event (${terms(path.composition_terms)})`,
        target: "≤ 1.10",
        value: path.composition_ratio,
        unit: "×",
        verdict: verdict(path.composition_ratio, (v) => v <= 1.1),
      },
      {
        name: `${name} bridge CPU per 1 KB event, end to end (warm; ${fmt(path.cpu_us_per_event)} µs over the whole drain)`,
        target: "≤ 60 µs",
        value: path.cpu_us_per_event_warm,
        unit: "µs",
        verdict: verdict(path.cpu_us_per_event_warm, (v) => v <= 60),
      },
    ]),
    {
      name: `SQS p99 publish→Kafka ack at 50% of saturation${backlog(r.e2e.sqs)}`,
      target: "< 100 ms",
      value: r.e2e.sqs.p99_ms_at_50pct,
      unit: "ms",
      verdict: latency(r.e2e.sqs, 100),
    },
    {
      name: `Pub/Sub p99 publish→Kafka ack at 50% of saturation${backlog(r.e2e.pubsub)}`,
      target: "< 150 ms",
      value: r.e2e.pubsub.p99_ms_at_50pct,
      unit: "ms",
      verdict: latency(r.e2e.pubsub, 150),
    },
    {
      name: "Resident memory with 500 Pub/Sub subscriptions",
      target: "< 220 MB",
      value: r.subscriptions.rss_mb[500],
      unit: "MB",
      verdict: verdict(r.subscriptions.rss_mb[500], (v) => v < 220),
    },
    {
      name: "Resident memory with 2,000 Pub/Sub subscriptions",
      target: "< 300 MB",
      value: r.subscriptions.rss_mb[2000],
      unit: "MB",
      verdict: verdict(r.subscriptions.rss_mb[2000], (v) => v < 300),
    },
    { name: "Events lost, all runs", target: "0", value: r.lost, unit: "", verdict: verdict(r.lost, (v) => v === 0) },
  ];
  const profiles = r.profiles as {
    path: string;
    costliestStage: string | null;
    byCategory: { category: string; pct: number }[];
  }[];
  const profileText = (profile: (typeof profiles)[number]): string =>
    `${profile.path === "pubsub" ? "Pub/Sub" : "SQS"} bridge CPU profile: ${profile.byCategory
      .slice(0, 4)
      .map((c) => `${c.category} ${c.pct}%`)
      .join(", ")}; costliest pipeline stage: ${profile.costliestStage ?? "?"}`;
  return targets.map((t) => {
    if (t.verdict !== "not met") return t;
    if (t.name.startsWith("Pipeline")) return { ...t, costliest: costliestStage };
    const path = t.name.startsWith("SQS") ? "sqs" : t.name.startsWith("Pub/Sub") ? "pubsub" : null;
    if (path !== null) {
      const profile = profiles.find((p) => p.path === path);
      return { ...t, costliest: profile === undefined ? "not profiled (see errors)" : profileText(profile) };
    }
    if (t.name.startsWith("Resident")) {
      const idle = r.subscriptions.rss_mb_no_subscriptions;
      return {
        ...t,
        costliest:
          idle === null
            ? "resident memory of the bridge itself (see Subscriptions)"
            : `the bridge with 0 subscriptions holds ${idle} MB (mostly loaded code: the Kafka and Pub/Sub clients); the idle subscriptions add ${t.value === null ? "?" : Math.round(t.value - idle)} MB, V8 heap headroom for the idle polling's garbage (docs/decisions/0006)${r.subscriptions.unpaced === null ? "" : `; unpaced (${r.subscriptions.unpaced.subscriptions} pulls/s) it was ${r.subscriptions.unpaced.rss_mb} MB`}`,
      };
    }
    return t;
  });
}

const percent = (fraction: number | null): string => (fraction === null ? "—" : `${fmt(fraction * 100, 1)}%`);

const fmt = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined
    ? "—"
    : value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function renderMarkdown(r: Results): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(
    `# meshbridge benchmark (${r.mode})`,
    "",
    `${m.date} · ${m.cores} × ${m.cpuModel} · ${m.memoryGB} GB · Node ${m.node} · ${m.kernel} · ${Math.round(r.durationSeconds)} s`,
    "",
    `> ${m.note}`,
    "",
    "## Targets",
    "",
    "| target | goal | measured | verdict | costs most |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const t of r.targets) {
    lines.push(
      `| ${t.name} | ${t.target} | ${t.value === null ? "—" : `${fmt(t.value, t.unit === "×" ? 2 : 1)} ${t.unit}`} | **${t.verdict}** | ${t.costliest ?? ""} |`,
    );
  }
  const p = r.pipeline;
  lines.push("", "## 1. In-process pipeline cost (CPU µs per legacy event)", "", "| | 1 KB | 4 KB |", "| --- | ---: | ---: |");
  for (const stage of Object.keys(p.stages_us_1kb ?? {})) {
    lines.push(`| ${stage} | ${fmt(p.stages_us_1kb?.[stage], 2)} | ${fmt(p.stages_us_4kb?.[stage], 2)} |`);
  }
  lines.push(
    `| pipeline bookkeeping (whole − stages) | ${fmt(p.pipeline_overhead_us_1kb, 2)} | |`,
    `| **whole (Pipeline.process)** | **${fmt(p.us_per_event_1kb, 2)}** | **${fmt(p.us_per_event_4kb, 2)}** |`,
    `| floor (JSON.parse, base64, AES-GCM, JSON.parse, toBinary) | ${fmt(p.floor_us_per_event_1kb, 2)} | ${fmt(p.floor_us_per_event_4kb, 2)} |`,
    `| whole ÷ floor | ${fmt(p.whole_over_floor_1kb, 2)} | ${fmt(p.whole_over_floor_4kb, 2)} |`,
    "",
    `${p.iterations.toLocaleString("en-US")} events per measurement; ${fmt(p.records_per_event, 2)} catalog records per legacy event. ${p.method}`,
    "",
    "### Tracing (OpenTelemetry), CPU µs per 1 KB event in the pipeline",
    "",
    "| off | off again (noise) | on | on ÷ off |",
    "| ---: | ---: | ---: | ---: |",
    `| ${fmt(r.tracing.off_us_per_event_1kb, 2)} | ${fmt(r.tracing.off_again_us_per_event_1kb, 2)} (${fmt(r.tracing.off_noise, 3)} ×) | ${fmt(r.tracing.on_us_per_event_1kb, 2)} | ${fmt(r.tracing.on_over_off, 2)} × |`,
    "",
    r.tracing.method,
    "",
    "## 2–4. End to end on the local mesh",
    "",
    "| | events/s | CPU µs/event | peak RSS MB |",
    "| --- | ---: | ---: | ---: |",
    `| **SQS** bridge, 1 process (saturation) | ${fmt(r.e2e.sqs.events_per_s)} | ${fmt(r.e2e.sqs.cpu_us_per_event)} (warm ${fmt(r.e2e.sqs.cpu_us_per_event_warm)}) | ${fmt(r.e2e.sqs.peak_rss_mb)} |`,
    `| SQS bridge, 2 processes, same queue | ${fmt(r.scale.two_process_events_per_s)} | ${fmt(r.scale.two_process_cpu_us_per_event)} | ${r.scale.two_process_peak_rss_mb?.map((v) => fmt(v)).join(" / ") ?? "—"} |`,
    `| bare SQS drain (receive 10 + delete batch, 8 receivers, same server; the bridge's lean client) | ${fmt(r.e2e.sqs.drain_events_per_s)} | ${fmt(r.e2e.drain_cpu_us_per_event)} (bench process; ${fmt(r.e2e.sqs.drain_cpu_us_per_receive)} per receive) | |`,
    `| bare SQS drain through the AWS SDK client (same queue, refilled) | ${fmt(r.e2e.sqs.drain_sdk_events_per_s)} | ${fmt(r.e2e.sqs.drain_sdk_cpu_us_per_event)} (bench process; ${fmt(r.e2e.sqs.drain_sdk_cpu_us_per_receive)} per receive) | |`,
    `| **Pub/Sub** bridge, 1 process (saturation, ${r.e2e.pubsub.subscriptions} subscriptions) | ${fmt(r.e2e.pubsub.events_per_s)} | ${fmt(r.e2e.pubsub.cpu_us_per_event)} (warm ${fmt(r.e2e.pubsub.cpu_us_per_event_warm)}) | ${fmt(r.e2e.pubsub.peak_rss_mb)} |`,
    `| Pub/Sub bridge, 2 processes, same subscriptions | ${fmt(r.scale.pubsub_two_process_events_per_s)} | ${fmt(r.scale.pubsub_two_process_cpu_us_per_event)} | ${r.scale.pubsub_two_process_peak_rss_mb?.map((v) => fmt(v)).join(" / ") ?? "—"} |`,
    `| bare Pub/Sub drain (pull ${r.e2e.pubsub.max_messages_per_pull} + acknowledge, ${r.e2e.pubsub.pull_concurrency} in flight) | ${fmt(r.e2e.pubsub.drain_events_per_s)} | ${fmt(r.e2e.pubsub.drain_cpu_us_per_event)} (bench process) | |`,
    `| bare produce (KafkaSink, pre-encoded) | ${fmt(r.e2e.produce_only_events_per_s)} (${fmt(r.e2e.produce_only_records_per_s)} records/s) | ${fmt(r.e2e.produce_only_cpu_us_per_event)} (bench process) | |`,
    "",
    `SQS server: ${r.e2e.sqs.server}. Bridge ÷ min(drain, produce): SQS **${percent(r.e2e.sqs.fraction_of_limit)}**, Pub/Sub **${percent(r.e2e.pubsub.fraction_of_limit)}**.`,
    "",
    "### Composition: bridge CPU per event against its parts, each measured alone in this run",
    "",
    "| path | bare drain µs | pipeline µs | bare produce µs | sum µs | bridge µs | bridge ÷ sum |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...(
      [
        ["SQS", r.e2e.sqs],
        ["Pub/Sub", r.e2e.pubsub],
      ] as const
    ).map(
      ([name, path]) =>
        `| ${name} | ${fmt(path.composition_terms.bare_drain_cpu_us, 1)} | ${fmt(path.composition_terms.pipeline_cpu_us, 1)} | ${fmt(path.composition_terms.bare_produce_cpu_us, 1)} | ${fmt(path.composition_terms.sum_us, 1)} | ${fmt(path.composition_terms.bridge_cpu_us, 1)} | **${fmt(path.composition_ratio, 2)}** |`,
    ),
    "",
    ...(() => {
      const f = r.e2e.pubsub.fairness;
      if (f === null) return [];
      const t = f.trickle_ms_by_record_timestamp as { p50: number; p95: number; p99: number; count: number } | null;
      return [
        `Pub/Sub fairness: ${f.trickling_subscriptions} trickling subscriptions beside one flooded (${fmt(f.flood_published)} events, backlog ≥ ${fmt(f.flood_backlog_at_trickle_end)} when the trickle ended), ${f.rounds} rounds: trickle publish → produce **p50 ${fmt(t?.p50)} ms, p95 ${fmt(t?.p95)} ms, p99 ${fmt(t?.p99)} ms** (${fmt(t?.count)} events, by record timestamp).`,
        "",
      ];
    })(),
    "### Latency, publish → Kafka ack (open-loop publisher)",
    "",
    `SQS loads are shares of the lower of the pre-filled drain (${fmt(r.e2e.sqs.events_per_s)}/s) and the live saturation: ${fmt(r.e2e.sqs.live_events_per_s)}/s from the first publish to the last ack with the publisher unpaced beside the bridge (the publisher, sealing each event and sending through the AWS SDK, and ElasticMQ share this machine's cores with the bridge). Pub/Sub loads are shares of its pre-filled drain.`,
    "",
    "| path | load | offered/s | achieved/s | p50 ms | p95 ms | p99 ms | p50 / p99 ms by record timestamp |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const [path, name] of [
    ["sqs", "SQS"],
    ["pubsub", "Pub/Sub"],
  ] as const) {
    for (const phase of r.e2e[path].latency_phases as {
      fractionOfSaturation: number;
      targetRate: number;
      achievedRate: number;
      p50Ms: number | null;
      p95Ms: number | null;
      p99Ms: number | null;
      backlogAtStart?: boolean;
    }[]) {
      const key = `${path}-latency-${Math.round(phase.fractionOfSaturation * 100)}`;
      const byTs = r.e2e[path].latency_by_record_timestamp_ms[key] as { p50: number; p99: number } | null | undefined;
      lines.push(
        `| ${name} | ${Math.round(phase.fractionOfSaturation * 100)}% of saturation${phase.backlogAtStart === true ? " (started with a backlog: invalid)" : ""} | ${fmt(phase.targetRate)} | ${fmt(phase.achievedRate)} | ${fmt(phase.p50Ms)} | ${fmt(phase.p95Ms)} | ${fmt(phase.p99Ms)} | ${byTs ? `${fmt(byTs.p50)} / ${fmt(byTs.p99)}` : "—"} |`,
      );
    }
  }
  const sub = r.subscriptions;
  lines.push(
    "",
    "## Subscriptions (Pub/Sub), idle bridge",
    "",
    `Idle polling: the long-idle subscriptions (backed off to idleMaxMs) paced together at ${sub.idle_pulls_per_second} pulls/s (the default).`,
    "",
    "| subscriptions | RSS MB | heap in use MB | read after | peak RSS MB | connections to the emulator | sockets (all) | StreamingPull streams | idle CPU % of a core |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...(sub.rss_mb_no_subscriptions === null ? [] : [`| 0 | ${fmt(sub.rss_mb_no_subscriptions)} | | | | | | | |`]),
    ...([10, 100, 500, 2000] as const).map(
      (n) =>
        `| ${n}${sub.discovered[n] !== null && sub.discovered[n] !== n ? ` (found ${sub.discovered[n]})` : ""} | ${fmt(sub.rss_mb[n])} | ${fmt(sub.heap_used_mb[n])} | ${sub.settled_after_s[n] === null ? "—" : `${sub.settled_after_s[n]} s${sub.levelled_off[n] === false ? " (still growing)" : ""}`} | ${fmt(sub.peak_rss_mb[n])} | ${fmt(sub.sockets[n])} | ${fmt(sub.sockets_total[n])} | ${fmt(sub.streams[n])} | ${fmt(sub.idle_cpu_percent[n], 1)} |`,
    ),
    ...(sub.unpaced === null
      ? []
      : [
          `| ${sub.unpaced.subscriptions}, unpaced (idlePullsPerSecond 0) | ${fmt(sub.unpaced.rss_mb)} | ${fmt(sub.unpaced.heap_used_mb)} | ${sub.unpaced.levelled_off ? "" : "(still growing)"} | | | | | ${fmt(sub.unpaced.idle_cpu_percent, 1)} |`,
        ]),
    "",
    sub.note,
    "",
  );
  const kc = r.kafka_clients as { records: number; runs: number; rows: Record<string, number | string>[] } | null;
  lines.push("## 5. Kafka clients (bench/kafka-clients.ts, acks=all, idempotent, batches of 500)", "");
  if (kc === null) lines.push("not run (see errors)");
  else {
    lines.push(
      `${kc.records.toLocaleString("en-US")} records × ${kc.runs} run(s), medians.`,
      "",
      "| client | compression | in flight | records/s | CPU µs/record | peak RSS MB | missing |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const row of kc.rows) {
      lines.push(
        `| ${row.client} | ${row.compression} | ${row.inFlight} | ${fmt(row.eventsPerSecond as number)} | ${fmt(row.cpuUsPerRecord as number, 1)} | ${fmt(row.peakRssMB as number)} | ${row.missing} |`,
      );
    }
  }
  lines.push(
    "",
    "## Loss",
    "",
    r.loss.definition,
    "",
    "| run | published | delivered | no record expected | dead-lettered | not found | duplicate records |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const phase of r.loss.phases as Record<string, number | string>[]) {
    lines.push(
      `| ${phase.phase} | ${phase.published} | ${phase.delivered} | ${phase.noRecordExpected} | ${phase.deadLettered} | ${phase.lost} | ${phase.duplicateRecords} |`,
    );
  }
  lines.push(
    "",
    `Not found in Kafka at the end: ${r.loss.undelivered ?? "—"} events; still in the SQS queue after the sweep: ${r.loss.queue_left ?? "—"} messages, still in the Pub/Sub subscriptions: ${r.loss.pubsub_left ?? "—"} (not lost: they will be delivered). **lost = ${r.lost ?? "—"}** (not found − still waiting, per path${r.loss.lost_by_path === null ? "" : `: SQS ${r.loss.lost_by_path.sqs}, Pub/Sub ${r.loss.lost_by_path.pubsub}`}).`,
  );
  for (const profile of r.profiles as {
    path: string;
    file: string;
    sampledMs: number;
    byCategory: { category: string; pct: number }[];
    topFunctions: { name: string; where: string; pct: number }[];
  }[]) {
    lines.push(
      "",
      `## CPU profile of the ${profile.path === "pubsub" ? "Pub/Sub" : "SQS"} bridge under load (a target was missed)`,
      "",
      `\`${profile.file}\` (${profile.sampledMs} ms of CPU sampled while it drained ${profile.path === "pubsub" ? "pre-filled subscriptions" : "a pre-filled queue"}, start-up and idle excluded; open it in Chrome DevTools → Performance).`,
      "",
      "| where | share |",
      "| --- | ---: |",
      ...profile.byCategory.slice(0, 10).map((c) => `| ${c.category} | ${c.pct}% |`),
      "",
      "| function | at | self |",
      "| --- | --- | ---: |",
      ...profile.topFunctions.map((f) => `| ${f.name} | ${f.where} | ${f.pct}% |`),
    );
  }
  lines.push("", "## Method", "");
  for (const [name, text] of Object.entries(r.method)) lines.push(`- **${name}**: ${text}`);
  if (r.errors.length > 0) lines.push("", "## Errors", "", ...r.errors.map((e) => `- ${e.replace(/[\r\n]+/g, " ")}`));
  return `${lines.join("\n")}\n`;
}
