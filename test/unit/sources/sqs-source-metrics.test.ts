// What an SqsSource reports about its queue: states (subscribed, failing with the error class,
// recovered), lease extensions, in flight read from its leases, and the backlog from
// GetQueueAttributes (visible + not visible), against an in-memory SQS.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { silentLogger } from "../../../src/ops/log.ts";
import { SourceMetrics } from "../../../src/ops/source-metrics.ts";
import { InFlightBudget } from "../../../src/pipeline/budget.ts";
import type { SourceMessage } from "../../../src/sources/source.ts";
import { SqsSource } from "../../../src/sources/sqs/sqs-source.ts";

class FakeSqs {
  gone = false;
  pending = 0;
  attributeCalls = 0;
  extensions = 0;
  #next = 0;

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ReceiveMessageCommand) {
      if (this.gone) throw Object.assign(new Error("The specified queue does not exist."), { name: "QueueDoesNotExist" });
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.pending === 0) return { Messages: [] };
      this.pending--;
      const n = this.#next++;
      return {
        Messages: [{ MessageId: `m${n}`, ReceiptHandle: `h${n}`, Body: "{}", Attributes: { ApproximateReceiveCount: "1" } }],
      };
    }
    if (command instanceof GetQueueAttributesCommand) {
      this.attributeCalls++;
      if (this.gone) throw Object.assign(new Error("gone"), { name: "QueueDoesNotExist" });
      return { Attributes: { ApproximateNumberOfMessages: "7", ApproximateNumberOfMessagesNotVisible: "3" } };
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      this.extensions += command.input.Entries?.length ?? 0;
      return { Successful: command.input.Entries, Failed: [] };
    }
    if (command instanceof DeleteMessageBatchCommand) return { Successful: command.input.Entries, Failed: [] };
    throw new Error(`unexpected command ${String(command)}`);
  }
}

const until = async (what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const scrape = (metrics: SourceMetrics): string[] => {
  const lines: string[] = [];
  metrics.render(lines);
  return lines;
};

describe("SqsSource metrics", () => {
  it("reports state changes, lease extensions, in flight and backlog for its queue", async () => {
    const fake = new FakeSqs();
    const metrics = new SourceMetrics({ backlogIntervalMs: 50 });
    const transitions: string[] = [];
    metrics.onStateChange((meter, from) => transitions.push(`${meter.id} ${from}→${meter.state} ${meter.failure ?? ""}`.trim()));
    const source = new SqsSource(
      fake as unknown as SQSClient,
      { queueUrl: "http://sqs/123/orders", receivers: 1, waitTimeSeconds: 1, visibilityTimeoutSeconds: 1 },
      silentLogger,
    );
    const delivered: SourceMessage[] = [];
    await source.start({
      deliver: (batch) => delivered.push(...batch),
      budget: new InFlightBudget(100, 1 << 20),
      signal: new AbortController().signal,
      metrics,
    });
    try {
      const meter = metrics.forSource("sqs:orders");
      await until("subscribed", () => meter.state === "subscribed");
      await until("backlog polled", () => meter.backlog === 10);
      fake.pending = 1;
      await until("delivered", () => delivered.length === 1);
      assert.ok(scrape(metrics).includes('meshbridge_source_in_flight_messages{source="sqs/orders"} 1'));
      // Held unsettled past half of its 1 s visibility: extended, and counted.
      await until("extended", () => meter.series.leaseExtensions > 0 && fake.extensions > 0);
      delivered[0]!.ack();
      await until("settled", () => scrape(metrics).includes('meshbridge_source_in_flight_messages{source="sqs/orders"} 0'));

      fake.gone = true;
      await until("failing", () => meter.state === "failing");
      assert.equal(meter.failure, "QueueDoesNotExist");
      await until("backlog dropped after a failed poll", () => meter.backlog === undefined);
      fake.gone = false;
      await until("recovered", () => meter.state === "subscribed", 10_000);
      assert.deepEqual(transitions, [
        "sqs/orders starting→subscribed",
        "sqs/orders subscribed→failing QueueDoesNotExist",
        "sqs/orders failing→subscribed",
      ]);
    } finally {
      await source.stop();
    }
    const calls = fake.attributeCalls;
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(fake.attributeCalls, calls, "no backlog polls after stop()");
  });
});
