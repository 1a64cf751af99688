// The composition root: builds every stage from the configuration, runs the start-up checks
// (schemas, topics), starts the sources, and stops everything in the right order.
import type { Server } from "node:http";
import type { Keyring } from "../crypto/keyring.ts";
import type { CatalogModule } from "../mapping/catalog-module.ts";
import { startOpsServer } from "../ops/http.ts";
import { startIdleMemoryTrim } from "../ops/idle-memory.ts";
import type { Logger } from "../ops/log.ts";
import { BridgeMetrics } from "../ops/metrics.ts";
import { trackProcessMetrics } from "../ops/process-metrics.ts";
import { Readiness } from "../ops/readiness.ts";
import { logSourceStateChanges } from "../ops/source-state-log.ts";
import type { BatchTracer } from "../ops/tracing/batch-tracer.ts";
import { createTracing } from "../ops/tracing/setup.ts";
import { tracedSqsDataPlane, tracedSubscriberApi } from "../ops/tracing/traced-receives.ts";
import { InFlightBudget } from "../pipeline/budget.ts";
import { Pipeline } from "../pipeline/pipeline.ts";
import { ProduceCoalescer } from "../pipeline/produce-coalescer.ts";
import { defaultBackoff } from "../pipeline/retry.ts";
import { loadCatalogEncoder } from "../schema/catalog-encoder.ts";
import { RegistryUnavailableError } from "../schema/errors.ts";
import { KafkaSink } from "../sink/kafka-sink.ts";
import { type BackoffPolicy, backoffDelay, sleep } from "../sources/core/backoff.ts";
import { assertProbesPassed, type ProbeResult } from "../sources/probe.ts";
import type { Source, SourceContext } from "../sources/source.ts";
import { readCaBundle } from "./ca-file.ts";
import { type BridgeConfig, redactConfig } from "./config.ts";
import { deployedCatalog } from "./deployed-catalog.ts";
import { loadCatalogModule } from "./load-catalog.ts";
import { bridgeStages, createKeyring, kafkaTls, REGISTER_COMMAND } from "./pipeline-parts.ts";
import { registryClientFor } from "./registry-client.ts";

export { REGISTER_COMMAND } from "./pipeline-parts.ts";

/**
 * After the grace period, how long shutdown still waits for the releases to land, the pipeline's
 * last sends and the sink to close, before it leaves the rest to the sources' lease timeouts.
 */
export const AFTER_GRACE_MS = 3000;

const REGISTRY_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000 };
/** An idle producer asks Kafka for metadata this often, so readiness sees a broker gone quiet. */
const KAFKA_PROBE_MS = 5000;

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

