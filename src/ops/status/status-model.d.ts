// Types of status-model.js (a plain browser module, served as is by the ops server).
import type { PrometheusSample } from "./prometheus-text.js";

export const ALL_SOURCES: string;

export interface SourceRow {
  readonly name: string;
  /** The current state ("failing"), or the states of an overflow series ("failing ×2, subscribed ×5"). */
  readonly state: string | undefined;
  readonly states: readonly { state: string; count: number }[];
  readonly received?: number;
  readonly acked?: number;
  readonly nacked?: number;
  readonly inFlight?: number;
  readonly oldestSeconds?: number;
  readonly leaseExtensions?: number;
  readonly redeliveries?: number;
  readonly backlog?: number;
}

export interface StatusSummary {
  readonly sources: readonly SourceRow[];
  readonly deadLetters: readonly { source: string; stage: string; errorClass: string; count: number }[];
  readonly retries: readonly { stage: string; count: number }[];
  readonly unexpected: readonly { stage: string; count: number }[];
  readonly decryptFailures: readonly { tenant: string; count: number }[];
  readonly totals: {
    readonly inFlight: number | undefined;
    readonly inFlightBytes: number | undefined;
    readonly produced: number | undefined;
    readonly skipped: number;
    readonly deadLetterRefused: number;
    readonly sourcesOverflowed: number;
    readonly oldestSeconds: number | undefined;
  };
  readonly producerState: string | undefined;
  readonly ready: boolean | undefined;
}

export function summarize(samples: readonly PrometheusSample[]): StatusSummary;
export function isFailing(row: SourceRow): boolean;
export function sourceKind(name: string): string;

export class History {
  constructor(windowMs?: number, maxEntries?: number);
  readonly entries: { timeMs: number; summary: StatusSummary; byName: Map<string, SourceRow> }[];
  add(timeMs: number, summary: StatusSummary): void;
  sourceNames(): string[];
  rates(source: string, field: string): { timeMs: number; perSecond: number }[];
  recentRate(source: string, field: string, spanMs?: number): number | undefined;
}

export function chartLines(
  history: History,
  field: string,
  max?: number,
): { name: string; points: { timeMs: number; perSecond: number }[] }[];
