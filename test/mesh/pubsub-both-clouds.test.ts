// Both clouds in one process: an SQS source and the Pub/Sub source share the budget, the
// pipeline and the producer. Events from both arrive, field by field.
import assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import {
  simulateProvision,
  simulateProvisionPubSub,
  simulatePublish,
  simulatePublishPubSub,
} from "../../src/cli/commands/simulate.ts";
import type { StaticKeyFile } from "../../src/crypto/static-keyring.ts";
import { legacyStream, type SealedEvent } from "../../src/simulator/legacy-stream.ts";
import { deletePubSubWorld, type PubSubWorldFile, pubsubSealKeys } from "../../src/simulator/pubsub-world.ts";
import { sealKeys, type WorldFile } from "../../src/simulator/world.ts";
import { meshAwsConfig, meshPubSub, uniqueName } from "../support/mesh.ts";
import {
  type BridgeUnderTest,
  compareRecords,
  expectationsFor,
  PUBSUB_PROJECT,
  prepareCatalog,
  RecordCollector,
  SIM_DIR,
  startTestBridge,
  type TestCatalog,
} from "./pubsub-harness.ts";

const COUNT = 200;
const pubsub = meshPubSub(PUBSUB_PROJECT);
let gcp: PubSubWorldFile;
let aws: WorldFile;
let keyFile: string;
let catalog: TestCatalog;
let collector: RecordCollector;
let running: BridgeUnderTest | undefined;

before(async () => {
  catalog = await prepareCatalog("psboth");
  const name = uniqueName("psboth");
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  aws = await simulateProvision({
    aws: meshAwsConfig,
    name: `${name}-aws`,
    tenants: 4,
    keyVersions: 2,
    topology: "per-tenant",
    keys: "static",
    directory: SIM_DIR,
  });
  gcp = await simulateProvisionPubSub({
    project: PUBSUB_PROJECT,
    emulatorHost: meshEndpoints.pubsubEmulatorHost,
    name: `${name}-gcp`,
    tenants: 4,
    keyVersions: 2,
    orderedEvery: 2,
    orderingKeysPerTenant: 3,
    directory: SIM_DIR,
    tenantNames: Array.from({ length: 4 }, (_, index) => `${name}-gcp-t${index}`),
  });
  // One key file for the bridge: both legacy backends' tenants.
  keyFile = `${SIM_DIR}/${name}.bridge-keys.json`;
  const read = (path: string): StaticKeyFile => JSON.parse(readFileSync(path, "utf8")) as StaticKeyFile;
  const merged: StaticKeyFile = {
    tenants: { ...read(aws.keys.bridgeKeyFile).tenants, ...read(gcp.keys.bridgeKeyFile).tenants },
  };
  writeFileSync(keyFile, JSON.stringify(merged), { mode: 0o600 });
  collector = await RecordCollector.open(catalog);
});

after(async () => {
  await running?.bridge.stop();
  await collector?.close();
  if (gcp !== undefined) await deletePubSubWorld(pubsub, gcp.pubsub);
  await pubsub.close();
});

test("SQS and Pub/Sub sources in one bridge: both streams arrive complete", { timeout: 120_000 }, async () => {
  running = await startTestBridge(
    catalog,
    keyFile,
    {
      sqs: [{ queueUrl: aws.aws.queueUrl, receivers: 2, waitTimeSeconds: 1 }],
      pubsub: {
        project: PUBSUB_PROJECT,
        emulatorHost: meshEndpoints.pubsubEmulatorHost,
        discovery: [{ label: gcp.pubsub.label }],
      },
    },
    { maxMessages: 100 },
  );
  const stream = (
    tenants: readonly string[],
    keyFor: (tenant: string, version: number) => KeyObject,
    seed: number,
  ): SealedEvent[] => [...legacyStream({ tenants, keyVersions: [1, 2], count: COUNT, seed, targetBytes: 0, keyFor })];
  const expectedAws = expectationsFor(stream(aws.tenants, sealKeys(aws), 11), catalog.prefix);
  const expectedGcp = expectationsFor(stream(gcp.tenants, pubsubSealKeys(gcp), 12), catalog.prefix);
  let maxInFlight = 0;
  const sampler = setInterval(() => {
    maxInFlight = Math.max(maxInFlight, running?.bridge.budget.messages ?? 0);
  }, 5);
  await Promise.all([
    simulatePublish({ aws: meshAwsConfig, world: aws, count: COUNT, rate: 0, seed: 11, targetBytes: 0 }),
    simulatePublishPubSub({
      emulatorHost: meshEndpoints.pubsubEmulatorHost,
      world: gcp,
      count: COUNT,
      rate: 0,
      seed: 12,
      targetBytes: 0,
    }),
  ]);
  const want = expectedAws.records.size + expectedGcp.records.size;
  const arrived = await collector.waitFor(() => new Set(collector.records.map((record) => record.ceId)).size >= want, 60_000);
  clearInterval(sampler);
  const fromAws = await compareRecords(collector.records, expectedAws, new Set(aws.tenants), catalog.prefix);
  const fromGcp = await compareRecords(collector.records, expectedGcp, new Set(gcp.tenants), catalog.prefix);
  console.log(
    `both clouds: SQS ${fromAws.matched}/${expectedAws.records.size} matched (${fromAws.duplicates} dup), ` +
      `Pub/Sub ${fromGcp.matched}/${expectedGcp.records.size} matched (${fromGcp.duplicates} dup); shared budget peak ${maxInFlight}/100`,
  );
  if (!arrived) console.log(`dead letters ${collector.deadLetters.length}; first warnings`, running.warnings.slice(0, 3));
  assert.ok(arrived, "not everything arrived");
  for (const result of [fromAws, fromGcp]) {
    assert.deepEqual(result.missing, []);
    assert.deepEqual(result.mismatched, []);
  }
  assert.ok(maxInFlight <= 100, `shared budget exceeded: ${maxInFlight}`);
});
