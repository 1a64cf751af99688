// The dead-letter round trip: a tenant whose key was not yet provisioned dead-letters its events
// (UnknownTenant); once the key is added, `dlq replay` sends exactly those back to the queue and
// they reach Kafka. `dlq inspect` lists them without their bodies.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, it } from "node:test";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { describeDeadLetter, readDeadLetters, replayToSqs } from "../../src/cli/commands/dlq.ts";
import { bridgeConfig, sqsSource, startBridgeProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { meshQueueSqs } from "../support/mesh.ts";
import { collectRecords, distinctCeIds, tally } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

const sqs = meshQueueSqs();
after(() => sqs.destroy());

it("dead letters of a tenant without keys are replayed once its key exists, and then reach Kafka", async (t) => {
  const deployment = await isolatedDeployment("dlq-replay");
  const world = await provisionSqsWorld(deployment, 3);
  const late = world.tenants[2]!;
  const fullKeys = JSON.parse(readFileSync(world.keys.bridgeKeyFile, "utf8")) as { tenants: Record<string, unknown> };
  const withoutLate = { tenants: { ...fullKeys.tenants, [late]: undefined } };
  const keyFile = `${deployment.directory}/bridge-keys.json`;
  writeFileSync(keyFile, JSON.stringify(withoutLate));
  const config = bridgeConfig(deployment, world, { sources: sqsSource(world), keyFile });

  const sent = legacyEvents(world, 60, Date.now() % 1e9);
  const { records: expected } = expectedRecords(sent, deployment.prefix);
  const lateEvents = sent.filter((event) => event.tenant === late).length;

  const first = await startBridgeProcess(deployment, config, "without-key");
  await publishToSqsWorld(world, sent, { rate: 0, concurrency: 4 });
  await first.waitForMetric("meshbridge_source_messages_acked_total", sent.length, 60_000);
  assert.equal(await first.metric("meshbridge_dead_lettered_total"), lateEvents);
  assert.equal(await first.stop(), 0);

  const read = { bootstrapBrokers: [meshEndpoints.kafkaBootstrap], topic: deployment.deadLetterTopic, idleMs: 2000, filter: {} };
  const listed: string[] = [];
  await readDeadLetters(read, (record) => {
    listed.push(describeDeadLetter(record));
  });
  assert.equal(listed.length, lateEvents);
  assert.ok(
    listed.every((line) => line.includes("key/UnknownTenant") && line.includes(`tenant=${late}`)),
    listed[0],
  );
  assert.ok(!listed.some((line) => line.includes('"ct"')), "inspect never prints bodies");

  writeFileSync(keyFile, JSON.stringify(fullKeys));
  const second = await startBridgeProcess(deployment, config, "with-key");
  try {
    const replayed = await replayToSqs(sqs, world.aws.queueUrl, {
      ...read,
      filter: { errorClass: "UnknownTenant", tenant: late },
    });
    assert.equal(replayed, lateEvents);
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records) => distinctCeIds(records) >= expected.size,
      60_000,
    );
    const { missing } = tally(expected, catalog);
    t.diagnostic(
      `${lateEvents} of ${sent.length} events dead-lettered, replayed ${replayed}; ${missing.length} records missing afterwards`,
    );
    assert.deepEqual(missing, []);
    assert.equal(deadLetters.length, lateEvents, "no new dead letters after the replay");
  } finally {
    assert.equal(await second.stop(), 0);
  }
});
