// Start-up probe of the configured SQS queues: each must exist and be readable with the
// credentials in effect (GetQueueAttributes), or the bridge would report itself running and log
// "queue does not exist" (or a credentials warning) on every poll.
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { describeProbeError, type ProbeResult } from "../probe.ts";

const MISSING_QUEUE = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"]);

export async function probeSqsQueues(sqs: SQSClient, queueUrls: readonly string[]): Promise<ProbeResult[]> {
  return Promise.all(
    queueUrls.map(async (queueUrl, index): Promise<ProbeResult> => {
      const subject = `sources.sqs[${index}] queue ${queueUrl}`;
      try {
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
        return { subject, detail: "exists" };
      } catch (error) {
        const name = error instanceof Error ? error.name : "";
        const code = (error as { Code?: unknown } | null)?.Code;
        if (MISSING_QUEUE.has(name) || (typeof code === "string" && MISSING_QUEUE.has(code))) {
          return { subject, problem: "the queue does not exist; create it or fix sources.sqs[].queueUrl" };
        }
        return { subject, problem: `cannot be read: ${describeProbeError(error)}` };
      }
    }),
  );
}
