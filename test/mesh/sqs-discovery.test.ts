// SQS queue discovery through the real bridge, on ElasticMQ: the bridge consumes the queues
// whose name has the test's prefix, and the test's queues tagged for it; a queue created while it runs is consumed after at most two
// discovery intervals; a deleted one is released with no warning or error, the others still
// served; every event of every queue reaches Kafka.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { SealedEvent } from "../../tools/simulator/legacy-stream.ts";
import { writeToQueue } from "../../tools/simulator/publish-sqs.ts";
import type { WorldFile } from "../../tools/simulator/world.ts";
import { bridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { isolatedDeployment, worldName } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { createQueue, deleteQueue, meshQueueSqs, type TestQueue, waitUntil } from "../support/mesh.ts";
import { collectRecords, compareRecords } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld } from "../support/worlds.ts";

const INTERVAL_SECONDS = 3;

describe("SQS discovery through the bridge", () => {
  it("a queue created while running is consumed; a deleted one is released without errors; nothing lost", async (t) => {
    const deployment = await isolatedDeployment("sqs-disc");
    const world = await provisionSqsWorld(deployment, 3);
    const sqs = meshQueueSqs();
    const prefix = `${worldName(deployment)}-d-`;
    const queues: TestQueue[] = [];
    t.after(async () => {
      for (const queue of queues) await deleteQueue(sqs, queue).catch(() => undefined);
      sqs.destroy();
    });
    const write = (queue: TestQueue, events: readonly SealedEvent[]): Promise<number> =>
      writeToQueue(sqs, { ...(world as WorldFile).aws, queueUrl: queue.url }, events, { rate: 0, concurrency: 4 });
    const first = await createQueue(sqs, `${prefix}first`);
    const unrelated = await createQueue(sqs, `${worldName(deployment)}-other`);
    queues.push(first, unrelated);
    const tag = `meshbridge=${worldName(deployment)}`;
    const tagged = await createQueue(sqs, `${worldName(deployment)}-tagged`, {}, { meshbridge: worldName(deployment) });
    queues.push(tagged);
    const events = legacyEvents(world, 1010, Math.floor(Math.random() * 2 ** 31));
    // The last 10 go to a queue no rule matches (no prefix, no tag): none of their records may appear.
    const all = events.slice(0, 1000);
    const [toFirst, toLater, toLaterAfterDelete, toTagged] = [
      all.slice(0, 300),
      all.slice(300, 600),
      all.slice(600, 900),
      all.slice(900),
    ];
    assert.equal(await write(unrelated, events.slice(1000)), 10);
    assert.equal(await write(tagged, toTagged), toTagged.length);

    const bridge = await startBridgeProcess(
      deployment,
      bridgeConfig(deployment, world, {
        sources: {
          sqsDiscovery: {
            // The tag rule lists only the test's queues: the emulator is shared.
            rules: [{ prefix }, { prefix: worldName(deployment), tag }],
            discoveryIntervalSeconds: INTERVAL_SECONDS,
            receivers: 4,
          },
        },
        logLevel: "debug",
      }),
    );
    t.after(() => {
      bridge.child.kill("SIGKILL");
      writeFileSync(join(deployment.directory, "bridge.log"), bridge.logs.join("\n"));
    });
    assert.equal(await write(first, toFirst), toFirst.length);
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", toFirst.length + toTagged.length, 120_000);

    // Created while running.
    const logsAtCreation = bridge.logs.length;
    const createdAt = Date.now();
    const later = await createQueue(sqs, `${prefix}later`);
    queues.push(later);
    assert.equal(await write(later, toLater), toLater.length);
    const addedLine = (): string | undefined =>
      bridge.logs.slice(logsAtCreation).find((line) => line.includes('"SQS discovery"') && line.includes('"added":1'));
    await waitUntil(() => addedLine() !== undefined, 120_000, "the new queue discovered", 100);
    const addedAfterMs = Date.parse((JSON.parse(addedLine()!) as { time: string }).time) - createdAt;
    await bridge.waitForMetric(
      "meshbridge_source_messages_acked_total",
      toFirst.length + toTagged.length + toLater.length,
      120_000,
    );

    // Deleted while running (its messages all settled): released, the other still served.
    const logsBefore = bridge.logs.length;
    await deleteQueue(sqs, first);
    queues.splice(queues.indexOf(first), 1);
    await waitUntil(
      () => bridge.logs.slice(logsBefore).some((line) => line.includes('"removed":1') || line.includes("SQS queue deleted")),
      120_000,
      "the deleted queue released",
      100,
    );
    assert.equal(await write(later, toLaterAfterDelete), toLaterAfterDelete.length);
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", all.length, 120_000);
    // Two more intervals: scans after the deletion find nothing to complain about.
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL_SECONDS * 1000));
    const complaints = bridge.logs.slice(logsBefore).filter((line) => /"level":"(warn|error|fatal)"/.test(line));

    const expected = expectedRecords(all, deployment.prefix);
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records) => new Set(records.map((record) => record.ceId)).size >= expected.records.size,
      60_000,
    );
    const result = compareRecords(catalog, expected);
    t.diagnostic(
      `new queue discovered ${addedAfterMs} ms after its creation (interval ${INTERVAL_SECONDS} s); ` +
        `${all.length} events -> ${expected.records.size} records expected, ${result.missing.length} missing, ` +
        `${result.duplicates} duplicates; ${complaints.length} warnings after the deletion`,
    );
    assert.ok(
      addedAfterMs <= 2 * INTERVAL_SECONDS * 1000 + 5000,
      `discovered ${addedAfterMs} ms after creation: more than two intervals (plus 5 s for a loaded machine)`,
    );
    assert.deepEqual(complaints, [], "no warning or error once the queue was deleted");
    assert.deepEqual(result.missing.slice(0, 5), [], `${result.missing.length} records missing`);
    assert.deepEqual(result.unexpected.slice(0, 5), [], "nothing from the unrelated queue, nothing unexpected");
    assert.deepEqual(result.mismatched, []);
    assert.equal(deadLetters.length, 0);
    assert.equal(await bridge.stop(), 0, "graceful shutdown exits 0");
  });
});
