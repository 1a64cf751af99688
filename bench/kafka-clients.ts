// Produce benchmark: @platformatic/kafka 2.x versus kafkajs 2.2.4 (and meshbridge's KafkaSink) on
// the same workload, against the local broker. Prints one JSON document. Run:
//   node bench/kafka-clients.ts [--runs 3] [--records 200000] [--only <regex on client/compression/...>]
//                               [--budget-seconds 900]   (configurations past the budget are skipped)
//
// Each (client, compression) run happens in a child process of its own so that CPU time and peak RSS
// belong to that client alone. The parent creates a fresh topic for each run, then consumes it back
// to check that nothing is missing, duplicated or out of order per key, and deletes it.
//
// Workload: RECORDS records of ~300 bytes, 16-byte keys (1,000 distinct), 6 partitions, acks=all,
// idempotent producer, sends of BATCH records, IN_FLIGHT sends outstanding.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpus, hostname } from "node:os";
import { Admin, Consumer, compatibilityPartitioner, createRecordsBatch, Producer } from "@platformatic/kafka";
import kafkajs from "kafkajs";
import { meshEndpoints } from "../infra/stack/ports.ts";
import { KafkaSink } from "../src/sink/kafka-sink.ts";
import { partitionForKey } from "../src/sink/murmur2.ts";
import type { KafkaCompression } from "../src/sink/options.ts";

const PARTITIONS = 6;
const KEY_COUNT = 1000;
const VALUE_BYTES = 300;
const CHILD_TIMEOUT_MS = 120_000;
const bootstrap = meshEndpoints.kafkaBootstrap;

type ClientName = "platformatic" | "kafkajs" | "meshbridge-sink";
interface RunConfig {
  client: ClientName;
  compression: string;
  batch: number;
  inFlight: number;
  /** platformatic only: "imul" = meshbridge's allocation-free murmur2, "stock" = the client's. */
  partitioner: "imul" | "stock" | "client-default";
}
interface ChildResult {
  records: number;
  failedRecords: number;
  errors: string[];
  seconds: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  baselineRssMB: number;
  peakRssMB: number;
  payloadBytes: number;
  producerId: string | undefined;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  return raw === undefined ? fallback : Number(raw);
}

// ---------------------------------------------------------------- child: one measured run
interface BenchRecord {
  key: Buffer;
  value: Buffer;
}

function makeRecords(count: number): BenchRecord[] {
  const keys: Buffer[] = [];
  for (let i = 0; i < KEY_COUNT; i++) keys.push(Buffer.from(`k${String(i).padStart(4, "0")}-${randomBytes(5).toString("hex")}`));
  const seqByKey = new Uint32Array(KEY_COUNT);
  const records: BenchRecord[] = [];
  const types = ["order.created", "order.paid", "order.shipped", "invoice.issued", "customer.updated"];
  for (let i = 0; i < count; i++) {
    const keyIndex = (i * 7919) % KEY_COUNT; // spread keys, deterministic
    const value = Buffer.alloc(VALUE_BYTES, 0x20);
    value.writeUInt32BE(keyIndex, 0);
    const seq = seqByKey[keyIndex] ?? 0;
    seqByKey[keyIndex] = seq + 1;
    value.writeUInt32BE(seq, 4);
    // Roughly what a mapped event looks like: some structure, some unique ids, some free text.
    const body = `{"type":"${types[i % types.length]}","id":"${randomBytes(16).toString("hex")}","tenant":"tenant-${keyIndex % 40}","amount":${(i * 37) % 100000},"currency":"EUR","note":"${randomBytes(45).toString("base64")}","source":"legacy-sqs","v":3}`;
    value.write(body, 8, "latin1");
    records.push({ key: keys[keyIndex] as Buffer, value });
  }
  return records;
}

