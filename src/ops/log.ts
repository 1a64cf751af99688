// Structured JSON logs through pino, one object per physical line, on stderr (asynchronous; flushed
// on exit). Callers pass identifiers and counts, never payloads or keys; redaction and the error
// serializer are the safety net. See docs/decisions/0009.
import { type DestinationStream, type Logger as PinoLogger, pino } from "pino";
import { serializeError } from "./log-error.ts";
import { jsonLineEscape } from "./log-escape.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Errors are recorded by `serializeError` (name, stage, code; never cause or data). */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | Error>>;

export interface Logger {
  /** Whether debug lines are written: callers skip building their fields otherwise. */
  readonly debugEnabled: boolean;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/**
 * Field names whose values are replaced, wherever a caller slips one in. Top-level only: fields
 * are flat (errors become the serializer's fixed shape), and a wildcard path costs ~5 µs a line.
 */
export const redactedPaths: readonly string[] = [
  "password",
  "passphrase",
  "secret",
  "secretAccessKey",
  "token",
  "accessToken",
  "apiKey",
  "api_key",
  "authorization",
  "key",
  "dataKey",
  "privateKey",
  "plaintext",
  "payload",
  "body",
];

let stderr: (DestinationStream & { flushSync(): void }) | undefined;

/**
 * One asynchronous stderr stream for all loggers; pino flushes it synchronously at exit.
 * sonic-boom measures the whole pending chunk (Buffer.byteLength) on every write, so a line costs
 * CPU in proportion to `maxWrite` during a burst: ~4.7 µs at the default 16 KiB, ~0.7 µs at 1 KiB
 * (docs/decisions/0009).
 */
function stderrStream(): DestinationStream & { flushSync(): void } {
  stderr ??= pino.destination({ dest: 2, sync: false, maxWrite: 1024 });
  return stderr;
}

/** Writes out what the asynchronous stderr stream still holds; call before `process.exit`. */
export function flushLogs(): void {
  stderr?.flushSync();
}

/** Any Error value under any field goes through the serializer; other values pass unchanged. */
function withErrorsSerialized(fields: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    if (value instanceof Error) {
      copy ??= { ...fields };
      copy[key] = serializeError(value);
    }
  }
  return copy ?? fields;
}

function options(level: LogLevel, base: LogFields): pino.LoggerOptions {
  return {
    level,
    base: withErrorsSerialized(base),
    messageKey: "msg",
    timestamp: pino.stdTimeFunctions.isoTime,
    // The log formatter runs before pino's serializers and covers every key, not only `err`.
    formatters: { level: (label) => ({ level: label }), log: withErrorsSerialized },
    // pino's default `err` serializer would copy every enumerable property (`data`, …) again.
    serializers: { err: (value: unknown) => value },
    redact: { paths: [...redactedPaths], censor: "[redacted]" },
    hooks: { streamWrite: jsonLineEscape },
  };
}

class PinoBackedLogger implements Logger {
  readonly #pino: PinoLogger;
  constructor(logger: PinoLogger) {
    this.#pino = logger;
  }
  get debugEnabled(): boolean {
    return this.#pino.isLevelEnabled("debug");
  }
  debug(message: string, fields?: LogFields): void {
    if (fields === undefined) this.#pino.debug(message);
    else this.#pino.debug(fields, message);
  }
  info(message: string, fields?: LogFields): void {
    if (fields === undefined) this.#pino.info(message);
    else this.#pino.info(fields, message);
  }
  warn(message: string, fields?: LogFields): void {
    if (fields === undefined) this.#pino.warn(message);
    else this.#pino.warn(fields, message);
  }
  error(message: string, fields?: LogFields): void {
    if (fields === undefined) this.#pino.error(message);
    else this.#pino.error(fields, message);
  }
  child(fields: LogFields): Logger {
    return new PinoBackedLogger(this.#pino.child(withErrorsSerialized(fields)));
  }
}

/**
 * A logger at `level` with `base` fields on every line. `write` receives each line (newline
 * included) synchronously, for tests; without it lines go to stderr asynchronously.
 */
export function createLogger(level: LogLevel = "info", base: LogFields = {}, write?: (line: string) => void): Logger {
  const destination: DestinationStream = write === undefined ? stderrStream() : { write };
  return new PinoBackedLogger(pino(options(level, base), destination));
}

export const silentLogger: Logger = new PinoBackedLogger(pino({ level: "silent" }));
