// meshbridge command line. `meshbridge help` lists the commands.
import { parseArgs } from "node:util";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { createLogger, flushLogs } from "../ops/log.ts";
import { ConfigError, loadConfig } from "./config.ts";

// Each command loads its modules when it runs: `run` with only Pub/Sub configured never loads
// the AWS SDK, the simulators or the admin tools (tens of MB of resident memory; see
// docs/decisions/0006).

const usage = `meshbridge — legacy SNS/SQS and Pub/Sub events into the Kafka event mesh

usage:
  meshbridge run --config FILE [--catalog MODULE]
                                             run the bridge; FILE is .yaml or .json (SIGTERM/SIGINT: graceful shutdown)
  meshbridge schemas register --catalog MODULE [--registry URL] [--prefix P]
                                             register the catalog schemas (deploy time; run never registers)
  meshbridge topics create --catalog MODULE [--bootstrap HOST:PORT] [--partitions N] [--dlq TOPIC] [--prefix P]
                                             create the catalog and dead-letter topics
  meshbridge dry-run --catalog MODULE [--tenant T] FILE...
                                             map plain legacy events (JSON files) and print the catalog events
  meshbridge catalog init DIR                write a minimal catalog module to start from (docs/catalogs.md)
  meshbridge simulate provision --name NAME [--tenants 50] [--key-versions 2]
                       [--topology per-tenant|per-type] [--keys static|aws-kms] [--dir DIR]
  meshbridge simulate publish --world FILE [--count N | --seconds S] [--rate EVENTS_PER_S] [--size BYTES]
                       [--seed N] [--ids FILE]
  meshbridge simulate provision --cloud gcp --name NAME [--project P] [--tenants 50]
                       [--key-versions 2] [--ordered-every 4] [--ordering-keys 10] [--dir DIR]
  meshbridge simulate publish --cloud gcp --world FILE [--count N | --seconds S] [--rate EVENTS_PER_S] ...
                                             per-tenant Pub/Sub topics and subscriptions (PUBSUB_EMULATOR_HOST)
  meshbridge dlq inspect [--topic T] [--stage S] [--error-class C] [--tenant T] [--source S]
                                             list dead letters with their context (never the bodies)
  meshbridge dlq replay --queue-url URL [filters as above]
                                             send matching SQS dead letters back to a queue
  meshbridge demo [--rate 40] [--seconds 60] [--tenants 50]
                                             the whole thing on the local mesh (npm run demo)

MODULE is a catalog module's path or package name (MB_CATALOG gives it too; the demo's is
catalog/index.ts). Local-mesh defaults come from infra/stack/ports.ts; MB_AWS_ENDPOINT,
MB_REGISTRY_URL and MB_KAFKA_BOOTSTRAP override them.`;

const localAws = () => ({
  region: process.env.AWS_REGION ?? "us-east-1",
  endpoint: process.env.MB_AWS_ENDPOINT ?? meshEndpoints.awsEndpoint,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "test",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "test",
  },
});

function int(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new ConfigError(`--${name}: expected a non-negative number, got ${value}`);
  return parsed;
}

/** The workload flags `simulate publish` takes for either cloud. */
function publishWorkload(values: Readonly<Record<string, string | undefined>>) {
  return {
    count: int(values.count, "count", values.seconds === undefined ? 1000 : 0),
    durationSeconds: int(values.seconds, "seconds", 0),
    rate: int(values.rate, "rate", 0),
    seed: int(values.seed, "seed", 1),
    targetBytes: int(values.size, "size", 0),
    idsFile: values.ids,
  };
}

/** The catalog module of a command: --catalog, else MB_CATALOG (a path against the working directory). */
async function catalogOf(command: string, flag: string | undefined) {
  const spec = flag ?? process.env.MB_CATALOG;
  if (spec === undefined || spec === "") throw new ConfigError(`${command}: --catalog MODULE (or MB_CATALOG) is required`);
  const { loadCatalogModule } = await import("./load-catalog.ts");
  return loadCatalogModule(spec);
}