async function runChild(config: RunConfig, topic: string, count: number): Promise<ChildResult> {
  const records = makeRecords(count);
  let payloadBytes = 0;
  for (const r of records) payloadBytes += r.key.length + r.value.length;
  const errors: string[] = [];
  let failedRecords = 0;

  let sendBatch: (batch: BenchRecord[]) => Promise<void>;
  let close: () => Promise<void>;
  let producerId: () => string | undefined;

  if (config.client === "meshbridge-sink") {
    // The sink built on the chosen client, as the pipeline will use it.
    const sink = new KafkaSink({
      bootstrapBrokers: [bootstrap],
      clientId: "bench-sink",
      compression: config.compression as KafkaCompression,
    });
    await sink.start([topic]);
    sendBatch = (batch) => sink.send(batch.map((r) => ({ topic, key: r.key, value: r.value })));
    close = () => sink.close();
    producerId = () => sink.producerId?.toString();
  } else if (config.client === "platformatic") {
    const partitioner =
      config.partitioner === "stock"
        ? compatibilityPartitioner
        : (_m: unknown, key: Buffer | undefined) => (key === undefined ? 0 : partitionForKey(key, PARTITIONS));
    const producer = new Producer({
      clientId: "bench-platformatic",
      bootstrapBrokers: [bootstrap],
      idempotent: true,
      acks: -1,
      retries: 5,
      compression: config.compression as "none",
      partitioner,
    });
    sendBatch = async (batch) => {
      const messages = batch.map((r) => ({ topic, key: r.key, value: r.value }));
      await producer.send({ messages });
    };
    close = () => producer.close();
    producerId = () => producer.producerId?.toString();
  } else {
    const { Kafka, logLevel, CompressionTypes } = kafkajs;
    const kafka = new Kafka({ clientId: "bench-kafkajs", brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: config.inFlight });
    await producer.connect();
    const compression = config.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
    sendBatch = async (batch) => {
      await producer.send({ topic, acks: -1, compression, messages: batch.map((r) => ({ key: r.key, value: r.value })) });
    };
    close = () => producer.disconnect();
    producerId = () => undefined; // kafkajs does not expose it; checked via the broker (see parent)
  }

  // Warm-up: connect, fetch metadata and the producer id outside the measured window.
  const warmKey = Buffer.from("warmup-000000000");
  await sendBatch([{ key: warmKey, value: Buffer.from("warmup") }]);

  const baselineRss = process.memoryUsage.rss();
  let peakRss = baselineRss;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
  }, 20);

  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  async function lane(): Promise<void> {
    while (next < records.length) {
      const batch = records.slice(next, next + config.batch);
      next += config.batch;
      try {
        await sendBatch(batch);
      } catch (error) {
        failedRecords += batch.length;
        if (errors.length < 5) errors.push(describe(error));
      }
    }
  }
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < config.inFlight; i++) lanes.push(lane());
  await Promise.all(lanes);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) peakRss = rss;
  const pid = producerId();
  await close();
  return {
    records: count,
    failedRecords,
    errors,
    seconds,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    baselineRssMB: baselineRss / 2 ** 20,
    peakRssMB: peakRss / 2 ** 20,
    payloadBytes,
    producerId: pid,
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parts = [`${error.name}: ${error.message}`];
  const nested = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(nested) && nested[0] !== undefined) parts.push(`<- ${describe(nested[0])}`);
  const apiId = (error as { apiId?: string; type?: string }).apiId ?? (error as { type?: string }).type;
  if (apiId !== undefined) parts.push(`[${apiId}]`);
  return parts.join(" ").slice(0, 400);
}

// ---------------------------------------------------------------- parent: orchestrate and verify
interface Verification {
  consumed: number;
  distinctKeysSplitAcrossPartitions: number;
  duplicates: number;
  missing: number;
  outOfOrder: number;
}

