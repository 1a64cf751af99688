// `npm run demo` (`./dev demo`): the whole bridge on the local mesh, both clouds at once. Registers the
// schemas, creates the topics, provisions a legacy world (AWS: SNS topics into one SQS queue;
// GCP: a Pub/Sub topic and subscription per tenant, found by discovery), runs one bridge over
// both, publishes legacy events (plus a few broken ones), and prints decoded catalog events and
// running counts from a Kafka consumer.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { toJson } from "@bufbuild/protobuf";
import { catalogTopics, demoCatalogModule } from "../../catalog/index.ts";
import { cacheDir, meshEndpoints } from "../../infra/stack/ports.ts";
import { startBridge } from "../../src/cli/bridge.ts";
import { registerCatalogSchemas } from "../../src/cli/commands/schemas.ts";
import { createBridgeTopics } from "../../src/cli/commands/topics.ts";
import { parseConfig, redactConfig } from "../../src/cli/config.ts";
import { openRecordReader } from "../../src/ops/kafka-reader.ts";
import { createLogger } from "../../src/ops/log.ts";
import { dlqHeader } from "../../src/pipeline/records.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import { type AwsClientConfig, createSqsClient } from "../../src/sources/aws-clients.ts";
import { simulateProvision, simulateProvisionPubSub, simulatePublish, simulatePublishPubSub } from "../simulator/simulate.ts";
import { demoSummary } from "./demo-summary.ts";
import { CatalogRecordDecoder } from "./record-decoder.ts";

export interface DemoOptions {
  readonly aws: AwsClientConfig;
  readonly rate: number;
  readonly seconds: number;
  readonly tenants: number;
}

const DLQ = "meshbridge.dlq";
/** Worlds, keys and the bridge config of each demo run (MB_CACHE_DIR moves it). */
const SIM_DIR = join(cacheDir, "sim");

