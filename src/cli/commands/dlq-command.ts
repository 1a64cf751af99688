// `meshbridge dlq inspect|replay`: the command-line side of ./dlq-inspect.ts and ./dlq-replay.ts.
import { createLogger, flushLogs } from "../../ops/log.ts";
import type { ParsedArgs } from "../command-line.ts";
import { numberOption, requiredOption, UsageError } from "../command-line.ts";
import { loadConfig } from "../config.ts";
import type { DlqConnection, DlqFilter } from "./dlq.ts";

const RELATIVE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** --since/--until: an ISO 8601 time, or a duration before now ("90m", "2h", "7d"). */
export function parseTime(raw: string | undefined, name: string, now = Date.now()): number | undefined {
  if (raw === undefined) return undefined;
  const relative = RELATIVE.exec(raw);
  if (relative !== null) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed) || !/^\d{4}-\d{2}-\d{2}/.test(raw)) {
    throw new UsageError(
      `--${name}: expected an ISO 8601 time (2026-12-01T10:00:00Z) or a duration ago (30m, 2h, 7d), got ${raw}`,
    );
  }
  return parsed;
}

export function filterOf(args: ParsedArgs): DlqFilter {
  const v = args.values;
  const sinceMs = parseTime(v.since, "since");
  const untilMs = parseTime(v.until, "until");
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs) {
    throw new UsageError(`--since ${v.since} is not before --until ${v.until}`);
  }
  return { stage: v.stage, errorClass: v["error-class"], tenant: v.tenant, source: v.source, sinceMs, untilMs };
}

function configOf(args: ParsedArgs, required: boolean) {
  const path = args.values.config ?? (required ? process.env.MB_CONFIG : undefined);
  if (path === undefined || path === "") {
    if (required) requiredOption(args, "config", "dlq replay (or MB_CONFIG)");
    return undefined;
  }
  const catalog = args.values.catalog;
  return loadConfig(path, catalog === undefined ? process.env : { ...process.env, MB_CATALOG: catalog });
}

export async function inspectCommand(args: ParsedArgs): Promise<void> {
  const config = configOf(args, false);
  let connection: DlqConnection;
  if (config === undefined) {
    connection = {
      bootstrapBrokers: requiredOption(args, "bootstrap", "dlq inspect").split(","),
      topic: args.values.topic!,
    };
  } else {
    const { dlqConnection } = await import("./dlq-replay.ts");
    connection = dlqConnection(config);
  }
  const { inspectDeadLetters, renderSummary, summaryJson } = await import("./dlq-inspect.ts");
  const summary = await inspectDeadLetters(connection, filterOf(args), numberOption(args, "samples"));
  console.log(args.values.json === "true" ? summaryJson(summary) : renderSummary(summary));
}

export async function replayCommand(args: ParsedArgs): Promise<void> {
  const config = configOf(args, true)!;
  const filter = filterOf(args);
  const { loadCatalogModule } = await import("../load-catalog.ts");
  const replay = await import("./dlq-replay.ts");
  const catalog = await loadCatalogModule(config.catalog.module);
  const group = args.values.group ?? replay.defaultReplayGroup(config, filter);
  const batchSize = numberOption(args, "batch");
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new UsageError(`--batch: expected a positive integer, got ${batchSize}`);
  // The pipeline logs every dead letter at warn: in a replay the summary counts them (and in a dry
  // run nothing is written), so only errors are logged unless the configuration asks for debug.
  const log = createLogger(config.log.level === "debug" ? "debug" : "error", { service: "meshbridge", command: "dlq replay" });
  const stop = new AbortController();
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(3);
    console.error("dlq replay: stopping after the batch in hand (a second signal exits at once)");
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const dryRun = args.values["dry-run"] === "true";
  console.error(`dlq replay: ${dryRun ? "dry run, " : ""}group ${group}, topic ${config.kafka.deadLetterTopic}`);
  try {
    const report = await replay.replayDeadLetters({
      config,
      catalog,
      filter,
      group,
      dryRun,
      batchSize,
      log,
      signal: stop.signal,
      progressEvery: numberOption(args, "progress-every"),
      onProgress: (progress) => console.error(replay.renderReplayProgress(progress)),
    });
    console.log(args.values.json === "true" ? JSON.stringify(report) : replay.renderReplayReport(report));
    process.exitCode = replay.replayExitCode(report);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    flushLogs();
  }
}