async function verify(topic: string, expectedPerKey: Map<number, number>): Promise<Verification> {
  const admin = new Admin({ clientId: "bench-verify", bootstrapBrokers: [bootstrap] });
  const offsets = await admin.listOffsets({
    topics: [{ name: topic, partitions: Array.from({ length: PARTITIONS }, (_, i) => ({ partitionIndex: i, timestamp: -1n })) }],
  });
  await admin.close();
  let total = 0n;
  for (const t of offsets) for (const p of t.partitions) total += p.offset;
  const consumer = new Consumer({
    clientId: "bench-verify",
    groupId: `bench-verify-${randomBytes(4).toString("hex")}`,
    bootstrapBrokers: [bootstrap],
    autocommit: false,
    maxWaitTime: 200,
  });
  const stream = await consumer.consume({ topics: [topic], mode: "earliest" });
  const lastSeq = new Map<number, number>();
  const partitionOf = new Map<number, number>();
  const seen = new Map<number, Set<number>>();
  let consumed = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let split = 0;
  const deadline = Date.now() + 60_000;
  for await (const message of stream) {
    consumed++;
    const value = message.value as Buffer;
    if (value.length === VALUE_BYTES) {
      const key = value.readUInt32BE(0);
      const seq = value.readUInt32BE(4);
      const p = partitionOf.get(key);
      if (p === undefined) partitionOf.set(key, message.partition);
      else if (p !== message.partition) split++;
      let s = seen.get(key);
      if (s === undefined) {
        s = new Set();
        seen.set(key, s);
      }
      if (s.has(seq)) duplicates++;
      else {
        s.add(seq);
        const last = lastSeq.get(key) ?? -1;
        if (seq < last) outOfOrder++;
        lastSeq.set(key, Math.max(last, seq));
      }
    }
    if (BigInt(consumed) >= total || Date.now() > deadline) break;
  }
  await stream.close();
  await consumer.close(true);
  let missing = 0;
  for (const [key, count] of expectedPerKey) missing += count - (seen.get(key)?.size ?? 0);
  return { consumed, distinctKeysSplitAcrossPartitions: split, duplicates, missing, outOfOrder };
}

function expectedCounts(count: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const k = (i * 7919) % KEY_COUNT;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Bytes on the wire for one partition's batch of ~83 records (500 records over 6 partitions). */
function compressionRatios(): Record<string, { bytes: number; ratio: number }> {
  const records = makeRecords(83);
  const messages = records.map((r) => ({
    topic: "t",
    partition: 0,
    key: r.key,
    value: r.value,
    headers: new Map<Buffer, Buffer>(),
  }));
  const out: Record<string, { bytes: number; ratio: number }> = {};
  const plain = createRecordsBatch(messages, {}).length;
  for (const compression of ["none", "lz4", "snappy", "zstd", "gzip"] as const) {
    const bytes = createRecordsBatch(messages, { compression }).length;
    out[compression] = { bytes, ratio: Math.round((plain / bytes) * 100) / 100 };
  }
  return out;
}

function runInChild(config: RunConfig, topic: string, count: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, "--child", JSON.stringify(config), topic, String(count)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) resolve(JSON.parse(line) as ChildResult);
      else reject(new Error(`child ${config.client}/${config.compression} exited ${code ?? signal}: ${out.slice(-500)}`));
    });
  });
}

function stats(values: number[]): { median: number; min: number; max: number; spreadPct: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const min = sorted[0] ?? Number.NaN;
  const max = sorted[sorted.length - 1] ?? Number.NaN;
  const round = (n: number) => Math.round(n * 100) / 100;
  return { median: round(median), min: round(min), max: round(max), spreadPct: round(((max - min) / median) * 100) };
}