/** The tenants section of a static key file (never logged). */
function readKeyFile(path: string): Record<string, unknown> {
  return (JSON.parse(readFileSync(path, "utf8")) as { tenants: Record<string, unknown> }).tenants;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const say = (line: string): void => console.log(`[demo] ${line}`);
  // moto takes any credentials; the bridge itself uses the SDK's default chain, as in production.
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  say("registering catalog schemas and creating topics");
  await registerCatalogSchemas(catalogTopics, meshEndpoints.registryUrl, () => {});
  await createBridgeTopics(catalogTopics, [meshEndpoints.kafkaBootstrap], DLQ, 6, () => {});
  const name = `demo-${Date.now().toString(36)}`;
  say(
    `provisioning the AWS side of legacy world ${name}: ${options.tenants} tenants, 2 key versions each, SNS topics into one SQS queue`,
  );
  const world = await simulateProvision({
    aws: options.aws,
    name,
    tenants: options.tenants,
    keyVersions: 2,
    topology: "per-tenant",
    keys: "static",
    directory: SIM_DIR,
  });
  const gcpTenants = Array.from({ length: options.tenants }, (_, index) => `gcp-tenant-${String(index + 1).padStart(4, "0")}`);
  say(
    `provisioning the GCP side: ${gcpTenants.length} more tenants, one Pub/Sub topic and subscription each (every 5th ordered)`,
  );
  const gcpWorld = await simulateProvisionPubSub({
    project: "meshbridge-demo",
    emulatorHost: meshEndpoints.pubsubEmulatorHost,
    name: `${name}-gcp`,
    tenants: gcpTenants.length,
    tenantNames: gcpTenants,
    keyVersions: 2,
    orderedEvery: 5,
    orderingKeysPerTenant: 4,
    directory: SIM_DIR,
  });
  // One keyring for both clouds: the two worlds' tenants are distinct, their key files merge.
  const keyFile = join(SIM_DIR, `${name}.bridge-keys.json`);
  const merged = { tenants: { ...readKeyFile(world.keys.bridgeKeyFile), ...readKeyFile(gcpWorld.keys.bridgeKeyFile) } };
  writeFileSync(keyFile, JSON.stringify(merged), { mode: 0o600 });

  const config = parseConfig({
    catalog: { module: demoCatalogModule },
    kafka: { bootstrapBrokers: [meshEndpoints.kafkaBootstrap], deadLetterTopic: DLQ },
    registry: { url: meshEndpoints.registryUrl },
    aws: { region: options.aws.region, endpoint: options.aws.endpoint },
    keys: { provider: "static", file: keyFile },
    sources: {
      sqs: [{ queueUrl: world.aws.queueUrl }],
      pubsub: {
        project: "meshbridge-demo",
        emulatorHost: meshEndpoints.pubsubEmulatorHost,
        discovery: [{ prefix: gcpWorld.pubsub.subscriptionPrefix }],
        discoveryIntervalSeconds: 5,
      },
    },
    http: { port: 9464, host: "127.0.0.1" },
    log: { level: "warn" },
  });
  writeFileSync(join(SIM_DIR, `${name}.bridge.json`), JSON.stringify(redactConfig(config), null, 2));
  const bridge = await startBridge(config, createLogger("warn", { service: "meshbridge" }));
  say(`bridge running; metrics at http://127.0.0.1:${bridge.opsPort}/metrics (config ${join(SIM_DIR, `${name}.bridge.json`)})`);

  const decoder = new CatalogRecordDecoder(new RegistryClient({ url: meshEndpoints.registryUrl }), catalogTopics);
  const reader = await openRecordReader({
    bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
    topics: [...catalogTopics.map((entry) => entry.topic), DLQ],
    groupId: `${name}-viewer`,
    from: "latest",
  });
  const tenants = new Set([...world.tenants, ...gcpTenants]);
  const counts = { sent: 0, catalog: 0, deadLettered: 0 };
  let shown = 0;
  const consuming = (async () => {
    for await (const message of reader.stream) {
      const headers = message.headers;
      if (message.topic === DLQ) {
        counts.deadLettered++;
        say(`DLQ   ${headers.get(dlqHeader.stage)}/${headers.get(dlqHeader.errorClass)}: ${headers.get(dlqHeader.errorMessage)}`);
        continue;
      }
      if (!tenants.has(headers.get("tenant") ?? "")) continue;
      counts.catalog++;
      if (shown < 8 || counts.catalog % Math.max(1, options.rate * 2) === 0) {
        shown++;
        const decoded = await decoder.decode(message.topic, message.value);
        say(`${message.topic} key=${message.key} ${JSON.stringify(toJson(decoded.schema, decoded.message)).slice(0, 160)}`);
      }
    }
  })();
  await sleep(1500); // let the consumer join before events flow

  const ticker = setInterval(() => {
    say(
      `sent ${counts.sent} legacy events | in Kafka ${counts.catalog} catalog records, ${counts.deadLettered} dead-lettered | bridge acked ${bridge.metrics.acked.get()}`,
    );
  }, 2000);
  // A publisher that fails (moto timing out under too high a rate) must not leave the bridge
  // running and the process hanging: stop everything, then report the failure.
  try {
    const total = options.rate * options.seconds;
    say(`publishing ${total} legacy events at ${options.rate}/s to each cloud: SNS (half the topics raw delivery) and Pub/Sub`);
    const seed = Date.now() % 100_000;
    await Promise.all([
      simulatePublish({
        aws: options.aws,
        world,
        count: total,
        rate: options.rate,
        seed,
        targetBytes: 0,
        onPublished: () => counts.sent++,
      }),
      simulatePublishPubSub({
        emulatorHost: meshEndpoints.pubsubEmulatorHost,
        world: gcpWorld,
        count: total,
        rate: options.rate,
        seed,
        targetBytes: 0,
        onPublished: () => counts.sent++,
      }),
    ]);

    say("sending 3 broken messages straight to the queue (malformed JSON, unknown tenant, tampered ciphertext)");
    const sqs = createSqsClient(options.aws);
    const good = JSON.stringify({
      v: 1,
      tenant: world.tenants[0],
      kver: 1,
      alg: "A256GCM",
      eid: "demo-tampered",
      iv: "AAAAAAAAAAAAAAAA",
      ct: "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: world.aws.queueUrl,
        Entries: [
          { Id: "malformed", MessageBody: "{not json" },
          { Id: "unknown-tenant", MessageBody: good.replace(world.tenants[0]!, "tenant-unknown") },
          { Id: "tampered", MessageBody: good },
        ],
      }),
    );
    counts.sent += 3;
    sqs.destroy();

    const deadline = Date.now() + 30_000;
    const settled = (): boolean => bridge.metrics.acked.get() >= counts.sent && counts.catalog >= bridge.metrics.produced.get();
    while (!settled() && Date.now() < deadline) await sleep(250);
    await sleep(1000);
    const summary = demoSummary({
      sent: counts.sent,
      acked: bridge.metrics.acked.get(),
      produced: bridge.metrics.produced.get(),
      catalogRead: counts.catalog,
      deadLettered: counts.deadLettered,
      withoutRecords: bridge.metrics.skipped.get(),
    });
    for (const line of summary) say(line);
  } finally {
    clearInterval(ticker);
    await bridge.stop();
    await reader.close();
    await consuming.catch(() => undefined);
  }
}
