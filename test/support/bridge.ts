// The real bridge against a test deployment, in either of two ways: as a child process
// (`meshbridge run`, as deployed: signals, exit codes, logs, /metrics) or in this process
// (`startBridge`, for tests that read its metrics and budget directly while it runs).
import { type ChildProcess, type ChildProcessByStdio, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { demoCatalogModule } from "../../catalog/index.ts";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { type RunningBridge, startBridge } from "../../src/cli/bridge.ts";
import { parseConfig } from "../../src/cli/config.ts";
import { createLogger } from "../../src/ops/log.ts";
import type { PubSubWorldFile } from "../../tools/simulator/pubsub-world.ts";
import type { WorldFile } from "../../tools/simulator/world.ts";
import type { Deployment } from "./deployment.ts";
import { meshAwsConfig, meshPubSubProject } from "./mesh.ts";
import { worldAwsEndpoint } from "./worlds.ts";

export interface BridgeSettings {
  /** The `sources` section (see `sqsSource`, `pubsubSource`). */
  readonly sources: Record<string, unknown>;
  /** The bridge's key file (default: the world's). */
  readonly keyFile?: string;
  readonly budget?: { readonly maxMessages: number; readonly maxBytes?: number };
  readonly shutdownGraceSeconds?: number;
  /** "debug" logs the id of every source message received (see DeliveryLedger). */
  readonly logLevel?: "debug" | "info";
  /** The catalog module (default: the demo catalog, catalog/index.ts). */
  readonly catalogModule?: string;
}

/** A configuration file's content for the deployment, with the world's keys. */
export function bridgeConfig(
  deployment: Deployment,
  world: WorldFile | PubSubWorldFile,
  settings: BridgeSettings,
): Record<string, unknown> {
  return {
    catalog: { module: settings.catalogModule ?? demoCatalogModule },
    kafka: {
      bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
      deadLetterTopic: deployment.deadLetterTopic,
      topicPrefix: deployment.prefix,
    },
    registry: { url: meshEndpoints.registryUrl },
    aws: { region: meshAwsConfig.region, endpoint: "aws" in world ? worldAwsEndpoint(world) : meshAwsConfig.endpoint },
    keys: { provider: world.keys.provider, file: settings.keyFile ?? world.keys.bridgeKeyFile },
    sources: settings.sources,
    ...(settings.budget === undefined
      ? {}
      : { budget: { maxMessages: settings.budget.maxMessages, maxBytes: settings.budget.maxBytes ?? 64 * 1024 * 1024 } }),
    http: { port: 0, host: "127.0.0.1" },
    log: { level: settings.logLevel ?? "info" },
    shutdownGraceSeconds: settings.shutdownGraceSeconds ?? 10,
  };
}

/** The configuration of a bridge reading the world's SQS queue (with these source options). */
export function sqsBridgeConfig(
  deployment: Deployment,
  world: WorldFile,
  sqs: Record<string, unknown> = {},
  settings: Omit<BridgeSettings, "sources"> = {},
): Record<string, unknown> {
  return bridgeConfig(deployment, world, { ...settings, sources: sqsSource(world, sqs) });
}

/** The `sources` section for the world's SQS queue (plus source options). */
export function sqsSource(world: WorldFile, options: Record<string, unknown> = {}): Record<string, unknown> {
  return { sqs: [{ queueUrl: world.aws.queueUrl, ...options }] };
}

/** The Pub/Sub source options on the emulator (plus subscriptions or discovery, and tuning). */
export function pubsubSource(options: Record<string, unknown>): Record<string, unknown> {
  return { project: meshPubSubProject, emulatorHost: meshEndpoints.pubsubEmulatorHost, ...options };
}

// --- a child process ------------------------------------------------------------------------

export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly opsPort: number;
  /** Every log line the bridge wrote (JSON), for assertions about what it said. */
  readonly logs: string[];
  /** The sum of a metric's series on /metrics. */
  metric(name: string): Promise<number>;
  /** Polls /metrics until the metric reaches `atLeast`; rejects after `timeoutMs`. */
  waitForMetric(name: string, atLeast: number, timeoutMs: number): Promise<void>;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no goodbye, no flush. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

function spawnBridge(
  deployment: Deployment,
  config: Record<string, unknown>,
  label: string,
  stdout: "inherit" | "ignore" | "pipe",
): ChildProcessByStdio<null, Readable | null, Readable> {
  const configFile = join(deployment.directory, `${label}-${Date.now()}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const args = [join(repoRoot, "src", "cli", "main.ts"), "run", "--config", configFile];
  const env = { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };
  // Two calls: spawn's overloads type stdout by the literal given.
  const child =
    stdout === "pipe"
      ? spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(process.execPath, args, { env, stdio: ["ignore", stdout, "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/**
 * Bridge processes not yet exited. A test that fails before it stops its bridge would otherwise
 * leave it running after the test process ends, still consuming the queue (seen in a loaded CI
 * run): killed when the test process exits.
 */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * /metrics as text. A kept-alive connection the server closes just as the next scrape reuses it
 * fails that fetch ("other side closed", seen on a loaded machine): such a scrape is tried again
 * on a new connection, a few times.
 */
async function scrape(opsPort: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    } catch (error) {
      if (attempt >= 3 || !(error instanceof TypeError)) throw error;
      await sleep(100);
    }
  }
}

/** Runs `meshbridge run` in a child process and waits until it reports running. */
export async function startBridgeProcess(
  deployment: Deployment,
  config: Record<string, unknown>,
  label = "bridge",
): Promise<BridgeProcess> {
  const child = spawnBridge(deployment, config, label, "inherit");
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const opsPort = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      logs.push(line);
      if (line.includes('"bridge running"')) resolve(Number(JSON.parse(line).opsPort));
    });
    void exited.then((code) => reject(new Error(`bridge exited with ${code} before running:\n${logs.slice(-10).join("\n")}`)));
    setTimeout(() => reject(new Error(`bridge not running after 60 s:\n${logs.slice(-10).join("\n")}`)), 60_000).unref();
  });
  const metric = async (name: string): Promise<number> => {
    const text = await scrape(opsPort);
    let total = 0;
    for (const line of text.split("\n"))
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(" ").pop());
    return total;
  };
  const started: BridgeProcess = {
    child,
    opsPort,
    logs,
    exited,
    metric,
    async waitForMetric(name, atLeast, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while ((await metric(name)) < atLeast) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${name} >= ${atLeast}`);
        await sleep(200);
      }
    },
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
  const keys = config.keys as { file?: unknown } | undefined;
  const list = startedBridges.get(deployment.prefix) ?? [];
  list.push({ bridge: started, keyFile: typeof keys?.file === "string" ? keys.file : undefined });
  startedBridges.set(deployment.prefix, list);
  return started;
}