async function main(): Promise<void> {
  const runs = arg("--runs", 3);
  const count = arg("--records", 200_000);
  const configs: RunConfig[] = [];
  for (const compression of ["none", "lz4", "snappy", "zstd", "gzip"]) {
    configs.push({ client: "platformatic", compression, batch: 500, inFlight: 4, partitioner: "imul" });
  }
  configs.push({ client: "platformatic", compression: "none", batch: 500, inFlight: 1, partitioner: "imul" });
  configs.push({ client: "platformatic", compression: "none", batch: 500, inFlight: 4, partitioner: "stock" });
  // kafkajs ships gzip only; snappy/lz4/zstd need third-party codec packages.
  for (const compression of ["none", "gzip"]) {
    configs.push({ client: "kafkajs", compression, batch: 500, inFlight: 4, partitioner: "client-default" });
  }
  configs.push({ client: "kafkajs", compression: "none", batch: 500, inFlight: 1, partitioner: "client-default" });
  for (const compression of ["lz4", "snappy"]) {
    configs.push({ client: "meshbridge-sink", compression, batch: 500, inFlight: 4, partitioner: "imul" });
  }
  const only = process.argv.indexOf("--only");
  const filter = only >= 0 ? new RegExp(process.argv[only + 1] ?? "") : undefined;
  const selected = configs.filter(
    (c) => filter === undefined || filter.test(`${c.client}/${c.compression}/f${c.inFlight}/${c.partitioner}`),
  );

  const admin = new Admin({ clientId: "bench-admin", bootstrapBrokers: [bootstrap] });
  const expected = expectedCounts(count);
  const results: unknown[] = [];
  const started = Date.now();
  const budgetMs = arg("--budget-seconds", 900) * 1000;
  const skipped: string[] = [];
  for (const config of selected) {
    if (Date.now() - started > budgetMs) {
      skipped.push(`${config.client}/${config.compression}/f${config.inFlight}/${config.partitioner}`);
      continue;
    }
    const perRun: (ChildResult & { verification: Verification | string })[] = [];
    for (let r = 0; r < runs; r++) {
      const topic = `bench-${config.client}-${config.compression}-${randomBytes(4).toString("hex")}`;
      await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
      try {
        const result = await runInChild(config, topic, count);
        let verification: Verification | string;
        try {
          verification = await verify(topic, expected);
        } catch (error) {
          verification = `verification failed: ${describe(error)}`;
        }
        perRun.push({ ...result, verification });
        process.stderr.write(
          `${config.client}/${config.compression}/b${config.batch}/f${config.inFlight}/${config.partitioner} run ${r + 1}: ${Math.round((count - result.failedRecords) / result.seconds)} ev/s, ${(((result.cpuUserUs + result.cpuSystemUs) / count) | 0).toString()} µs/rec, failed ${result.failedRecords} ${JSON.stringify(verification)}\n`,
        );
      } finally {
        await admin.deleteTopics({ topics: [topic] });
      }
    }
    const ok = perRun.map((r) => r.records - r.failedRecords);
    results.push({
      config,
      eventsPerSecond: stats(perRun.map((r, i) => (ok[i] as number) / r.seconds)),
      mbPerSecond: stats(perRun.map((r) => ((r.payloadBytes / r.seconds) * (1 - r.failedRecords / r.records)) / 1e6)),
      cpuUsPerRecord: stats(perRun.map((r) => (r.cpuUserUs + r.cpuSystemUs) / r.records)),
      peakRssMB: stats(perRun.map((r) => r.peakRssMB)),
      rssGrowthMB: stats(perRun.map((r) => r.peakRssMB - r.baselineRssMB)),
      failedRecords: perRun.map((r) => r.failedRecords),
      errors: [...new Set(perRun.flatMap((r) => r.errors))],
      producerIds: perRun.map((r) => r.producerId ?? null),
      verification: perRun.map((r) => r.verification),
    });
  }
  await admin.close();
  const cpu = cpus()[0];
  console.log(
    JSON.stringify(
      {
        machine: { host: hostname(), cpus: cpus().length, cpuModel: cpu?.model, node: process.version },
        broker: `Apache Kafka 4.1.1 KRaft single node at ${bootstrap} (same machine)`,
        compressedBatchBytes: compressionRatios(),
        workload: {
          records: count,
          valueBytes: VALUE_BYTES,
          keyBytes: 16,
          distinctKeys: KEY_COUNT,
          partitions: PARTITIONS,
          acks: "all",
          idempotent: true,
          runs,
        },
        totalSeconds: Math.round((Date.now() - started) / 1000),
        skippedOverBudget: skipped,
        results,
      },
      null,
      2,
    ),
  );
}

if (process.argv[2] === "--child") {
  const config = JSON.parse(process.argv[3] as string) as RunConfig;
  const result = await runChild(config, process.argv[4] as string, Number(process.argv[5]));
  console.log(JSON.stringify(result));
  process.exit(0);
} else {
  await main();
}
