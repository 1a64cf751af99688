// A message whose dead-letter record Kafka refuses for good (here: larger than the dead-letter
// topic's max.message.bytes) through the real bridge: no re-send loop; its batch-mates are
// produced and deleted; it is released to SQS, whose redrive policy moves it to the SQS
// dead-letter queue after maxReceiveCount receives. Nothing is lost.
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { GetQueueAttributesCommand, SendMessageBatchCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { dlqHeader } from "../../src/pipeline/records.ts";
import { sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { createQueue, deleteQueue, meshQueueSqs, receiveMessages, uniqueName, waitUntil } from "../support/mesh.ts";
import { collectRecords, tally } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld } from "../support/worlds.ts";

const sqs = meshQueueSqs();
after(() => sqs.destroy());

const DLQ_MAX_MESSAGE_BYTES = 20_000;
const MAX_RECEIVE_COUNT = 3;

it("a dead letter Kafka refuses: batch-mates settled, the message left to the SQS redrive policy, no loop", async (t) => {
  const deployment = await isolatedDeployment("dlq-refused", {
    topicConfig: { dlq: { "max.message.bytes": String(DLQ_MAX_MESSAGE_BYTES) } },
  });
  const world = await provisionSqsWorld(deployment, 2, { topology: "per-tenant", keys: "static" });
  const redrive = await createQueue(sqs, uniqueName("dlq-refused-redrive"));
  after(() => deleteQueue(sqs, redrive));
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: world.aws.queueUrl,
      Attributes: {
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: redrive.arn, maxReceiveCount: String(MAX_RECEIVE_COUNT) }),
      },
    }),
  );

  // A malformed envelope (permanent, stage envelope) whose dead letter, the body itself, is larger
  // than the dead-letter topic allows; and a small malformed one, dead-lettered as usual.
  const oversized = { id: "oversized", body: `{"v":1,"pad":"${"x".repeat(DLQ_MAX_MESSAGE_BYTES + 5000)}"` };
  const smallBad = { id: "small-bad", body: "{not json" };
  const healthy = legacyEvents(world, 30, Date.now() % 1e9);
  const bodies = healthy.map((event, index) => ({ id: `healthy-${index}`, body: event.envelope }));
  bodies.splice(4, 0, oversized); // in the middle of the first receive batch
  bodies.splice(15, 0, smallBad);
  const messageIds = new Map<string, string>();
  for (let offset = 0; offset < bodies.length; offset += 10) {
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: world.aws.queueUrl,
        Entries: bodies.slice(offset, offset + 10).map((entry) => ({ Id: entry.id, MessageBody: entry.body })),
      }),
    );
    assert.equal(sent.Failed?.length ?? 0, 0);
    for (const ok of sent.Successful ?? []) messageIds.set(ok.Id!, ok.MessageId!);
  }
  const oversizedId = messageIds.get(oversized.id)!;

  const bridge = await startBridgeProcess(deployment, sqsBridgeConfig(deployment, world));
  const started = Date.now();
  const produceRetries = (): number => bridge.logs.filter((line) => line.includes("Kafka send failed; retrying")).length;
  try {
    const { records: expected } = expectedRecords(healthy, deployment.prefix);
    // Healthy events and the small bad one are settled although the oversized one shares a batch.
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", bodies.length - 1, 120_000);
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records, dead) => records.length >= expected.size && dead.length >= 1,
      60_000,
    );
    assert.deepEqual(tally(expected, catalog).missing, [], "healthy events missing from Kafka");
    assert.deepEqual(
      deadLetters.map((record) => record.headers.get(dlqHeader.sourceMessageId)),
      [messageIds.get(smallBad.id)],
      "only the small bad message is in the dead-letter topic",
    );

    // The oversized one: released, received again, and moved by SQS to its redrive queue.
    const [moved] = await receiveMessages(sqs, redrive, 1, 60_000);
    assert.ok(moved, "the refused message reached the SQS redrive queue");
    assert.equal(moved.MessageId, oversizedId);
    assert.equal(moved.Body, oversized.body, "unchanged");
    assert.ok(Number(moved.Attributes?.ApproximateReceiveCount) >= MAX_RECEIVE_COUNT, "received maxReceiveCount times");

    const refused = await bridge.metric("meshbridge_dead_letter_refused_total");
    const reports = bridge.logs
      .filter((line) => line.includes("dead-letter record refused"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    t.diagnostic(`refused ${refused} times; receive counts ${reports.map((report) => report.receiveCount).join(", ")}`);
    assert.ok(refused >= 1 && refused <= MAX_RECEIVE_COUNT, `refused ${refused} times: once per receive`);
    assert.equal(reports.length, refused, "one error log per refusal");
    for (const report of reports) {
      assert.equal(report.level, "error");
      assert.equal(report.messageId, oversizedId);
      assert.equal(report.errorClass, "MalformedEnvelope");
      assert.equal(report.refusedWith, "RecordTooLarge");
    }
    assert.ok(!bridge.logs.join("\n").includes("x".repeat(100)), "no body in the logs");

    // No loop: every refusal costs one extra send, not a retry with backoff (the old behaviour
    // re-sent the batch for ever). Watch a few seconds more: nothing is re-sent once it has moved.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    // Other batches coalesced into a refused produce request are sent again after a backoff.
    const retries = produceRetries();
    assert.ok(retries <= 5 * refused, `${retries} produce retries for ${refused} refusals`);
    assert.equal(await bridge.metric("meshbridge_dead_letter_refused_total"), refused, "no refusal after the redrive");
    assert.equal(await bridge.metric("meshbridge_unexpected_errors_total"), 0);

    // Every message is settled: the main queue is empty.
    await waitUntil(
      async () => {
        const attributes = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: world.aws.queueUrl,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
          }),
        );
        return (
          attributes.Attributes?.ApproximateNumberOfMessages === "0" &&
          attributes.Attributes?.ApproximateNumberOfMessagesNotVisible === "0"
        );
      },
      30_000,
      "queue empty",
      200,
    );
  } finally {
    t.diagnostic(`${produceRetries()} produce retries logged in ${Date.now() - started} ms`);
    assert.equal(await bridge.stop(), 0);
  }
});
