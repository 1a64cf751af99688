// What a start-up probe of a source found: one entry per queue, subscription or discovery rule.
// The bridge refuses to start on any problem; `meshbridge check` prints every entry.

export interface ProbeResult {
  /** What was probed, e.g. "sqs queue https://…/q" or "pubsub subscription projects/p/subscriptions/s". */
  readonly subject: string;
  /** Undefined when fine; otherwise what is wrong, in words. */
  readonly problem?: string;
  /** A short note on success (e.g. "12 subscriptions listed"). */
  readonly detail?: string;
}

/** Throws one Error listing every problem of the probe (start-up refusal), or returns. */
export function assertProbesPassed(results: readonly ProbeResult[]): void {
  const failed = results.filter((result) => result.problem !== undefined);
  if (failed.length === 0) return;
  throw new Error(failed.map((result) => `${result.subject}: ${result.problem}`).join("\n"));
}

/** An error's name and first line, for a probe's problem text (never a payload). */
export function describeProbeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // A client that tried several brokers or addresses: the first reason says enough.
  const first = error instanceof AggregateError ? (error.errors[0] as unknown) : undefined;
  if (first !== undefined) return `${error.message.replace(/\.$/, "")}: ${describeProbeError(first)}`;
  const message = (error.message.split("\n")[0] ?? "").replaceAll("\r", "");
  return error.name === "Error" || message.startsWith(error.name) ? message : `${error.name}: ${message}`;
}
