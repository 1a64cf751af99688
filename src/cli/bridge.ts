// The composition root: builds every stage from the configuration, runs the start-up checks
// (schemas, topics), starts the sources, and stops everything in the right order.
import type { Server } from "node:http";
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { openLegacyEnvelope } from "../crypto/decrypt.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { StaticKeyring } from "../crypto/static-keyring.ts";
import type { LegacyEnvelope } from "../envelope/legacy-envelope.ts";
import { readEnvelope } from "../envelope/read.ts";
import { type CatalogModule, createMapperRegistry } from "../mapping/catalog-module.ts";
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
import { KafkaSink } from "../sink/kafka-sink.ts";
import { type BackoffPolicy, backoffDelay, sleep } from "../sources/core/backoff.ts";
import { assertProbesPassed, type ProbeResult } from "../sources/probe.ts";
import type { Source, SourceContext } from "../sources/source.ts";
import { readCaBundle } from "./ca-file.ts";
import { type BridgeConfig, redactConfig } from "./config.ts";
import { deployedCatalog, withTopicPrefix } from "./deployed-catalog.ts";
import { loadCatalogModule } from "./load-catalog.ts";
import { registryClientFor } from "./registry-client.ts";

export const REGISTER_COMMAND = "meshbridge schemas register";

/**
 * After the grace period, how long shutdown still waits for the releases to land, the pipeline's
 * last sends and the sink to close, before it leaves the rest to the sources' lease timeouts.
 */
export const AFTER_GRACE_MS = 3000;

const REGISTRY_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000 };

/** startBridge was told to stop (a signal) before the bridge was running: nothing was received. */
export class StartupStopped extends Error {
  constructor(stage: string) {
    super(`stopped during start-up (${stage})`);
    this.name = "StartupStopped";
  }
}

export interface RunningBridge {
  readonly metrics: BridgeMetrics;
  readonly budget: InFlightBudget;
  /** Port the ops server listens on (useful with port 0). */
  readonly opsPort: number;
  /**
   * Graceful: stop receiving, finish in-flight work for the grace period, release the rest,
   * flush, close. Done within shutdownGraceSeconds + AFTER_GRACE_MS; false when something was
   * still pending then (those messages come back by their lease timeout).
   */
  stop(): Promise<boolean>;
}

/** Resolves true when `work` settles within `ms`, false when the time ran out first. */
async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `work`, or StartupStopped as soon as `stop` aborts (the work itself may go on, unobserved). */
function unlessStopped<T>(work: Promise<T>, stop: AbortSignal, stage: string): Promise<T> {
  if (stop.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new StartupStopped(stage));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new StartupStopped(stage));
    stop.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => stop.removeEventListener("abort", onAbort));
  });
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

/** `kafka.tls` as the sink takes it: a configured CA bundle is read here. */
function kafkaTls(tls: BridgeConfig["kafka"]["tls"]): boolean | TlsConnectionOptions {
  if (typeof tls === "boolean") return tls;
  const ca = readCaBundle(tls.ca, "kafka.tls.ca");
  return tls.servername === undefined ? { ca } : { ca, servername: tls.servername };
}

