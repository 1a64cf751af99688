// Structured JSON logs, one line per event, on stderr. Values are flattened to single lines
// (log injection) and callers pass only identifiers and counts, never payloads or keys.

export type LogLevel = "debug" | "info" | "warn" | "error";
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  /** Whether debug lines are written: callers skip building their fields otherwise. */
  readonly debugEnabled: boolean;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const singleLine = (value: string): string => value.replace(/[\r\n]+/g, " ");

export function createLogger(
  level: LogLevel = "info",
  base: LogFields = {},
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const threshold = rank[level];
  const emit = (at: LogLevel, message: string, fields?: LogFields): void => {
    if (rank[at] < threshold) return;
    const entry: Record<string, string | number | boolean> = {
      time: new Date().toISOString(),
      level: at,
      msg: singleLine(message),
    };
    for (const source of [base, fields]) {
      if (source === undefined) continue;
      for (const [key, value] of Object.entries(source)) {
        if (value !== undefined) entry[key] = typeof value === "string" ? singleLine(value) : value;
      }
    }
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debugEnabled: threshold <= rank.debug,
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }, write),
  };
}

export const silentLogger: Logger = createLogger("error", {}, () => {});
