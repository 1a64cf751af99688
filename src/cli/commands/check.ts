// `meshbridge check --config FILE`: the pre-flight check. Validates the configuration, then
// reaches everything it names — the Kafka brokers and topics, the registry and each subject's
// latest schema, the tenant keys (and KMS), every SQS queue and Pub/Sub subscription — and prints
// one line per check. Returns the exit code: 0 all ok, 1 a check failed, 2 invalid configuration.

import type { CatalogModule } from "../../mapping/catalog-module.ts";
import { describeProbeError, type ProbeResult } from "../../sources/probe.ts";
import { type BridgeConfig, ConfigError, loadConfig } from "../config.ts";
import { deployedCatalog } from "../deployed-catalog.ts";
import { resultLine } from "./schema-compare.ts";

type Out = (line: string) => void;

const line = resultLine;

async function checkKafka(config: BridgeConfig, catalog: CatalogModule): Promise<ProbeResult[]> {
  const { listMissingTopics } = await import("../../sink/topics.ts");
  const brokers = config.kafka.bootstrapBrokers.join(",");
  const topics = [
    ...deployedCatalog(catalog.topics, config.kafka.topicPrefix).map((entry) => entry.topic),
    config.kafka.deadLetterTopic,
  ];
  let missing: Set<string>;
  try {
    missing = new Set(
      await listMissingTopics(
        {
          bootstrapBrokers: config.kafka.bootstrapBrokers,
          clientId: config.kafka.clientId,
          tls: config.kafka.tls,
          sasl: config.kafka.sasl,
        },
        topics,
      ),
    );
  } catch (error) {
    return [
      { subject: `kafka ${brokers}`, problem: `unreachable: ${describeProbeError(error)}` },
      { subject: `kafka topics (${topics.length})`, problem: "not checked: the brokers are unreachable" },
    ];
  }
  return [
    { subject: `kafka ${brokers}`, detail: "reachable (metadata)" },
    ...topics.map((topic) =>
      missing.has(topic)
        ? { subject: `topic ${topic}`, problem: "does not exist; create it (meshbridge topics create) or fix the config" }
        : { subject: `topic ${topic}`, detail: "exists" },
    ),
  ];
}

/** The start-up schema check, one subject at a time so that each gets its line. */
async function checkSchemas(config: BridgeConfig, catalog: CatalogModule): Promise<ProbeResult[]> {
  const [{ compareSchemas }, { registryClientFor }] = await Promise.all([
    import("./schema-compare.ts"),
    import("../registry-client.ts"),
  ]);
  const entries = deployedCatalog(catalog.topics, config.kafka.topicPrefix);
  return compareSchemas(entries, registryClientFor(config.registry), config.registry.url);
}

