// The benchmark's hold on the local mesh: a legacy world of its own (unique queue and SNS
// topics), the catalog under a prefix of its own (topics and subjects "mbbench.…", so runs never
// mix with the tests' records), a publisher that remembers when each event was accepted, and the
// bridge as a child process whose CPU and memory are read from /proc.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { catalogTopics, demoCatalogModule } from "../catalog/index.ts";
import { cacheDir, meshEndpoints, repoRoot } from "../infra/stack/ports.ts";
import { registerCatalogSchemas } from "../src/cli/commands/schemas.ts";
import { createBridgeTopics } from "../src/cli/commands/topics.ts";
import { deployedCatalog } from "../src/cli/deployed-catalog.ts";
import { type AwsClientConfig, createSqsClient } from "../src/sources/aws-clients.ts";
import { createSnsClient } from "../tools/local-mesh/sns-client.ts";
import type { SealedEvent } from "../tools/simulator/legacy-stream.ts";
import { legacyStream } from "../tools/simulator/legacy-stream.ts";
import { publishToSns } from "../tools/simulator/publish-sns.ts";
import { writeToQueue } from "../tools/simulator/publish-sqs.ts";
import { simulateProvision } from "../tools/simulator/simulate.ts";
import { sealKeys, type WorldFile } from "../tools/simulator/world.ts";

/** Topic/subject prefix of everything the benchmark's bridges write. */
export const BENCH_PREFIX = "mbbench.";
export const BENCH_DLQ = `${BENCH_PREFIX}meshbridge.dlq`;
export const BENCH_DIR = join(cacheDir, "bench");
export const RESULTS_DIR = join(repoRoot, "bench", "results");

export const aws: AwsClientConfig = {
  region: "us-east-1",
  endpoint: meshEndpoints.awsEndpoint,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};

/** SQS at speed: ElasticMQ (moto serves tens of messages per second; it stays for SNS and KMS only). */
export const sqsAws: AwsClientConfig = { ...aws, endpoint: meshEndpoints.sqsEndpoint };

/** Which SQS server the SQS runs read (reported as e2e.sqs.server). */
export const SQS_SERVER = `ElasticMQ (${meshEndpoints.sqsEndpoint})`;

export const benchTopics = (): string[] => deployedCatalog(catalogTopics, BENCH_PREFIX).map((entry) => entry.topic);

/** Idempotent: the prefixed catalog subjects and topics (6 partitions) and the bench DLQ. */
export async function prepareCatalog(): Promise<void> {
  await registerCatalogSchemas(catalogTopics, meshEndpoints.registryUrl, () => {}, BENCH_PREFIX);
  await createBridgeTopics(catalogTopics, [meshEndpoints.kafkaBootstrap], BENCH_DLQ, 6, () => {}, BENCH_PREFIX);
}

export async function provisionBenchWorld(name: string, tenants: number): Promise<WorldFile> {
  // The queue on ElasticMQ, written to directly in the form SNS would deliver (half the topics raw).
  return simulateProvision({
    aws,
    sqsAws,
    delivery: "direct",
    name,
    tenants,
    keyVersions: 2,
    topology: "per-tenant",
    keys: "static",
    directory: BENCH_DIR,
  });
}

export interface PublishPlan {
  readonly count: number;
  /** Events per second; 0 = as fast as possible (pre-filling a queue). */
  readonly rate: number;
  readonly seed: number;
  /** First sequence number: successive phases of one world use disjoint event ids. */
  readonly firstSequence: number;
  readonly targetBytes: number;
  /** Stop offering events after this many ms (what was offered is still sent). */
  readonly maxMs: number;
  readonly concurrency: number;
  /** Called with each event the queue (or SNS) accepted and the time it did (epoch ms). */
  readonly onPublished?: (event: SealedEvent, publishedAtMs: number) => void;
}

export interface PublishOutcome {
  readonly published: number;
  readonly seconds: number;
  /** Events per second actually offered (open loop: should match the plan's rate). */
  readonly achievedRate: number;
  readonly cutShort: boolean;
}

/**
 * Publishes through the simulator: straight to the queue for a "direct" world (SendMessageBatch
 * of 10, as SNS would deliver), else through its SNS publisher (the legacy backend's path).
 */
