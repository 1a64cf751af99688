// End-to-end test fixtures: an isolated deployment (own topic prefix, subjects, DLQ, legacy
// world), the bridge as a real child process (`meshbridge run`), and a reader that decodes
// what reached Kafka through the registry.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary, type Message, toJson } from "@bufbuild/protobuf";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { registerCatalogSchemas } from "../../src/cli/commands/schemas.ts";
import { simulateProvision } from "../../src/cli/commands/simulate.ts";
import { createBridgeTopics } from "../../src/cli/commands/topics.ts";
import { deployedCatalog } from "../../src/cli/deployed-catalog.ts";
import { openRecordReader, type ReadRecord } from "../../src/ops/kafka-reader.ts";
import { canonicalProto } from "../../src/schema/proto-canonical.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import type { Topology } from "../../src/simulator/aws-world.ts";
import type { WorldFile } from "../../src/simulator/world.ts";
import { ensureTopics } from "../../src/sink/topics.ts";
import { readFrame } from "../fixtures/schema/decode-frame.ts";

export const localAws = {
  region: "us-east-1",
  endpoint: meshEndpoints.awsEndpoint,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
} as const;

export interface Deployment {
  readonly prefix: string;
  readonly deadLetterTopic: string;
  readonly directory: string;
}

/** Topics and subjects of our own: nothing another test (or a rerun) wrote is ever read. */
export async function isolatedDeployment(
  label: string,
  partitions = 3,
  /** Topic configuration by catalog topic name (unprefixed), e.g. a small max.message.bytes. */
  topicConfig: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): Promise<Deployment> {
  const prefix = `${label}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}.`;
  const deadLetterTopic = `${prefix}dlq`;
  const directory = join(repoRoot, ".cache", "test-runs", prefix.slice(0, -1));
  mkdirSync(directory, { recursive: true });
  const special = Object.entries(topicConfig).map(([name, config]) => ({ name: `${prefix}${name}`, partitions, config }));
  if (special.length > 0) await ensureTopics([meshEndpoints.kafkaBootstrap], special);
  await registerCatalogSchemas(meshEndpoints.registryUrl, () => {}, prefix);
  await createBridgeTopics([meshEndpoints.kafkaBootstrap], deadLetterTopic, partitions, () => {}, prefix);
  return { prefix, deadLetterTopic, directory };
}

export function provisionSqsWorld(
  deployment: Deployment,
  tenants: number,
  options: { topology?: Topology; keys?: "static" | "aws-kms"; visibilityTimeoutSeconds?: number } = {},
): Promise<WorldFile> {
  return simulateProvision({
    aws: localAws,
    name: deployment.prefix.slice(0, -1).replaceAll(".", "-"),
    tenants,
    keyVersions: 2,
    topology: options.topology ?? "per-tenant",
    keys: options.keys ?? "static",
    directory: deployment.directory,
  });
}

export function bridgeConfig(
  deployment: Deployment,
  world: WorldFile,
  sqs: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    kafka: {
      bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
      deadLetterTopic: deployment.deadLetterTopic,
      topicPrefix: deployment.prefix,
    },
    registry: { url: meshEndpoints.registryUrl },
    aws: { region: localAws.region, endpoint: localAws.endpoint },
    keys:
      world.keys.provider === "static"
        ? { provider: "static", file: world.keys.bridgeKeyFile }
        : { provider: "aws-kms", file: world.keys.bridgeKeyFile },
    sources: { sqs: [{ queueUrl: world.aws.queueUrl, ...sqs }] },
    http: { port: 0, host: "127.0.0.1" },
    log: { level: "info" },
    shutdownGraceSeconds: 10,
  };
}

export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly opsPort: number;
  /** Every log line the bridge wrote (JSON), for assertions about what it said. */
  readonly logs: string[];
  metric(name: string): Promise<number>;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no goodbye, no flush. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/** Runs `meshbridge run` in a child process and waits until it reports running. */
