// Every meshbridge command, declared once: help, `--help`, the subcommand lists, argument
// parsing and dispatch are generated from this table by ./command-line.ts. A new command is one
// entry here plus its module under ./commands/, imported lazily by `run`.
import { join } from "node:path";
import { cacheDir, meshEndpoints } from "../../infra/stack/ports.ts";
import { type Command, numberOption, type OptionSpec, type ParsedArgs, requiredOption, UsageError } from "./command-line.ts";

const env = process.env;
const simDir = join(cacheDir, "sim");

const bootstrap: OptionSpec = {
  value: "HOST:PORT[,...]",
  description: "Kafka bootstrap brokers (MB_KAFKA_BOOTSTRAP sets the default)",
  default: env.MB_KAFKA_BOOTSTRAP ?? meshEndpoints.kafkaBootstrap,
};
const prefix: OptionSpec = { value: "P", description: "topic and subject prefix (kafka.topicPrefix)", default: "" };
const config: OptionSpec = { value: "FILE", description: "configuration file, .yaml/.yml or .json (default: MB_CONFIG)" };
const dlqTopic: OptionSpec = { value: "TOPIC", description: "dead-letter topic", default: "meshbridge.dlq" };
const dlqFilters: Record<string, OptionSpec> = {
  bootstrap,
  topic: dlqTopic,
  stage: { value: "S", description: "only this stage (envelope, key, decrypt, parse, map, encode, produce)" },
  "error-class": { value: "C", description: "only this error class (README: error classes)" },
  tenant: { value: "T", description: "only this tenant" },
  source: { value: "S", description: "only this source (queue URL or subscription)" },
};
const workload: Record<string, OptionSpec> = {
  count: { value: "N", description: "events to publish (default: 1000, or no cap with --seconds)" },
  seconds: { value: "S", description: "publish for this long instead" },
  rate: { value: "EVENTS_PER_S", description: "events per second, 0: as fast as possible", default: "0" },
  size: { value: "BYTES", description: "pad each legacy event to about this size, 0: natural size", default: "0" },
  seed: { value: "N", description: "random seed of the generated events", default: "1" },
  ids: { value: "FILE", description: "append one legacy event id per published event to FILE" },
};
const cloud: OptionSpec = { value: "aws|gcp", description: "AWS (SNS/SQS on moto) or GCP (Pub/Sub emulator)", default: "aws" };

const emulatorNote =
  "AWS calls go to MB_AWS_ENDPOINT (default: the local moto); Pub/Sub calls to MB_PUBSUB_EMULATOR_HOST (default: the local emulator).";

const catalogOption: OptionSpec = {
  value: "MODULE",
  description: "catalog module, a path or package name (default: MB_CATALOG; run and check: the config's catalog.module)",
};

/** The catalog module of a command: --catalog, else MB_CATALOG (a path against the working directory). */
async function catalogOf(args: ParsedArgs, where: string) {
  const spec = args.values.catalog ?? env.MB_CATALOG;
  if (spec === undefined || spec === "") throw new UsageError(`${where}: --catalog MODULE (or MB_CATALOG) is required`);
  const { loadCatalogModule } = await import("./load-catalog.ts");
  return loadCatalogModule(spec);
}

const configPath = (args: ParsedArgs, where: string): string => {
  const path = args.values.config ?? env.MB_CONFIG;
  if (path === undefined || path === "") return requiredOption(args, "config", `${where} (or MB_CONFIG)`);
  return path;
};

