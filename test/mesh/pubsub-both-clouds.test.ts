// Both clouds in one process: an SQS source and the Pub/Sub source share the budget, the
// pipeline and the producer. Events from both arrive, field by field.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { StaticKeyFile } from "../../src/crypto/static-keyring.ts";
import type { WorldFile } from "../../tools/simulator/world.ts";
import { pubsubSource, sqsSource } from "../support/bridge.ts";
import { expectedRecords } from "../support/expected.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";
import { compareRecords, distinctCeIds } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

const COUNT = 200;
let aws: WorldFile;
let keyFile: string;
const gcp = provisionPubSubTestWorld(
  "psboth",
  { tenants: 4, keyVersions: 2, orderedEvery: 2, orderingKeysPerTenant: 3 },
  async ({ deployment, world }) => {
    // Through SNS on moto: the bridge config is built from the Pub/Sub world, with moto as its AWS endpoint.
    aws = await provisionSqsWorld(deployment, 4, { suffix: "-aws", queue: "moto-sns" });
    // One key file for the bridge: both legacy backends' tenants.
    keyFile = join(deployment.directory, "both.bridge-keys.json");
    const read = (path: string): StaticKeyFile => JSON.parse(readFileSync(path, "utf8")) as StaticKeyFile;
    const merged: StaticKeyFile = {
      tenants: { ...read(aws.keys.bridgeKeyFile).tenants, ...read(world.keys.bridgeKeyFile).tenants },
    };
    writeFileSync(keyFile, JSON.stringify(merged), { mode: 0o600 });
  },
);

test("SQS and Pub/Sub sources in one bridge: both streams arrive complete", { timeout: 120_000 }, async () => {
  const { world, collector } = gcp;
  const running = await gcp.startBridge({
    sources: {
      ...sqsSource(aws, { receivers: 2, waitTimeSeconds: 1 }),
      pubsub: pubsubSource({ discovery: [{ label: world.pubsub.label }] }),
    },
    keyFile,
    budget: { maxMessages: 100 },
  });
  const fromSqs = legacyEvents(aws, COUNT, 11);
  const expectedAws = expectedRecords(fromSqs, gcp.deployment.prefix);
  const expectedGcp = expectedRecords(legacyEvents(world, COUNT, 12), gcp.deployment.prefix);
  let maxInFlight = 0;
  const sampler = setInterval(() => {
    maxInFlight = Math.max(maxInFlight, running.bridge.budget.messages);
  }, 5);
  await Promise.all([publishToSqsWorld(aws, fromSqs, { rate: 0, concurrency: 16 }), gcp.publish({ count: COUNT, seed: 12 })]);
  const want = expectedAws.records.size + expectedGcp.records.size;
  const arrived = await collector.waitFor(() => distinctCeIds(collector.records) >= want, 60_000);
  clearInterval(sampler);
  const decoded = await collector.decoded();
  const fromAws = compareRecords(decoded, expectedAws, new Set(aws.tenants));
  const fromGcp = compareRecords(decoded, expectedGcp, new Set(world.tenants));
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