async function run(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: "string" }, catalog: { type: "string" } } });
  const path = values.config ?? process.env.MB_CONFIG;
  if (path === undefined) throw new ConfigError("run: --config FILE (or MB_CONFIG) is required");
  // --catalog overrides the file's catalog.module exactly as MB_CATALOG does.
  const config = loadConfig(path, values.catalog === undefined ? process.env : { ...process.env, MB_CATALOG: values.catalog });
  const log = createLogger(config.log.level, { service: "meshbridge" });
  const { startBridge, StartupStopped, AFTER_GRACE_MS } = await import("./bridge.ts");
  // Listening from the start: a signal during start-up (registry or Kafka unreachable) stops it too.
  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shutdown.signal.aborted) {
      log.warn("second signal: exiting now; unsettled messages come back by visibility timeout", { signal });
      flushLogs();
      process.exit(1);
    }
    log.info("signal received", { signal });
    // The last resort if something still hangs: the process is gone soon after the grace period.
    const hardExitMs = config.shutdownGraceSeconds * 1000 + AFTER_GRACE_MS + 1000;
    setTimeout(() => {
      log.error("shutdown did not finish in time; exiting, unsettled messages come back by timeout", { hardExitMs });
      flushLogs();
      process.exit(1);
    }, hardExitMs).unref();
    shutdown.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  let bridge: Awaited<ReturnType<typeof startBridge>>;
  try {
    bridge = await startBridge(config, log, shutdown.signal);
  } catch (error) {
    if (!(error instanceof StartupStopped)) throw error;
    log.info("stopped before the bridge was running", { reason: error.message });
    flushLogs();
    process.exit(0);
  }
  if (!shutdown.signal.aborted) {
    await new Promise((resolve) => shutdown.signal.addEventListener("abort", resolve, { once: true }));
  }
  const clean = await bridge.stop().catch((error: unknown) => {
    log.error("shutdown failed", { error: error instanceof Error ? error.message : String(error) });
    return false;
  });
  // Explicit: a connection to a server that never answers would otherwise keep the process alive.
  flushLogs();
  process.exit(clean ? 0 : 1);
}