export const commands: readonly Command[] = [
  {
    name: "run",
    summary: "run the bridge (SIGTERM/SIGINT: graceful shutdown)",
    options: { config, catalog: catalogOption },
    notes: "The local mesh: 'npm run stack -- env' prints the variables; see README 'Running against the local mesh'.",
    run: async (args) => (await import("./commands/run.ts")).runBridgeCommand(configPath(args, "run"), args.values.catalog),
  },
  {
    name: "check",
    summary: "pre-flight: validate the configuration and reach every server, topic, schema, key and source it names",
    options: { config, catalog: catalogOption },
    notes: "One line per check. Exit 0: all ok; 1: a check failed; 2: the configuration is invalid.",
    run: async (args) => {
      const { runChecks } = await import("./commands/check.ts");
      process.exitCode = await runChecks(configPath(args, "check"), console.log, args.values.catalog);
    },
  },
  {
    name: "schemas",
    summary: "the catalog's schemas in the registry",
    subcommands: [
      {
        name: "register",
        summary: "register the catalog schemas (deploy time; run never registers)",
        options: {
          registry: {
            value: "URL",
            description: "Confluent-compatible registry (MB_REGISTRY_URL sets the default)",
            default: env.MB_REGISTRY_URL ?? meshEndpoints.registryUrl,
          },
          prefix,
          catalog: catalogOption,
        },
        run: async (args) => {
          const catalog = await catalogOf(args, "schemas register");
          const { registerCatalogSchemas } = await import("./commands/schemas.ts");
          await registerCatalogSchemas(catalog.topics, args.values.registry!, console.log, args.values.prefix);
        },
      },
    ],
  },
  {
    name: "topics",
    summary: "the catalog's Kafka topics",
    subcommands: [
      {
        name: "create",
        summary: "create the catalog and dead-letter topics (demo and tests; production provisions its own)",
        options: {
          bootstrap,
          partitions: { value: "N", description: "partitions per topic", default: "6" },
          dlq: dlqTopic,
          prefix,
          catalog: catalogOption,
        },
        run: async (args) => {
          const catalog = await catalogOf(args, "topics create");
          const { createBridgeTopics } = await import("./commands/topics.ts");
          const brokers = args.values.bootstrap!.split(",");
          await createBridgeTopics(
            catalog.topics,
            brokers,
            args.values.dlq!,
            numberOption(args, "partitions"),
            console.log,
            args.values.prefix,
          );
        },
      },
    ],
  },
  {
    name: "dry-run",
    summary: "map legacy events (JSON files) and print the catalog events, without any server",
    options: {
      tenant: { value: "T", description: 'tenant (default: the file\'s "tenant", else tenant-0001)' },
      catalog: catalogOption,
    },
    positionals: [
      {
        name: "FILE",
        description: 'a decrypted legacy event {"event_type", ...}, or {"tenant", "payload": event} as in test/golden/mapping',
        variadic: true,
      },
    ],
    run: async (args) => {
      const catalog = await catalogOf(args, "dry-run");
      const { dryRun } = await import("./commands/dry-run.ts");
      if (dryRun(catalog, args.positionals, args.values.tenant) > 0) process.exitCode = 1;
    },
  },
  {
    name: "catalog",
    summary: "catalog modules (docs/catalogs.md)",
    subcommands: [
      {
        name: "init",
        summary: "write a minimal catalog module to start from (one legacy type, one topic, its proto and golden test)",
        positionals: [{ name: "DIR", description: "a new or empty directory" }],
        run: async (args) => (await import("./commands/catalog-init.ts")).initCatalog(args.positionals),
      },
    ],
  },
  {
    name: "simulate",
    summary: "a simulated legacy backend on the local mesh",
    subcommands: [
      {
        name: "provision",
        summary: "create a legacy world: tenants, keys, SNS topics into an SQS queue (aws) or Pub/Sub topics (gcp)",
        options: {
          cloud,
          name: { value: "NAME", description: "name of the world (required)" },
          tenants: { value: "N", description: "number of tenants", default: "50" },
          "key-versions": { value: "N", description: "key versions per tenant", default: "2" },
          topology: {
            value: "per-tenant|per-type",
            description: "aws: one SNS topic per tenant or per event type",
            default: "per-tenant",
          },
          keys: { value: "static|aws-kms", description: "aws: static keys or KMS-wrapped data keys", default: "static" },
          project: { value: "P", description: "gcp: project", default: "meshbridge-sim" },
          "ordered-every": { value: "N", description: "gcp: every Nth subscription is ordered (0: none)", default: "4" },
          "ordering-keys": { value: "N", description: "gcp: ordering keys per tenant", default: "10" },
          dir: {
            value: "DIR",
            description: "where the world and key files go (MB_CACHE_DIR moves the default)",
            default: simDir,
          },
        },
        notes: emulatorNote,
        run: async (args) => (await import("./commands/simulate-command.ts")).provisionCommand(args),
      },
      {
        name: "publish",
        summary: "publish legacy events into a world made by 'simulate provision'",
        options: { cloud, world: { value: "FILE", description: "the world file (required)" }, ...workload },
        notes: emulatorNote,
        run: async (args) => (await import("./commands/simulate-command.ts")).publishCommand(args),
      },
    ],
  },
  {
    name: "dlq",
    summary: "the dead-letter topic",
    subcommands: [
      {
        name: "inspect",
        summary: "list dead letters with their context (never the bodies)",
        options: dlqFilters,
        run: async (args) => (await import("./commands/dlq-command.ts")).inspectCommand(args),
      },
      {
        name: "replay",
        summary: "send matching SQS dead letters back to a queue",
        options: { ...dlqFilters, "queue-url": { value: "URL", description: "the SQS queue to send them to (required)" } },
        run: async (args) => (await import("./commands/dlq-command.ts")).replayCommand(args),
      },
    ],
  },
  {
    name: "demo",
    summary: "the whole thing on the local mesh, both clouds (npm run demo; ./dev demo)",
    options: {
      rate: { value: "EVENTS_PER_S", description: "legacy events per second and cloud", default: "40" },
      seconds: { value: "S", description: "how long to publish", default: "60" },
      tenants: { value: "N", description: "tenants per cloud", default: "50" },
    },
    run: async (args) => {
      const [{ runDemo }, { localAws }] = await Promise.all([import("./commands/demo.ts"), import("./local-aws.ts")]);
      await runDemo({
        aws: localAws(),
        rate: numberOption(args, "rate"),
        seconds: numberOption(args, "seconds"),
        tenants: numberOption(args, "tenants"),
      });
    },
  },
];
