// The status page: polls /metrics and /readyz every 2 s, keeps 10 minutes of history in the
// page (docs/decisions/0023), and renders it. Every value that came from the bridge (source
// names, states, error classes, configuration) goes into the DOM as text, never as markup.
import { parsePrometheusText } from "./prometheus-text.js";
import { chartLines, History, isFailing, sourceKind, summarize } from "./status-model.js";

const POLL_MS = 2000;
const WINDOW_MS = 10 * 60_000;
const COLORS = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2", "#ca8a04", "#4b5563"];
const SVG = "http://www.w3.org/2000/svg";

const history = new History(WINDOW_MS);
const colorOf = new Map();
const $ = (id) => document.getElementById(id);

function el(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const integer = (value) => (value === undefined ? "—" : Math.round(value).toLocaleString("en"));
const rate = (value) => (value === undefined ? "—" : value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString("en"));
const seconds = (value) => (value === undefined ? "—" : value < 60 ? `${value.toFixed(1)} s` : `${(value / 60).toFixed(1)} min`);
function bytes(value) {
  if (value === undefined) return "—";
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

function color(source) {
  let found = colorOf.get(source);
  if (found === undefined) {
    found = COLORS[colorOf.size % COLORS.length];
    colorOf.set(source, found);
  }
  return found;
}

function cell(text, field, className) {
  const td = el("td", text);
  if (field !== undefined) td.dataset.field = field;
  if (className !== undefined) td.className = className;
  return td;
}

function emptyRow(text, columns) {
  const td = el("td", text, { colspan: String(columns) });
  td.className = "text";
  const tr = el("tr");
  tr.append(td);
  return tr;
}

function renderSources(summary) {
  const rows = summary.sources.map((source) => {
    const tr = el("tr");
    tr.dataset.source = source.name;
    // The style's hook: one of the four states, "failing" when any source of the row is.
    tr.dataset.state = isFailing(source) ? "failing" : source.states.length === 1 ? source.states[0].state : "unknown";
    tr.append(
      cell(source.name, "source"),
      cell(sourceKind(source.name), "kind", "text"),
      cell(source.state ?? "—", "state", "text"),
      cell(rate(history.recentRate(source.name, "received")), "received-rate"),
      cell(rate(history.recentRate(source.name, "acked")), "acked-rate"),
      cell(integer(source.received), "received"),
      cell(integer(source.acked), "acked"),
      cell(integer(source.nacked), "nacked"),
      cell(integer(source.inFlight), "in-flight"),
      cell(seconds(source.oldestSeconds), "oldest"),
      cell(integer(source.backlog), "backlog"),
      cell(integer(source.leaseExtensions), "lease-extensions"),
      cell(integer(source.redeliveries), "redeliveries"),
    );
    return tr;
  });
  if (rows.length === 0) rows.push(emptyRow("no source metrics yet", 13));
  $("sources").tBodies[0].replaceChildren(...rows);
}

function renderErrors(summary) {
  const deadLetters = summary.deadLetters.map((row) => {
    const tr = el("tr");
    tr.append(cell(row.source, "source"), cell(row.stage, "stage", "text"), cell(row.errorClass, "error-class", "text"));
    tr.append(cell(integer(row.count), "count", row.count > 0 ? "bad" : undefined));
    return tr;
  });
  if (deadLetters.length === 0) deadLetters.push(emptyRow("no dead letters", 4));
  $("dead-letters").tBodies[0].replaceChildren(...deadLetters);
  const other = [
    ...summary.retries.map((row) => ["transient retries", row.stage, row.count]),
    ...summary.unexpected.map((row) => ["unexpected errors (bugs)", row.stage, row.count]),
    ...summary.decryptFailures.map((row) => ["decrypt failures", `tenant ${row.tenant}`, row.count]),
    ["sources beyond ops.metrics.maxSources (as other)", "", summary.totals.sourcesOverflowed],
    ["dead letters refused by Kafka", "", summary.totals.deadLetterRefused],
    ["skipped by policy", "", summary.totals.skipped],
  ].map(([what, stage, count]) => {
    const tr = el("tr");
    tr.append(
      cell(what, "what"),
      cell(stage, "stage", "text"),
      cell(integer(count), "count", count > 0 && what.startsWith("unexpected") ? "bad" : undefined),
    );
    return tr;
  });
  $("other-errors").tBodies[0].replaceChildren(...other);
}

function renderChart() {
  const width = 800;
  const height = 220;
  const left = 56;
  const right = 8;
  const top = 10;
  const bottom = 22;
  const now = history.entries.at(-1)?.timeMs ?? Date.now();
  const series = chartLines(history, "received");
  const peak = Math.max(1, ...series.flatMap((line) => line.points.map((point) => point.perSecond)));
  const x = (timeMs) => left + ((timeMs - (now - WINDOW_MS)) / WINDOW_MS) * (width - left - right);
  const y = (value) => top + (1 - value / (peak * 1.1)) * (height - top - bottom);
  const children = [
    svg("line", { class: "axis", x1: left, y1: y(0), x2: width - right, y2: y(0) }),
    svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: y(0) }),
    svg("text", { x: left - 6, y: y(peak) + 4, "text-anchor": "end" }, rate(peak)),
    svg("text", { x: left - 6, y: y(0) + 4, "text-anchor": "end" }, "0"),
    svg("text", { x: left, y: height - 4 }, "−10 min"),
    svg("text", { x: width - right, y: height - 4, "text-anchor": "end" }, "now"),
  ];
  for (const line of series) {
    if (line.points.length === 0) continue;
    const points = line.points.map((point) => `${x(point.timeMs).toFixed(1)},${y(point.perSecond).toFixed(1)}`).join(" ");
    const polyline = svg("polyline", { points, stroke: color(line.name) });
    polyline.append(svg("title", {}, line.name));
    children.push(polyline);
  }
  $("chart").replaceChildren(...children);
  $("legend").replaceChildren(
    ...series.map((line) => {
      const swatch = el("span", undefined, { class: "swatch" });
      swatch.style.backgroundColor = color(line.name);
      const item = el("li");
      item.append(swatch, document.createTextNode(line.name));
      return item;
    }),
  );
}