/** Retries the registry check while the registry is unreachable; any other failure is fatal. */
async function loadEncoderWithRetry(
  config: BridgeConfig,
  catalog: CatalogModule,
  log: Logger,
  stop: AbortSignal,
  readiness: Readiness,
) {
  const client = registryClientFor(config.registry);
  for (let attempt = 1; ; attempt++) {
    try {
      const encoder = await loadCatalogEncoder(deployedCatalog(catalog.topics, config.kafka.topicPrefix), client, {
        registerCommand: REGISTER_COMMAND,
      });
      readiness.registryPassed();
      return encoder;
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError)) throw error;
      readiness.registryFailed(`${error.message} (attempt ${attempt}; retrying)`);
      if (stop.aborted) throw new StartupStopped("schema registry unreachable");
      const delayMs = backoffDelay(REGISTRY_BACKOFF, attempt);
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
/** What a test (or an embedding program) may hand the bridge instead of building it. */
export interface BridgeOptions {
  /** Spans go here instead of to `config.tracing` (tests: an in-memory exporter). */
  readonly tracer?: BatchTracer;
}

export async function startBridge(
  config: BridgeConfig,
  log: Logger,
  stop: AbortSignal = new AbortController().signal,
  options: BridgeOptions = {},
): Promise<RunningBridge> {
  const metricsOptions = config.ops.metrics;
  const metrics = new BridgeMetrics({
    maxSources: metricsOptions.maxSources,
    maxTenants: metricsOptions.maxTenants,
    backlogIntervalMs: metricsOptions.backlogIntervalSeconds * 1000,
  });
  const stopProcessMetrics = trackProcessMetrics(metrics);
  const budget = new InFlightBudget(config.budget.maxMessages, config.budget.maxBytes);
  metrics.inFlight.track(() => budget.messages);
  metrics.inFlightBytes.track(() => budget.bytes);
  const readiness = new Readiness();
  readiness.watchSources(() => metrics.sources.meters());
  metrics.ready.track(() => (readiness.ready() ? 1 : 0));
  logSourceStateChanges(metrics.sources, log);
  const redacted = redactConfig(config);
  const server: Server = await startOpsServer(config.http.port, config.http.host, metrics, readiness, redacted);
  const address = server.address();
  const opsPort = typeof address === "object" && address !== null ? address.port : config.http.port;
  const startup = new AbortController();
  log.info("configuration in effect", { config: JSON.stringify(redacted) });
  const startupStop = AbortSignal.any([startup.signal, stop]);
  // Aborted when shutdown begins: every source stops receiving and backing off at once.
  const receiving = new AbortController();

  let keyring: Keyring | undefined;
  let sink: KafkaSink | undefined;
  let tracer: BatchTracer | undefined;
  const started: Source[] = [];
  let kafkaProbe: NodeJS.Timeout | undefined;
  try {
    const catalog = await unlessStopped(loadCatalogModule(config.catalog.module), startupStop, "loading the catalog");
    log.info("catalog loaded", { catalog: catalog.name, topics: catalog.topics.length, mappers: catalog.mappers.length });
    keyring = await unlessStopped(createKeyring(config), startupStop, "loading keys");
    const encoder = await loadEncoderWithRetry(config, catalog, log, startupStop, readiness);
    log.info("schemas verified", { subjects: encoder.topics.length });
    readiness.starting("connecting to Kafka");
    const kafkaSink = new KafkaSink(
      {
        bootstrapBrokers: config.kafka.bootstrapBrokers,
        clientId: config.kafka.clientId,
        tls: kafkaTls(config.kafka.tls),
        sasl: config.kafka.sasl,
        requestTimeoutMs: config.kafka.requestTimeoutSeconds * 1000,
        deliveryTimeoutMs: config.kafka.deliveryTimeoutSeconds * 1000,
        // A dead-letter topic that fails (deleted, ACL revoked) must not make the catalog
        // records that went with it be written twice.
        isolatedTopics: [config.kafka.deadLetterTopic],
      },
      {
        request: (records, seconds) => {
          metrics.kafkaBatchRecords.observe(records);
          metrics.kafkaRequestSeconds.observe(seconds);
        },
      },
    );
    sink = kafkaSink;
    metrics.kafkaProducerState.track(() => (kafkaSink.health.state === "connected" ? 1 : 0), { state: "connected" });
    metrics.kafkaProducerState.track(() => (kafkaSink.health.state === "unreachable" ? 1 : 0), { state: "unreachable" });
    const topics = deployedCatalog(catalog.topics, config.kafka.topicPrefix).map((entry) => entry.topic);
    await unlessStopped(sink.start([...topics, config.kafka.deadLetterTopic]), startupStop, "connecting to Kafka");
    log.info("kafka topics verified", { topics: topics.length + 1 });
    readiness.watchKafka(kafkaSink.health, kafkaSink.options.requestTimeoutMs);
    let probing = false;
    kafkaProbe = setInterval(() => {
      if (probing || Date.now() - kafkaSink.health.lastAnsweredMs < KAFKA_PROBE_MS) return;
      probing = true;
      void kafkaSink.probe(KAFKA_PROBE_MS).finally(() => {
        probing = false;
      });
    }, KAFKA_PROBE_MS);
    kafkaProbe.unref();
    readiness.starting("starting the sources");

    const stages = bridgeStages(config, catalog, keyring, encoder);
    tracer = await (options.tracer ?? createTracing(config.tracing));
    if (tracer !== undefined) {
      // The host only: a URL's user-info part would be a credential.
      const endpoint = config.tracing === undefined ? "(injected)" : new URL(config.tracing.endpoint).host;
      log.info("tracing on", { endpoint });
    }
    const coalescer = new ProduceCoalescer(sink);
    const pipeline = new Pipeline(
      stages,
      tracer === undefined ? coalescer : tracer.sink(coalescer),
      { deadLetterTopic: config.kafka.deadLetterTopic, backoff: defaultBackoff, tracer },
      metrics,
      log,
    );

    const sources: Source[] = [];
    // A cloud's client libraries are loaded only when one of its sources is configured.
    const sqsDiscovery = config.sources.sqsDiscovery;
    if (config.sources.sqs.length > 0 || sqsDiscovery !== undefined) {
      const [{ createSqsClient, createLeanSqsClient }, { SqsSource }] = await Promise.all([
        import("../sources/aws-clients.ts"),
        import("../sources/sqs/sqs-source.ts"),
      ]);
      const sqsConfig = { region: config.aws.region, endpoint: config.aws.endpoint, maxSockets: 256 };
      const sqs = createSqsClient(sqsConfig);
      // Receive, delete and visibility calls (per batch) go through the lean client; discovery
      // and the probe stay on the SDK (docs/decisions/0017).
      const leanSqs = createLeanSqsClient(sqs, sqsConfig);
      const sqsData = tracer === undefined ? leanSqs : tracedSqsDataPlane(leanSqs, tracer);
      await unlessStopped(
        refuseOnProbeProblems(
          import("../sources/sqs/probe.ts").then(({ probeSqsQueues }) =>
            probeSqsQueues(
              sqs,
              config.sources.sqs.map((options) => options.queueUrl),
            ),
          ),
          () => {
            sqs.destroy();
            leanSqs.close();
          },
        ),
        startupStop,
        "probing the SQS queues",
      );
      for (const options of config.sources.sqs) sources.push(new SqsSource(sqs, options, log, sqsData));
      // Discovered queues share one set of receivers; a configured queue keeps its own.
      const exclude = config.sources.sqs.map((options) => options.queueUrl);
      if (sqsDiscovery !== undefined) sources.push(new SqsSource(sqs, { ...sqsDiscovery, exclude }, log, sqsData));
    }
    const pubsub = config.sources.pubsub;
    if (pubsub !== undefined) {
      // One source for every subscription: they share its pull pool, and with SQS the budget.
      const [{ createSubscriberApi }, { PubSubSource }] = await Promise.all([
        import("../sources/pubsub/subscriber-api.ts"),
        import("../sources/pubsub/pubsub-source.ts"),
      ]);
      const untracedApi = createSubscriberApi(
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
      const api = tracer === undefined ? untracedApi : tracedSubscriberApi(untracedApi, tracer);
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
    const context: SourceContext = { deliver: pipeline.deliver, budget, signal: receiving.signal, metrics: metrics.sources };
    for (const source of sources) {
      await unlessStopped(source.start(context), startupStop, `starting ${source.name}`);
      started.push(source);
    }
    readiness.running();
    log.info("bridge running", { sources: sources.map((source) => source.name).join(","), opsPort });
    const stopIdleTrim = startIdleMemoryTrim({
      intervalMs: config.memory.idleTrimSeconds * 1000,
      activity: () => pipeline.received,
      log,
    });

    const openSink = sink;
    const openKeyring = keyring;
    return {
      metrics,
      budget,
      opsPort,
      async stop() {
        readiness.stopping();
        clearInterval(kafkaProbe);
        log.info("stopping: no new receives; finishing in-flight work", { inFlight: budget.messages });
        const graceMs = config.shutdownGraceSeconds * 1000;
        const deadline = Date.now() + graceMs + AFTER_GRACE_MS;
        receiving.abort();
        stopIdleTrim();
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
        // Spans of the last batches: exported within what is left of the deadline, or dropped.
        await within(tracer?.shutdown().catch(() => undefined) ?? Promise.resolve(), Math.max(0, deadline - Date.now()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        stopProcessMetrics();
        log.info("stopped", { clean });
        return clean;
      },
    };
  } catch (error) {
    clearInterval(kafkaProbe);
    startup.abort();
    receiving.abort();
    // Bounded: a Kafka that never answers must not hold the exit.
    const released = AbortSignal.abort();
    await within(Promise.all(started.map((source) => source.stop(released))), AFTER_GRACE_MS);
    await within(sink?.close().catch(() => undefined) ?? Promise.resolve(), AFTER_GRACE_MS);
    await within(keyring?.close?.().catch(() => undefined) ?? Promise.resolve(), AFTER_GRACE_MS);
    await within(tracer?.shutdown().catch(() => undefined) ?? Promise.resolve(), AFTER_GRACE_MS);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    stopProcessMetrics();
    throw error;
  }
}
