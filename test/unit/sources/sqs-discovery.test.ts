// SQS queue discovery against an in-memory SQS: rules by name prefix and/or tag (listed page by
// page), queues added and dropped while running on one shared set of receivers, a deleted
// queue released without warnings, configured queues left alone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createLogger } from "../../../src/ops/log.ts";
import { InFlightBudget } from "../../../src/pipeline/budget.ts";
import type { SourceMessage } from "../../../src/sources/source.ts";
import { discoverQueues, matchesTag } from "../../../src/sources/sqs/discovery.ts";
import { SqsSource } from "../../../src/sources/sqs/sqs-source.ts";
import { FakeSqs } from "../../support/fake-sqs.ts";
import { startWith } from "../../support/source-context.ts";

const until = async (what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const client = (fake: FakeSqs): SQSClient => fake as unknown as SQSClient;

describe("SQS discovery rules", () => {
  it("a tag rule matches key, or key=value exactly", () => {
    assert.equal(matchesTag({ meshbridge: "on" }, "meshbridge"), true);
    assert.equal(matchesTag({ meshbridge: "on" }, "meshbridge=on"), true);
    assert.equal(matchesTag({ meshbridge: "off" }, "meshbridge=on"), false);
    assert.equal(matchesTag({ other: "on" }, "meshbridge"), false);
    assert.equal(matchesTag({ meshbridge: "" }, "meshbridge="), true);
  });

  it("selects by prefix (every page) and/or tag", async () => {
    const fake = new FakeSqs();
    const a = fake.createQueue("legacy-a");
    const b = fake.createQueue("legacy-b");
    const c = fake.createQueue("legacy-c.fifo", { meshbridge: "on" });
    const tagged = fake.createQueue("tenant-x", { meshbridge: "on" });
    fake.createQueue("tenant-y", { meshbridge: "off" });
    fake.createQueue("unrelated");
    assert.deepEqual([...(await discoverQueues(client(fake), [{ prefix: "legacy-" }]))].sort(), [a, b, c]);
    assert.deepEqual([...(await discoverQueues(client(fake), [{ tag: "meshbridge=on" }]))].sort(), [c, tagged]);
    assert.deepEqual([...(await discoverQueues(client(fake), [{ prefix: "legacy-", tag: "meshbridge" }]))], [c]);
    assert.deepEqual(
      [...(await discoverQueues(client(fake), [{ prefix: "legacy-" }, { tag: "meshbridge=on" }]))].sort(),
      [a, b, c, tagged],
      "a queue matching two rules is found once",
    );
  });
});

describe("SqsSource with discovery", () => {
  it("consumes matching queues on shared receivers, adds and drops them while running, leaves configured ones alone", async () => {
    const fake = new FakeSqs();
    const lines: string[] = [];
    const log = createLogger("info", {}, (line) => lines.push(line));
    const a = fake.createQueue("legacy-a");
    const b = fake.createQueue("legacy-b");
    const configured = fake.createQueue("legacy-configured");
    const unrelated = fake.createQueue("unrelated");
    for (const url of [a, b, configured, unrelated]) fake.put(url, `first in ${url}`);
    const delivered: SourceMessage[] = [];
    const sqs = new SqsSource(
      client(fake),
      {
        rules: [{ prefix: "legacy-" }],
        discoveryIntervalMs: 30,
        exclude: [configured],
        receivers: 2,
        waitTimeSeconds: 20,
        visibilityTimeoutSeconds: 30,
      },
      log,
    );
    const budget = new InFlightBudget(100, 1 << 20);
    await startWith(sqs, budget, (batch) => {
      delivered.push(...batch);
      for (const message of batch) message.ack();
    });
    assert.deepEqual(sqs.queueUrls().sort(), [a, b], "found at start");
    await until("both discovered queues drained", () => fake.depth(a) === 0 && fake.depth(b) === 0);
    assert.equal(fake.depth(configured), 1, "a configured queue is not taken by discovery");
    assert.equal(fake.depth(unrelated), 1);
    assert.deepEqual(delivered.map((message) => message.source).sort(), ["sqs:legacy-a", "sqs:legacy-b"]);

    // Created while running: picked up by a later scan, on the same receivers.
    const c = fake.createQueue("legacy-c");
    fake.put(c, "in c");
    await until("the new queue consumed", () => fake.depth(c) === 0);
    assert.ok(sqs.queueUrls().includes(c));

    // Deleted while running: released, without a warning.
    fake.deleteQueue(b);
    await until("the deleted queue released", () => !sqs.queueUrls().includes(b));
    fake.put(a, "still served");
    await until("the others still served", () => fake.depth(a) === 0);
    const receivesOfB = fake.receives.get(b) ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(fake.receives.get(b) ?? 0, receivesOfB, "no receives on a released queue");
    await sqs.stop();
    assert.ok(sqs.stats.discoveryScans >= 3, `rescanned (${sqs.stats.discoveryScans} scans)`);
    assert.deepEqual(
      lines.filter((line) => /"level":"(warn|error)"/.test(line)),
      [],
      "no warnings or errors",
    );
    assert.ok(lines.some((line) => line.includes('"SQS discovery"')));
    assert.equal(budget.messages, 0);
  });

  it("more queues than receivers: receives do not wait, and every queue is served", async () => {
    const fake = new FakeSqs();
    const urls = Array.from({ length: 6 }, (_, index) => fake.createQueue(`legacy-${index}`));
    const waits: number[] = [];
    const recording = {
      send: (command: { input: { WaitTimeSeconds?: number } }, options?: { abortSignal?: AbortSignal }) => {
        if (command.input.WaitTimeSeconds !== undefined) waits.push(command.input.WaitTimeSeconds);
        return fake.send(command, options);
      },
    };
    for (const url of urls) fake.put(url, "one");
    const sqs = new SqsSource(
      recording as unknown as SQSClient,
      {
        rules: [{ prefix: "legacy-" }],
        discoveryIntervalMs: 1000,
        receivers: 2,
        waitTimeSeconds: 20,
        visibilityTimeoutSeconds: 30,
      },
      createLogger("error", {}, () => {}),
    );
    await startWith(sqs, new InFlightBudget(100, 1 << 20), (batch) => {
      for (const message of batch) message.ack();
    });
    await until("every queue drained", () => urls.every((url) => fake.depth(url) === 0));
    await sqs.stop();
    assert.ok(waits.length >= 6);
    assert.ok(
      waits.every((wait) => wait === 0),
      `waits ${[...new Set(waits)].join(",")}`,
    );
  });
});