/** Retries the registry check while the registry is unreachable; any other failure is fatal. */
async function loadEncoderWithRetry(
  config: BridgeConfig,
  catalog: CatalogModule,
  log: Logger,
  stop: AbortSignal,
  onUnreachable: (reason: string) => void,
) {
  const client = registryClientFor(config.registry);
  for (let attempt = 1; ; attempt++) {
    try {
      return await loadCatalogEncoder(deployedCatalog(catalog.topics, config.kafka.topicPrefix), client, {
        registerCommand: REGISTER_COMMAND,
      });
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError)) throw error;
      if (stop.aborted) throw new StartupStopped("schema registry unreachable");
      const delayMs = backoffDelay(REGISTRY_BACKOFF, attempt);
      onUnreachable(`${error.message} (attempt ${attempt}; retrying)`);
      log.warn("schema registry unreachable at start-up; retrying", { attempt, delayMs, error: error.message });
      if (!(await sleep(delayMs, stop))) throw new StartupStopped("schema registry unreachable");
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

/**
 * Builds and starts the bridge. When `stop` aborts before it is running (a signal during
 * start-up), it closes what it opened and rejects with StartupStopped.
 */
export async function startBridge(
  config: BridgeConfig,
  log: Logger,
  stop: AbortSignal = new AbortController().signal,
): Promise<RunningBridge> {
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
  const startupStop = AbortSignal.any([startup.signal, stop]);
  // Aborted when shutdown begins: every source stops receiving and backing off at once.
  const receiving = new AbortController();

  let keyring: Keyring | undefined;
  let sink: KafkaSink | undefined;
  const started: Source[] = [];
  try {
    const catalog = await unlessStopped(loadCatalogModule(config.catalog.module), startupStop, "loading the catalog");
    log.info("catalog loaded", { catalog: catalog.name, topics: catalog.topics.length, mappers: catalog.mappers.length });
    keyring = await unlessStopped(createKeyring(config), startupStop, "loading keys");
    const encoder = await loadEncoderWithRetry(config, catalog, log, startupStop, (reason) => {
      health.reason = reason;
    });
    health.reason = "starting: connecting to Kafka and the sources";
    log.info("schemas verified", { subjects: encoder.topics.length });
    sink = new KafkaSink({
      bootstrapBrokers: config.kafka.bootstrapBrokers,
      clientId: config.kafka.clientId,
      tls: kafkaTls(config.kafka.tls),
      sasl: config.kafka.sasl,
      requestTimeoutMs: config.kafka.requestTimeoutSeconds * 1000,
      deliveryTimeoutMs: config.kafka.deliveryTimeoutSeconds * 1000,
    });
    const topics = deployedCatalog(catalog.topics, config.kafka.topicPrefix).map((entry) => entry.topic);
    await unlessStopped(sink.start([...topics, config.kafka.deadLetterTopic]), startupStop, "connecting to Kafka");
    log.info("kafka topics verified", { topics: topics.length + 1 });

    const registry = createMapperRegistry(catalog, config.mapping.unknownType);
    const map = withTopicPrefix((event, context) => registry.map(event, context), config.kafka.topicPrefix);
    const stages: PipelineStages<LegacyEnvelope> = {
      readEnvelope,
      keys: keyring,
      decrypt: openLegacyEnvelope,
      parse: catalog.parse ?? parseLegacyEvent,
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
    const sqsDiscovery = config.sources.sqsDiscovery;
    if (config.sources.sqs.length > 0 || sqsDiscovery !== undefined) {
      const [{ createSqsClient }, { SqsSource }] = await Promise.all([
        import("../sources/aws-clients.ts"),
        import("../sources/sqs/sqs-source.ts"),
      ]);
      const sqs = createSqsClient({ region: config.aws.region, endpoint: config.aws.endpoint, maxSockets: 256 });
      await unlessStopped(
        refuseOnProbeProblems(
          import("../sources/sqs/probe.ts").then(({ probeSqsQueues }) =>
            probeSqsQueues(
              sqs,
              config.sources.sqs.map((options) => options.queueUrl),
            ),
          ),
          () => sqs.destroy(),
        ),
        startupStop,
        "probing the SQS queues",
      );
      for (const options of config.sources.sqs) sources.push(new SqsSource(sqs, options, log));
      // Discovered queues share one set of receivers; a configured queue keeps its own.
      const exclude = config.sources.sqs.map((options) => options.queueUrl);
      if (sqsDiscovery !== undefined) sources.push(new SqsSource(sqs, { ...sqsDiscovery, exclude }, log));
    }
    const pubsub = config.sources.pubsub;
    if (pubsub !== undefined) {
      // One source for every subscription: they share its pull pool, and with SQS the budget.
      const [{ createSubscriberApi }, { PubSubSource }] = await Promise.all([
        import("../sources/pubsub/subscriber-api.ts"),
        import("../sources/pubsub/pubsub-source.ts"),
      ]);
      const api = createSubscriberApi(
        {
          projectId: pubsub.project,
          emulatorHost: pubsub.emulatorHost,
          endpoint:
            pubsub.endpoint === undefined
              ? undefined
              : {
                  host: pubsub.endpoint.host,
                  callCredentials: pubsub.endpoint.callCredentials,
                  ca:
                    pubsub.endpoint.ca === undefined ? undefined : readCaBundle(pubsub.endpoint.ca, "sources.pubsub.endpoint.ca"),
                },
        },
        { callTimeoutMs: 30_000 },
      );
      await unlessStopped(
        refuseOnProbeProblems(
          import("../sources/pubsub/probe.ts").then(({ probePubSub }) => probePubSub(api, pubsub)),
          () => api.close(),
        ),
        startupStop,
        "probing the Pub/Sub subscriptions",
      );
      sources.push(new PubSubSource(api, pubsub, log));
    }
    const context: SourceContext = { deliver: pipeline.deliver, budget, signal: receiving.signal };
    for (const source of sources) {
      await unlessStopped(source.start(context), startupStop, `starting ${source.name}`);
      started.push(source);
    }
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
        const graceMs = config.shutdownGraceSeconds * 1000;
        const deadline = Date.now() + graceMs + AFTER_GRACE_MS;
        receiving.abort();
        const grace = new AbortController();
        const sourcesStopped = Promise.all(sources.map((source) => source.stop(grace.signal)));
        if (!(await within(sourcesStopped, graceMs))) {
          log.warn("grace period over: releasing unfinished messages for redelivery", { inFlight: budget.messages });
        }
        // Retries end, and the sources release what is still unsettled.
        grace.abort();
        const drained = pipeline.drain();
        // Clean: every message the sources handed out is settled or released, and flushed.
        const clean = await within(sourcesStopped, deadline - Date.now());
        if (!clean) {
          log.warn("shutdown: releases still pending after the grace period; left to the lease timeouts", {
            inFlight: budget.messages,
          });
        }
        // A send Kafka never answers holds only messages already released: stop waiting for it.
        if (!(await within(drained, deadline - Date.now())) || !(await within(openSink.close(), deadline - Date.now()))) {
          log.warn("shutdown: Kafka did not answer in time; unsent records dropped (their messages were released)");
        }
        await within(openKeyring.close?.() ?? Promise.resolve(), deadline - Date.now());
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        stopProcessMetrics();
        log.info("stopped", { clean });
        return clean;
      },
    };
  } catch (error) {
    startup.abort();
    receiving.abort();
    // Bounded: a Kafka that never answers must not hold the exit.
    const released = AbortSignal.abort();
    await within(Promise.all(started.map((source) => source.stop(released))), AFTER_GRACE_MS);
    await within(sink?.close().catch(() => undefined) ?? Promise.resolve(), AFTER_GRACE_MS);
    await within(keyring?.close?.().catch(() => undefined) ?? Promise.resolve(), AFTER_GRACE_MS);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    stopProcessMetrics();
    throw error;
  }
}
