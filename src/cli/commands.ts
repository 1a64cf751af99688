// Every meshbridge command, declared once: help, `--help`, the subcommand lists, argument
// parsing and dispatch are generated from this table by ./command-line.ts. A new command is one
// entry here plus its module under ./commands/, imported lazily by `run`.
import { type Command, numberOption, type OptionSpec, type ParsedArgs, requiredOption, UsageError } from "./command-line.ts";

const env = process.env;

/** An option's default from the environment (MB_KAFKA_BOOTSTRAP, ...); none when it is unset or empty. */
const fromEnv = (name: string): { default?: string } => {
  const value = env[name];
  return value === undefined || value === "" ? {} : { default: value };
};

const bootstrap: OptionSpec = {
  value: "HOST:PORT[,...]",
  description: "Kafka bootstrap brokers (required; MB_KAFKA_BOOTSTRAP sets the default)",
  ...fromEnv("MB_KAFKA_BOOTSTRAP"),
};
const prefix: OptionSpec = { value: "P", description: "topic and subject prefix (kafka.topicPrefix)", default: "" };
const config: OptionSpec = { value: "FILE", description: "configuration file, .yaml/.yml or .json (default: MB_CONFIG)" };
const dlqTopic: OptionSpec = { value: "TOPIC", description: "dead-letter topic", default: "meshbridge.dlq" };
const dlqFilters: Record<string, OptionSpec> = {
  stage: { value: "S", description: "only this stage (envelope, key, decrypt, parse, map, encode, produce)" },
  "error-class": { value: "C", description: "only this error class (README: error classes)" },
  tenant: { value: "T", description: "only this tenant" },
  source: { value: "S", description: "only this source, as mb_source names it (sqs:<queue>, pubsub:<subscription>)" },
  since: { value: "TIME", description: "only dead letters written at or after TIME (ISO 8601, or a duration ago: 30m, 2h, 7d)" },
  until: { value: "TIME", description: "only dead letters written before TIME (same forms)" },
};

const registryOption: OptionSpec = {
  value: "URL",
  description: "Confluent-compatible registry (required; MB_REGISTRY_URL sets the default)",
  ...fromEnv("MB_REGISTRY_URL"),
};
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
          registry: registryOption,
          prefix,
          catalog: catalogOption,
        },
        run: async (args) => {
          const catalog = await catalogOf(args, "schemas register");
          const { registerCatalogSchemas } = await import("./commands/schemas.ts");
          await registerCatalogSchemas(
            catalog.topics,
            requiredOption(args, "registry", "schemas register"),
            console.log,
            args.values.prefix,
          );
        },
      },
      {
        name: "diff",
        summary: "compare each subject's latest registered schema with the catalog's generated one (what run requires)",
        options: {
          registry: registryOption,
          prefix,
          catalog: catalogOption,
        },
        notes: "One line per subject, with a line diff where they differ. Exit 0: all equal; 1: a subject differs or is missing.",
        run: async (args) => {
          const catalog = await catalogOf(args, "schemas diff");
          const { diffCatalogSchemas } = await import("./commands/schemas.ts");
          const differing = await diffCatalogSchemas(
            catalog.topics,
            requiredOption(args, "registry", "schemas diff"),
            console.log,
            args.values.prefix,
          );
          if (differing > 0) process.exitCode = 1;
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
          const brokers = requiredOption(args, "bootstrap", "topics create").split(",");
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
    name: "dlq",
    summary: "the dead-letter topic",
    subcommands: [
      {
        name: "inspect",
        summary: "summarise dead letters by stage, error class, tenant, event type and source, with samples (never the bodies)",
        options: {
          bootstrap,
          topic: dlqTopic,
          config: {
            value: "FILE",
            description: "take the Kafka connection and dead-letter topic from this configuration instead",
          },
          ...dlqFilters,
          samples: { value: "N", description: "samples shown per group", default: "1" },
          json: { value: "", description: "one JSON object (README: Dead letters) instead of the table", flag: true },
        },
        notes: "Reads the whole topic without committing anything; nothing is decrypted.",
        run: async (args) => (await import("./commands/dlq-command.ts")).inspectCommand(args),
      },
      {
        name: "replay",
        summary: "run dead letters again through the pipeline (decrypt, map, produce), after a key or mapper fix",
        options: {
          config,
          catalog: catalogOption,
          ...dlqFilters,
          group: {
            value: "G",
            description: "consumer group keeping the progress (default: <clientId>.dlq-replay.<topic>[.<filter digest>])",
          },
          "dry-run": {
            value: "",
            description: "run the pipeline, produce and commit nothing, report what would happen",
            flag: true,
          },
          batch: { value: "N", description: "dead letters per pipeline batch and commit", default: "100" },
          "progress-every": {
            value: "N",
            description: "a progress line on stderr every N records (and every 5 s)",
            default: "1000",
          },
          json: { value: "", description: "the final summary as one JSON object", flag: true },
        },
        notes:
          "Reads from the group's committed offsets (the beginning for a new group) up to the end offsets at the start, and commits after Kafka acknowledged each batch's records. Dead letters the filters do not select are skipped: the group moves past them, the topic keeps them.\nExit 0: done; 1: error; 2: invalid configuration or usage; 3: stopped early (signal, or a batch could not be settled); 4: done, but some failed again (written back with mb_replay_count) or cannot be replayed.",
        run: async (args) => (await import("./commands/dlq-command.ts")).replayCommand(args),
      },
    ],
  },
];