export async function startBridgeProcess(
  deployment: Deployment,
  config: Record<string, unknown>,
  label = "bridge",
): Promise<BridgeProcess> {
  const configFile = join(deployment.directory, `${label}-${Date.now()}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawn(process.execPath, [join(repoRoot, "src", "cli", "main.ts"), "run", "--config", configFile], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    stdio: ["ignore", "inherit", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const opsPort = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    lines.on("line", (line) => {
      logs.push(line);
      if (line.includes('"bridge running"')) resolve(Number(JSON.parse(line).opsPort));
    });
    void exited.then((code) => reject(new Error(`bridge exited with ${code} before running:\n${logs.slice(-10).join("\n")}`)));
    setTimeout(() => reject(new Error(`bridge not running after 60 s:\n${logs.slice(-10).join("\n")}`)), 60_000).unref();
  });
  return {
    child,
    opsPort,
    logs,
    exited,
    async metric(name: string) {
      const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
      let total = 0;
      for (const line of text.split("\n"))
        if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.split(" ").pop());
      return total;
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
}

export interface DecodedCatalogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly schemaId: number;
  /** The decoded message as canonical proto3 JSON. */
  readonly json: unknown;
}

/**
 * Reads our deployment's catalog topics and DLQ from the beginning until `done` says so or the
 * time is up. Catalog values are decoded through the registry, with a frame reader written
 * independently of src/schema: the schema id must name the subject's registered schema.
 */
export async function collectRecords(
  deployment: Deployment,
  done: (catalog: readonly DecodedCatalogRecord[], deadLetters: readonly ReadRecord[]) => boolean,
  timeoutMs: number,
): Promise<{ catalog: DecodedCatalogRecord[]; deadLetters: ReadRecord[] }> {
  const entries = deployedCatalog(deployment.prefix);
  const byTopic = new Map(entries.map((entry) => [entry.topic, entry]));
  const registry = new RegistryClient({ url: meshEndpoints.registryUrl });
  const verified = new Map<number, string>();
  const reader = await openRecordReader({
    bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
    topics: [...byTopic.keys(), deployment.deadLetterTopic],
    groupId: `${deployment.prefix}reader-${randomBytes(3).toString("hex")}`,
    from: "earliest",
  });
  const catalog: DecodedCatalogRecord[] = [];
  const deadLetters: ReadRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  const timer = setInterval(() => {
    if (Date.now() > deadline || done(catalog, deadLetters)) void reader.stream.close();
  }, 250);
  try {
    for await (const record of reader.stream) {
      if (record.topic === deployment.deadLetterTopic) {
        deadLetters.push(record);
        continue;
      }
      const entry = byTopic.get(record.topic);
      if (entry === undefined) throw new Error(`record from unexpected topic ${record.topic}`);
      const frame = readFrame(record.value);
      if (verified.get(frame.schemaId) !== record.topic) {
        const registered = await registry.getById(frame.schemaId);
        const latest = await registry.getLatest(entry.subject);
        if (registered === undefined || latest?.id !== frame.schemaId) {
          throw new Error(`record on ${record.topic} carries schema id ${frame.schemaId}, not the latest of ${entry.subject}`);
        }
        if (canonicalProto(registered.schema) !== canonicalProto(readFileSync(entry.protoPath, "utf8"))) {
          throw new Error(`schema ${frame.schemaId} differs from the catalog's ${entry.protoPath}`);
        }
        verified.set(frame.schemaId, record.topic);
      }
      if (frame.messageIndexes.length !== 1 || frame.messageIndexes[0] !== 0) throw new Error("unexpected message index");
      const message: Message = fromBinary(entry.schema, frame.body);
      catalog.push({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key,
        headers: record.headers,
        schemaId: frame.schemaId,
        json: toJson(entry.schema, message),
      });
    }
  } finally {
    clearInterval(timer);
    await reader.close();
  }
  return { catalog, deadLetters };
}

export async function waitFor(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}