export async function publish(world: WorldFile, plan: PublishPlan): Promise<PublishOutcome> {
  const direct = world.aws.delivery === "direct";
  const client = direct
    ? createSqsClient({ ...sqsAws, maxSockets: Math.max(64, plan.concurrency) })
    : createSnsClient({ ...aws, maxSockets: Math.max(64, plan.concurrency) });
  const started = performance.now();
  const deadline = started + plan.maxMs;
  let cutShort = false;
  const all = legacyStream({
    tenants: world.tenants,
    keyVersions: world.keyVersions,
    count: plan.firstSequence + plan.count,
    seed: plan.seed,
    targetBytes: plan.targetBytes,
    keyFor: sealKeys(world),
  });
  function* offered(): Generator<SealedEvent> {
    let sequence = 0;
    for (const event of all) {
      if (sequence++ < plan.firstSequence) continue;
      if (performance.now() > deadline) {
        cutShort = true;
        return;
      }
      yield event;
    }
  }
  try {
    const onPublished = plan.onPublished;
    const published =
      client instanceof SQSClient
        ? await writeToQueue(client, world.aws, offered(), {
            rate: plan.rate,
            concurrency: plan.concurrency,
            ...(onPublished === undefined ? {} : { onSent: (event, _id, at) => onPublished(event, at) }),
          })
        : await publishToSns(client, world.aws, offered(), {
            rate: plan.rate,
            concurrency: plan.concurrency,
            onPublished,
          });
    const seconds = (performance.now() - started) / 1000;
    return { published, seconds, achievedRate: published / seconds, cutShort };
  } finally {
    client.destroy();
  }
}

/** Visible + in flight + delayed messages of a queue (approximate, as SQS says). */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  const a = result.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

// ------------------------------------------------------------------ the bridge as a child process

export interface BridgeChildOptions {
  readonly label: string;
  readonly keyFile: string;
  /** SQS source: the queue and its receivers (omit for a Pub/Sub-only bridge). */
  readonly queueUrl?: string;
  readonly receivers?: number;
  /** `sources.pubsub` exactly as in the config file (see src/cli/config.ts). */
  readonly pubsub?: Readonly<Record<string, unknown>>;
  /** `budget` exactly as in the config file (default: the bridge's). */
  readonly budget?: Readonly<Record<string, unknown>>;
  /** Directory for a V8 CPU profile (--cpu-prof), written when the child exits. */
  readonly cpuProfileDir?: string;
}

export interface ProcSample {
  /** utime + stime of the process, in µs. */
  readonly cpuUs: number;
  readonly rssMB: number;
  /** Peak resident set (VmHWM) so far. */
  readonly peakRssMB: number;
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU and memory of a process from /proc (the child's own numbers, not the bench's). */
export function readProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the ")" of the command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { cpuUs: (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND, rssMB: kb("VmRSS") / 1024, peakRssMB: kb("VmHWM") / 1024 };
}

/** Open file descriptors that are sockets (for the subscription-scale measurement). */
export function countSockets(pid: number): number {
  let sockets = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:")) sockets++;
    } catch {
      // closed meanwhile
    }
  }
  return sockets;
}

export interface BridgeMetricsSample {
  readonly received: number;
  /** Source messages received and not yet settled (gauge). */
  readonly inFlight: number;
  readonly acked: number;
  readonly produced: number;
  readonly deadLettered: number;
  readonly nacked: number;
  readonly retries: number;
  /** Cumulative bucket counts of meshbridge_publish_to_ack_seconds, by upper bound (s). */
  readonly latencyBuckets: ReadonlyMap<number, number>;
}

export class BridgeChild {
  readonly label: string;
  readonly process: ChildProcess;
  readonly configFile: string;
  #opsPort: number | undefined;
  #stderrTail = "";
  #startupLog = "";
  #exited: Promise<number | null>;

