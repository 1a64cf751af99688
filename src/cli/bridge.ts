// The composition root: builds every stage from the configuration, runs the start-up checks
// (schemas, topics), starts the sources, and stops everything in the right order.
import type { Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { createCatalogRegistry } from "../../catalog/index.ts";
import { openLegacyEnvelope } from "../crypto/decrypt.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { StaticKeyring } from "../crypto/static-keyring.ts";
import type { LegacyEnvelope } from "../envelope/legacy-envelope.ts";
import { readEnvelope } from "../envelope/read.ts";
import { parseLegacyEvent } from "../mapping/parse.ts";
import { startOpsServer } from "../ops/http.ts";
import type { Logger } from "../ops/log.ts";
import { BridgeMetrics } from "../ops/metrics.ts";
import { trackProcessMetrics } from "../ops/process-metrics.ts";
import { InFlightBudget } from "../pipeline/budget.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import { ProduceCoalescer } from "../pipeline/produce-coalescer.ts";
import { defaultBackoff } from "../pipeline/retry.ts";
import type { PipelineStages } from "../pipeline/stages.ts";
import { loadCatalogEncoder } from "../schema/catalog-encoder.ts";
import { RegistryUnavailableError } from "../schema/errors.ts";
import { RegistryClient } from "../schema/registry-client.ts";
import { KafkaSink } from "../sink/kafka-sink.ts";
import { assertProbesPassed, type ProbeResult } from "../sources/probe.ts";
import type { Source } from "../sources/source.ts";
import { type BridgeConfig, redactConfig } from "./config.ts";
import { deployedCatalog, withTopicPrefix } from "./deployed-catalog.ts";

export const REGISTER_COMMAND = "meshbridge schemas register";

export interface RunningBridge {
  readonly metrics: BridgeMetrics;
  readonly budget: InFlightBudget;
  /** Port the ops server listens on (useful with port 0). */
  readonly opsPort: number;
  /** Graceful: stop receiving, finish or release in-flight work, flush, close. */
  stop(): Promise<void>;
}

async function createKeyring(config: BridgeConfig): Promise<Keyring> {
  const keys = config.keys;
  // The key file, or its content from a secret (keys.json). Errors name where the keys came
  // from and never quote them (key material).
  const json = keys.json;
  if (keys.provider === "static") {
    return json === undefined ? StaticKeyring.fromFile(keys.file!) : StaticKeyring.fromJson(json, "static keys from keys.json");
  }
  const { KmsKeyring } = await import("../crypto/kms-keyring.ts");
  const options = {
    kms: { region: config.aws.region, endpoint: config.aws.endpoint },
    maxAgeMs: keys.maxAgeSeconds * 1000,
    maxUses: keys.maxUses,
  };
  return json === undefined
    ? KmsKeyring.fromFile(keys.file!, options)
    : new KmsKeyring(json, { ...options, origin: "KMS keys from keys.json" });
}

/** Retries the registry check while the registry is unreachable; any other failure is fatal. */
async function loadEncoderWithRetry(config: BridgeConfig, log: Logger, stop: AbortSignal) {
  const client = new RegistryClient({
    url: config.registry.url,
    basicAuth:
      config.registry.username === undefined
        ? undefined
        : { username: config.registry.username, password: config.registry.password ?? "" },
  });
  for (let attempt = 1; ; attempt++) {
    try {
      return await loadCatalogEncoder(deployedCatalog(config.kafka.topicPrefix), client, { registerCommand: REGISTER_COMMAND });
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError) || stop.aborted) throw error;
      const delayMs = Math.min(10_000, 250 * 2 ** attempt);
      log.warn("schema registry unreachable at start-up; retrying", { attempt, delayMs, error: error.message });
      await sleep(delayMs);
    }
  }
}

/** Start-up probe of the sources (sqs/probe.ts, pubsub/probe.ts): any problem refuses the start. */
async function refuseOnProbeProblems(results: Promise<readonly ProbeResult[]>, release: () => unknown): Promise<void> {
  try {
    assertProbesPassed(await results);
  } catch (error) {
    await release();
    throw error;
  }
}