function renderSummary(summary, readiness) {
  const ready = $("ready");
  ready.dataset.ready = String(readiness.ready);
  ready.textContent = readiness.ready ? "ready" : "not ready";
  $("ready-reason").textContent = readiness.ready ? "" : readiness.reason;
  const producer = $("producer");
  producer.dataset.state = summary.producerState ?? "unknown";
  producer.textContent = summary.producerState ?? "unknown";
  $("in-flight").textContent = integer(summary.totals.inFlight);
  $("in-flight-bytes").textContent = bytes(summary.totals.inFlightBytes);
  $("oldest").textContent = seconds(summary.totals.oldestSeconds);
  $("produced").textContent = integer(summary.totals.produced);
  $("updated").textContent = `updated ${new Date().toLocaleTimeString("en-GB")}`;
}

function showProblem(text) {
  const problem = $("problem");
  problem.hidden = text === undefined;
  problem.textContent = text ?? "";
}

async function readiness() {
  const response = await fetch("/readyz", { cache: "no-store" });
  const text = (await response.text()).trim();
  return { ready: response.ok, reason: text.replace(/^not ready: /, "") };
}

async function poll() {
  try {
    const response = await fetch("/metrics", { cache: "no-store" });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    const [text, ready] = await Promise.all([response.text(), readiness()]);
    const summary = summarize(parsePrometheusText(text).samples);
    history.add(Date.now(), summary);
    renderSummary(summary, ready);
    renderSources(summary);
    renderErrors(summary);
    renderChart();
    showProblem(undefined);
  } catch (error) {
    showProblem(
      `Cannot read the bridge's metrics (${error instanceof Error ? error.message : String(error)}); retrying every ${POLL_MS / 1000} s.`,
    );
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

async function loadConfig() {
  try {
    const response = await fetch("/config", { cache: "no-store" });
    if (!response.ok) throw new Error(`/config answered ${response.status}`);
    $("config").textContent = JSON.stringify(await response.json(), null, 2);
  } catch (error) {
    $("config").textContent = `cannot read /config: ${error instanceof Error ? error.message : String(error)}`;
  }
}

void loadConfig();
void poll();