  private constructor(label: string, child: ChildProcess, configFile: string) {
    this.label = label;
    this.process = child;
    this.configFile = configFile;
    this.#exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-4000);
      if (this.#startupLog.length < 16_000) this.#startupLog += chunk;
      if (this.#opsPort === undefined) {
        const match = /"opsPort":(\d+)/.exec(this.#stderrTail);
        if (match !== null) this.#opsPort = Number(match[1]);
      }
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** Spawns `node src/cli/main.ts run --config FILE` and waits until /readyz says ready. */
  static async start(options: BridgeChildOptions, timeoutMs = 60_000): Promise<BridgeChild> {
    const config = {
      catalog: { module: demoCatalogModule },
      kafka: { bootstrapBrokers: [meshEndpoints.kafkaBootstrap], deadLetterTopic: BENCH_DLQ, topicPrefix: BENCH_PREFIX },
      registry: { url: meshEndpoints.registryUrl },
      // SQS on ElasticMQ; static keys, so the bridge never calls KMS.
      aws: { region: sqsAws.region, endpoint: sqsAws.endpoint },
      keys: { provider: "static", file: options.keyFile },
      sources: {
        sqs:
          options.queueUrl === undefined
            ? []
            : [
                {
                  queueUrl: options.queueUrl,
                  receivers: options.receivers ?? 8,
                  waitTimeSeconds: 2,
                  visibilityTimeoutSeconds: 60,
                },
              ],
        ...(options.pubsub === undefined ? {} : { pubsub: options.pubsub }),
      },
      ...(options.budget === undefined ? {} : { budget: options.budget }),
      http: { port: 0, host: "127.0.0.1" },
      log: { level: "info" },
      shutdownGraceSeconds: 10,
    };
    const configFile = join(BENCH_DIR, `${options.label}.bridge.json`);
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const profile =
      options.cpuProfileDir === undefined
        ? []
        : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${options.label}.cpuprofile`];
    const child = spawn(process.execPath, [...profile, join(repoRoot, "src/cli/main.ts"), "run", "--config", configFile], {
      cwd: repoRoot,
      env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const bridge = new BridgeChild(options.label, child, configFile);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`bridge ${options.label} exited ${child.exitCode}: ${bridge.#stderrTail}`);
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`bridge ${options.label} not ready within ${timeoutMs} ms: ${bridge.#stderrTail}`);
      }
      if (bridge.#opsPort !== undefined) {
        const ready = await fetch(`http://127.0.0.1:${bridge.#opsPort}/readyz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ready) return bridge;
      }
      await sleep(100);
    }
  }

  /** The /metrics page as text (process and bridge metrics). */
  async metricsText(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.#opsPort}/metrics`)).text();
  }

  async metrics(): Promise<BridgeMetricsSample> {
    const text = await (await fetch(`http://127.0.0.1:${this.#opsPort}/metrics`)).text();
    return parseMetrics(text);
  }

  proc(): ProcSample {
    return readProc(this.pid);
  }

  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** The first 16 kB of the bridge's log (start-up lines). */
  get startupLog(): string {
    return this.#startupLog;
  }

  /** SIGTERM (graceful: writes the CPU profile, if any); SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<number | null> {
    if (this.process.exitCode !== null) return this.process.exitCode;
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    const code = await this.#exited;
    clearTimeout(timer);
    return code;
  }
}

export function parseMetrics(text: string): BridgeMetricsSample {
  const counter = (name: string): number => {
    let total = 0;
    for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))) total += Number(match[1]);
    return total;
  };
  const latencyBuckets = new Map<number, number>();
  for (const match of text.matchAll(/^meshbridge_publish_to_ack_seconds_bucket\{(?:[^}]*,)?le="([^"]+)"\} (\S+)$/gm)) {
    const bound = match[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(match[1]);
    latencyBuckets.set(bound, (latencyBuckets.get(bound) ?? 0) + Number(match[2]));
  }
  return {
    received: counter("meshbridge_source_messages_received_total"),
    inFlight: counter("meshbridge_in_flight_messages"),
    acked: counter("meshbridge_source_messages_acked_total"),
    produced: counter("meshbridge_kafka_records_produced_total"),
    deadLettered: counter("meshbridge_dead_lettered_total"),
    nacked: counter("meshbridge_source_messages_nacked_total"),
    retries: counter("meshbridge_transient_retries_total"),
    latencyBuckets,
  };
}

/**
 * A quantile from the difference of two cumulative histogram snapshots, interpolated linearly
 * inside its bucket (the Prometheus histogram_quantile rule). Seconds; undefined when empty.
 */
export function histogramQuantile(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  q: number,
): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i]!;
    const count = counts[i]!;
    if (count >= rank) {
      if (!Number.isFinite(bound)) return lowerBound; // beyond the last finite bucket: its bound
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}
