// What /readyz answers, and why. Not ready while starting or stopping, while the schema
// registry check has not passed, while Kafka has not answered for longer than the producer's
// request timeout, and while every source (queue, subscription) is failing. Each condition is
// read when asked, so readiness comes back by itself once the cause is gone.
import type { HealthState } from "./http.ts";
import type { SourceMeter } from "./source-metrics.ts";

export type Phase = "starting" | "running" | "stopping";

export interface KafkaReachability {
  unreachableForMs(nowMs: number): number;
  readonly lastError: string | undefined;
}

/** Sources named in the reason before "and N more". */
const NAMED_SOURCES = 5;

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

export class Readiness implements HealthState {
  #phase: Phase = "starting";
  #starting = "checking schemas and topics";
  #registry: { readonly passed: boolean; readonly error?: string } = { passed: false };
  #kafka: { readonly health: KafkaReachability; readonly timeoutMs: number } | undefined;
  #sources: () => Iterable<SourceMeter> = () => [];
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Start-up progress, said while starting. */
  starting(step: string): void {
    this.#starting = step;
  }
  running(): void {
    this.#phase = "running";
  }
  stopping(): void {
    this.#phase = "stopping";
  }
  registryFailed(error: string): void {
    this.#registry = { passed: false, error };
  }
  registryPassed(): void {
    this.#registry = { passed: true };
  }
  watchKafka(health: KafkaReachability, timeoutMs: number): void {
    this.#kafka = { health, timeoutMs };
  }
  watchSources(sources: () => Iterable<SourceMeter>): void {
    this.#sources = sources;
  }

  ready(): boolean {
    return this.reasons().length === 0;
  }

  get reason(): string {
    return this.reasons().join("; ");
  }

  /** Every reason it is not ready (none: ready). */
  reasons(): string[] {
    if (this.#phase === "stopping") return ["shutting down"];
    const reasons: string[] = [];
    const registry = this.#registry;
    if (!registry.passed && registry.error !== undefined) reasons.push(`registry check not passed: ${registry.error}`);
    if (this.#phase === "starting") return reasons.length > 0 ? reasons : [`starting: ${this.#starting}`];
    const kafka = this.#kafka;
    if (kafka !== undefined) {
      const downMs = kafka.health.unreachableForMs(this.#now());
      if (downMs > kafka.timeoutMs) {
        const why = kafka.health.lastError === undefined ? "" : `: ${kafka.health.lastError}`;
        reasons.push(`kafka unreachable for ${seconds(downMs)} (producer timeout ${seconds(kafka.timeoutMs)})${why}`);
      }
    }
    const failing = this.#allFailing();
    if (failing !== undefined) reasons.push(failing);
    return reasons;
  }

  #allFailing(): string | undefined {
    const failing: SourceMeter[] = [];
    for (const meter of this.#sources()) {
      if (meter.state === "removed") continue;
      if (meter.state !== "failing") return undefined;
      failing.push(meter);
    }
    if (failing.length === 0) return undefined;
    const named = failing.slice(0, NAMED_SOURCES).map((meter) => `${meter.id} (${meter.failure ?? "error"})`);
    const more = failing.length > NAMED_SOURCES ? ` and ${failing.length - NAMED_SOURCES} more` : "";
    return `all ${failing.length} source${failing.length === 1 ? "" : "s"} failing: ${named.join(", ")}${more}`;
  }
}