export async function startBridge(config: BridgeConfig, log: Logger): Promise<RunningBridge> {
  const metrics = new BridgeMetrics();
  const stopProcessMetrics = trackProcessMetrics(metrics);
  const budget = new InFlightBudget(config.budget.maxMessages, config.budget.maxBytes);
  metrics.inFlight.track(() => budget.messages);
  metrics.inFlightBytes.track(() => budget.bytes);
  const health = { state: "starting" as "starting" | "ready" | "stopping", reason: "starting: checking schemas and topics" };
  const server: Server = await startOpsServer(config.http.port, config.http.host, metrics, {
    ready: () => health.state === "ready",
    get reason() {
      return health.reason;
    },
  });
  const address = server.address();
  const opsPort = typeof address === "object" && address !== null ? address.port : config.http.port;
  const startup = new AbortController();
  log.info("configuration in effect", { config: JSON.stringify(redactConfig(config)) });

  let keyring: Keyring | undefined;
  let sink: KafkaSink | undefined;
  try {
    keyring = await createKeyring(config);
    const encoder = await loadEncoderWithRetry(config, log, startup.signal);
    log.info("schemas verified", { subjects: encoder.topics.length });
    sink = new KafkaSink({
      bootstrapBrokers: config.kafka.bootstrapBrokers,
      clientId: config.kafka.clientId,
      tls: config.kafka.tls,
      sasl: config.kafka.sasl,
    });
    const topics = deployedCatalog(config.kafka.topicPrefix).map((entry) => entry.topic);
    await sink.start([...topics, config.kafka.deadLetterTopic]);
    log.info("kafka topics verified", { topics: topics.length + 1 });

    const registry = createCatalogRegistry(config.mapping.unknownType);
    const map = withTopicPrefix((event, context) => registry.map(event, context), config.kafka.topicPrefix);
    const stages: PipelineStages<LegacyEnvelope> = {
      readEnvelope,
      keys: keyring,
      decrypt: openLegacyEnvelope,
      parse: parseLegacyEvent,
      map,
      encode: (event) => encoder.encode(event),
    };
    const pipeline = new Pipeline(
      stages,
      new ProduceCoalescer(sink),
      { deadLetterTopic: config.kafka.deadLetterTopic, backoff: defaultBackoff },
      metrics,
      log,
    );

    const sources: Source[] = [];
    // A cloud's client libraries are loaded only when one of its sources is configured.
    if (config.sources.sqs.length > 0) {
      const [{ createSqsClient }, { SqsSource }] = await Promise.all([
        import("../sources/aws-clients.ts"),
        import("../sources/sqs/sqs-source.ts"),
      ]);
      const sqs = createSqsClient({ region: config.aws.region, endpoint: config.aws.endpoint, maxSockets: 256 });
      await refuseOnProbeProblems(
        import("../sources/sqs/probe.ts").then(({ probeSqsQueues }) =>
          probeSqsQueues(
            sqs,
            config.sources.sqs.map((options) => options.queueUrl),
          ),
        ),
        () => sqs.destroy(),
      );
      for (const options of config.sources.sqs) sources.push(new SqsSource(sqs, options, budget, log));
    }
    const pubsub = config.sources.pubsub;
    if (pubsub !== undefined) {
      // One source for every subscription: they share its pull pool, and with SQS the budget.
      const [{ createSubscriberApi }, { PubSubSource }] = await Promise.all([
        import("../sources/pubsub/subscriber-api.ts"),
        import("../sources/pubsub/pubsub-source.ts"),
      ]);
      const api = createSubscriberApi(
        { projectId: pubsub.project, emulatorHost: pubsub.emulatorHost },
        { callTimeoutMs: 30_000 },
      );
      await refuseOnProbeProblems(
        import("../sources/pubsub/probe.ts").then(({ probePubSub }) => probePubSub(api, pubsub)),
        () => api.close(),
      );
      sources.push(new PubSubSource(api, pubsub, budget, log));
    }
    for (const source of sources) await source.start(pipeline.deliver);
    health.state = "ready";
    health.reason = "ready";
    log.info("bridge running", { sources: sources.map((source) => source.name).join(","), opsPort });

    const openSink = sink;
    const openKeyring = keyring;
    return {
      metrics,
      budget,
      opsPort,
      async stop() {
        health.state = "stopping";
        health.reason = "shutting down";
        log.info("stopping: no new receives; finishing in-flight work", { inFlight: budget.messages });
        const sourcesStopped = Promise.all(sources.map((source) => source.stop()));
        const graceTimer = new AbortController();
        const graceOver = sleep(config.shutdownGraceSeconds * 1000, "grace" as const, { signal: graceTimer.signal }).catch(
          () => "done" as const,
        );
        if ((await Promise.race([sourcesStopped.then(() => "done" as const), graceOver])) === "grace") {
          log.warn("grace period over: releasing unfinished messages for redelivery", { inFlight: budget.messages });
        }
        graceTimer.abort();
        await pipeline.drain();
        await sourcesStopped;
        await openSink.close();
        await openKeyring.close?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        stopProcessMetrics();
        log.info("stopped");
      },
    };
  } catch (error) {
    startup.abort();
    await sink?.close().catch(() => undefined);
    await keyring?.close?.().catch(() => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    stopProcessMetrics();
    throw error;
  }
}