async function checkKeys(config: BridgeConfig): Promise<ProbeResult[]> {
  const keys = config.keys;
  const origin = keys.json === undefined ? `key file ${keys.file}` : "keys.json";
  if (keys.provider === "static") {
    const { StaticKeyring } = await import("../../crypto/static-keyring.ts");
    try {
      if (keys.json === undefined) await StaticKeyring.fromFile(keys.file!);
      else StaticKeyring.fromJson(keys.json, "static keys from keys.json");
      return [{ subject: `keys (static, ${origin})`, detail: "readable and valid" }];
    } catch (error) {
      return [{ subject: `keys (static, ${origin})`, problem: describeProbeError(error) }];
    }
  }
  const [{ readFile }, { AwsKmsDataKeyProvider, parseKmsKeyFile }, { createKmsClient }] = await Promise.all([
    import("node:fs/promises"),
    import("../../crypto/kms-keyring.ts"),
    import("../../sources/aws-clients.ts"),
  ]);
  let parsed: ReturnType<typeof parseKmsKeyFile>;
  try {
    parsed = parseKmsKeyFile(keys.json ?? (await readFile(keys.file!, "utf8")), origin);
  } catch (error) {
    return [{ subject: `keys (aws-kms, ${origin})`, problem: describeProbeError(error) }];
  }
  const subject = `kms ${config.aws.endpoint ?? config.aws.region} (key ${parsed.kmsKeyId})`;
  const client = createKmsClient({ region: config.aws.region, endpoint: config.aws.endpoint });
  const provider = new AwsKmsDataKeyProvider(parsed, origin, client, true);
  try {
    // Every data key once: a key wrapped for another tenant or KMS key shows here, not in the DLQ.
    const wanted = [...parsed.wrappedKeys].flatMap(([tenant, versions]) => [...versions.keys()].map((v) => [tenant, v] as const));
    const failures: string[] = [];
    const queue = [...wanted];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        try {
          (await provider.resolve(next[0], next[1])).fill(0);
        } catch (error) {
          failures.push(describeProbeError(error));
          if (error instanceof Error && error.name === "KeyServiceUnavailableError") queue.length = 0; // unreachable: one is enough
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    if (failures.length > 0) {
      return [{ subject, problem: `${failures.length} of ${wanted.length} data keys not unwrapped; first: ${failures[0]}` }];
    }
    return [{ subject, detail: `reachable; ${wanted.length} data keys of ${parsed.wrappedKeys.size} tenants unwrapped` }];
  } finally {
    await provider.close();
  }
}

async function checkSqs(config: BridgeConfig): Promise<ProbeResult[]> {
  if (config.sources.sqs.length === 0) return [];
  const [{ createSqsClient }, { probeSqsQueues }] = await Promise.all([
    import("../../sources/aws-clients.ts"),
    import("../../sources/sqs/probe.ts"),
  ]);
  const sqs = createSqsClient({ region: config.aws.region, endpoint: config.aws.endpoint });
  try {
    return await probeSqsQueues(
      sqs,
      config.sources.sqs.map((source) => source.queueUrl),
    );
  } finally {
    sqs.destroy();
  }
}

async function checkPubSub(config: BridgeConfig): Promise<ProbeResult[]> {
  const pubsub = config.sources.pubsub;
  if (pubsub === undefined) return [];
  const [{ createSubscriberApi }, { probePubSub }] = await Promise.all([
    import("../../sources/pubsub/subscriber-api.ts"),
    import("../../sources/pubsub/probe.ts"),
  ]);
  const api = createSubscriberApi({ projectId: pubsub.project, emulatorHost: pubsub.emulatorHost }, { callTimeoutMs: 10_000 });
  try {
    return await probePubSub(api, pubsub);
  } finally {
    await api.close();
  }
}

/** `catalog` (--catalog) overrides the file's catalog.module, as MB_CATALOG does. */
export async function runChecks(path: string, out: Out, catalogSpec?: string): Promise<number> {
  let config: BridgeConfig;
  let catalog: CatalogModule;
  try {
    config = loadConfig(path, catalogSpec === undefined ? process.env : { ...process.env, MB_CATALOG: catalogSpec });
    const { loadCatalogModule } = await import("../load-catalog.ts");
    catalog = await loadCatalogModule(config.catalog.module);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out(line({ subject: `config ${path}`, problem: error.message }));
    return 2;
  }
  const sources = config.sources.sqs.length + (config.sources.pubsub === undefined ? 0 : 1);
  const results: ProbeResult[] = [
    {
      subject: `config ${path}`,
      detail: `valid (${sources} source${sources === 1 ? "" : "s"}; catalog ${catalog.name}, ${catalog.topics.length} topics)`,
    },
  ];
  out(line(results[0]!));
  // Independent checks run together; their lines come out in a fixed order.
  const groups = await Promise.all([
    checkKafka(config, catalog),
    checkSchemas(config, catalog),
    checkKeys(config),
    checkSqs(config),
    checkPubSub(config),
  ]);
  for (const result of groups.flat()) {
    results.push(result);
    out(line(result));
  }
  const failed = results.filter((result) => result.problem !== undefined).length;
  out(failed === 0 ? `all ${results.length} checks passed` : `${failed} of ${results.length} checks failed`);
  return failed === 0 ? 0 : 1;
}