/**
 * Every bridge process a test started, by its deployment's prefix, with the key file it read:
 * their logs stay here after they exit, for the telemetry scans after a fault scenario.
 */
export const startedBridges = new Map<string, { readonly bridge: BridgeProcess; readonly keyFile: string | undefined }[]>();

export interface StartingBridge {
  readonly child: ChildProcess;
  /** Every log line so far (JSON). */
  readonly logs: string[];
  /** Resolves once a log line contains `text`; rejects after `timeoutMs` or when the bridge exits first. */
  waitForLog(text: string, timeoutMs: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Runs `meshbridge run` without waiting for it to run (a start-up that may never finish). */
export function spawnStartingBridge(deployment: Deployment, config: Record<string, unknown>, label = "starting"): StartingBridge {
  const child = spawnBridge(deployment, config, label, "ignore");
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  createInterface({ input: child.stderr }).on("line", (line) => logs.push(line));
  return {
    child,
    logs,
    exited,
    async waitForLog(text, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => {
        done = true;
      });
      while (!logs.some((line) => line.includes(text))) {
        if (done) throw new Error(`bridge exited before logging ${text}:\n${logs.slice(-10).join("\n")}`);
        if (Date.now() > deadline)
          throw new Error(`no log line with ${text} after ${timeoutMs} ms:\n${logs.slice(-10).join("\n")}`);
        await sleep(50);
      }
    },
  };
}

/** Runs `meshbridge run` to its exit (start-up failures end it with code 1); SIGKILL after 60 s. */
export function runBridgeToExit(
  deployment: Deployment,
  config: Record<string, unknown>,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawnBridge(deployment, config, "to-exit", "pipe");
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    }),
  );
}

// --- in this process ------------------------------------------------------------------------

export interface InProcessBridge {
  readonly bridge: RunningBridge;
  /** Log lines at warn and above (no error storms). */
  readonly warnings: string[];
  /** Log lines at error level. */
  errors(): string[];
}

/** Starts the bridge in this process, logging at warn and above into `warnings`. */
export async function startBridgeInProcess(config: Record<string, unknown>): Promise<InProcessBridge> {
  // An SQS source's client takes the SDK's credential chain (moto and ElasticMQ accept any).
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  const warnings: string[] = [];
  const log = createLogger("warn", { service: "meshbridge-test" }, (line) => warnings.push(line));
  const bridge = await startBridge(parseConfig(config, {}), log);
  return { bridge, warnings, errors: () => warnings.filter((line) => line.includes('"level":"error"')) };
}