/** `simulate provision|publish --cloud gcp`: the Pub/Sub world on the emulator (or a project). */
async function simulatePubSubCommand(sub: string | undefined, values: Record<string, string | undefined>): Promise<void> {
  const emulatorHost = process.env.PUBSUB_EMULATOR_HOST ?? meshEndpoints.pubsubEmulatorHost;
  const { simulateProvisionPubSub, simulatePublishPubSub } = await import("./commands/simulate.ts");
  if (sub === "provision") {
    if (values.name === undefined) throw new ConfigError("simulate provision: --name is required");
    const world = await simulateProvisionPubSub({
      project: values.project ?? "meshbridge-sim",
      emulatorHost,
      name: values.name,
      tenants: int(values.tenants, "tenants", 50),
      keyVersions: int(values["key-versions"], "key-versions", 2),
      orderedEvery: int(values["ordered-every"], "ordered-every", 4),
      orderingKeysPerTenant: Math.max(1, int(values["ordering-keys"], "ordering-keys", 10)),
      directory: values.dir ?? ".cache/sim",
    });
    const routes = Object.values(world.pubsub.tenants);
    console.log(
      `world ${world.name}: ${routes.length} Pub/Sub topics and subscriptions (${routes.filter((r) => r.ordered).length} ordered); discover with prefix ${world.pubsub.subscriptionPrefix} or label ${world.pubsub.label}`,
    );
    return;
  }
  if (sub === "publish") {
    if (values.world === undefined) throw new ConfigError("simulate publish: --world FILE is required");
    const sent = await simulatePublishPubSub({
      emulatorHost,
      world: values.world,
      ...publishWorkload(values),
    });
    console.log(`published ${sent} events`);
    return;
  }
  throw new ConfigError(`unknown command: simulate ${sub ?? ""} --cloud gcp\n\n${usage}`);
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, sub, ...rest] = argv;
  switch (command) {
    case "run":
      return run(argv.slice(1));
    case "schemas": {
      if (sub !== "register") break;
      const { values } = parseArgs({
        args: rest,
        options: { registry: { type: "string" }, prefix: { type: "string" }, catalog: { type: "string" } },
      });
      const url = values.registry ?? process.env.MB_REGISTRY_URL ?? meshEndpoints.registryUrl;
      const catalog = await catalogOf("schemas register", values.catalog);
      const { registerCatalogSchemas } = await import("./commands/schemas.ts");
      return registerCatalogSchemas(catalog.topics, url, console.log, values.prefix ?? "");
    }
    case "topics": {
      if (sub !== "create") break;
      const { values } = parseArgs({
        args: rest,
        options: {
          bootstrap: { type: "string" },
          partitions: { type: "string" },
          dlq: { type: "string" },
          prefix: { type: "string" },
          catalog: { type: "string" },
        },
      });
      const catalog = await catalogOf("topics create", values.catalog);
      const bootstrap = (values.bootstrap ?? process.env.MB_KAFKA_BOOTSTRAP ?? meshEndpoints.kafkaBootstrap).split(",");
      const partitions = int(values.partitions, "partitions", 6);
      const { createBridgeTopics } = await import("./commands/topics.ts");
      return createBridgeTopics(
        catalog.topics,
        bootstrap,
        values.dlq ?? "meshbridge.dlq",
        partitions,
        console.log,
        values.prefix ?? "",
      );
    }
    case "dry-run": {
      const { values, positionals } = parseArgs({
        args: argv.slice(1),
        options: { tenant: { type: "string" }, catalog: { type: "string" } },
        allowPositionals: true,
      });
      if (positionals.length === 0) throw new ConfigError("dry-run: give one or more legacy event JSON files");
      const catalog = await catalogOf("dry-run", values.catalog);
      const { dryRun } = await import("./commands/dry-run.ts");
      if (dryRun(catalog, positionals, values.tenant ?? "tenant-0001") > 0) process.exitCode = 1;
      return;
    }
    case "catalog": {
      if (sub !== "init") break;
      const { initCatalog } = await import("./commands/catalog-init.ts");
      return initCatalog(rest, console.log);
    }
    case "simulate": {
      const { values } = parseArgs({
        args: rest,
        options: {
          name: { type: "string" },
          tenants: { type: "string" },
          "key-versions": { type: "string" },
          topology: { type: "string" },
          keys: { type: "string" },
          dir: { type: "string" },
          world: { type: "string" },
          count: { type: "string" },
          seconds: { type: "string" },
          rate: { type: "string" },
          size: { type: "string" },
          seed: { type: "string" },
          ids: { type: "string" },
          cloud: { type: "string" },
          project: { type: "string" },
          "ordered-every": { type: "string" },
          "ordering-keys": { type: "string" },
        },
      });
      const cloud = values.cloud ?? "aws";
      if (cloud !== "aws" && cloud !== "gcp") throw new ConfigError("--cloud: aws or gcp");
      if (cloud === "gcp") return simulatePubSubCommand(sub, values);
      const { simulateProvision, simulatePublish } = await import("./commands/simulate.ts");
      if (sub === "provision") {
        if (values.name === undefined) throw new ConfigError("simulate provision: --name is required");
        const topology = values.topology ?? "per-tenant";
        if (topology !== "per-tenant" && topology !== "per-type") throw new ConfigError("--topology: per-tenant or per-type");
        const keys = values.keys ?? "static";
        if (keys !== "static" && keys !== "aws-kms") throw new ConfigError("--keys: static or aws-kms");
        const world = await simulateProvision({
          aws: localAws(),
          name: values.name,
          tenants: int(values.tenants, "tenants", 50),
          keyVersions: int(values["key-versions"], "key-versions", 2),
          topology,
          keys,
          directory: values.dir ?? ".cache/sim",
        });
        console.log(`world ${world.name}: queue ${world.aws.queueUrl}, ${Object.keys(world.aws.topics).length} SNS topics`);
        return;
      }
      if (sub === "publish") {
        if (values.world === undefined) throw new ConfigError("simulate publish: --world FILE is required");
        const sent = await simulatePublish({
          aws: localAws(),
          world: values.world,
          ...publishWorkload(values),
        });
        console.log(`published ${sent} events`);
        return;
      }
      break;
    }
    case "dlq": {
      const { values } = parseArgs({
        args: rest,
        options: {
          bootstrap: { type: "string" },
          topic: { type: "string" },
          stage: { type: "string" },
          "error-class": { type: "string" },
          tenant: { type: "string" },
          source: { type: "string" },
          "queue-url": { type: "string" },
        },
      });
      const read = {
        bootstrapBrokers: (values.bootstrap ?? process.env.MB_KAFKA_BOOTSTRAP ?? meshEndpoints.kafkaBootstrap).split(","),
        topic: values.topic ?? "meshbridge.dlq",
        idleMs: 3000,
        filter: { stage: values.stage, errorClass: values["error-class"], tenant: values.tenant, source: values.source },
      };
      const { describeDeadLetter, readDeadLetters, replayToSqs } = await import("./commands/dlq.ts");
      if (sub === "inspect") {
        const count = await readDeadLetters(read, (record) => console.log(describeDeadLetter(record)));
        console.log(`${count} dead letters`);
        return;
      }
      if (sub === "replay") {
        if (values["queue-url"] === undefined) throw new ConfigError("dlq replay: --queue-url is required");
        const { createSqsClient } = await import("../sources/aws-clients.ts");
        const sqs = createSqsClient({ region: process.env.AWS_REGION ?? "us-east-1", endpoint: process.env.MB_AWS_ENDPOINT });
        try {
          console.log(`replayed ${await replayToSqs(sqs, values["queue-url"], read)} dead letters to ${values["queue-url"]}`);
        } finally {
          sqs.destroy();
        }
        return;
      }
      break;
    }
    case "demo": {
      const { values } = parseArgs({
        args: argv.slice(1),
        options: { rate: { type: "string" }, seconds: { type: "string" }, tenants: { type: "string" } },
      });
      const { runDemo } = await import("./commands/demo.ts");
      return runDemo({
        aws: localAws(),
        rate: int(values.rate, "rate", 40),
        seconds: int(values.seconds, "seconds", 60),
        tenants: int(values.tenants, "tenants", 50),
      });
    }
    case undefined:
    case "help":
    case "--help":
      console.log(usage);
      return;
  }
  throw new ConfigError(`unknown command: ${argv.join(" ")}\n\n${usage}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`meshbridge: ${message}`);
  process.exitCode = error instanceof ConfigError ? 2 : 1;
});
