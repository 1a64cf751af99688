// The source's SQS data plane over an AWS SDK client (or anything with its send(), as the unit
// tests' fake SQS): what the source used before the lean client, kept for those tests and for
// the benchmark's comparison of the two.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SqsBatchFailure, SqsDataPlane, SqsReceiptEntry, SqsReceivedMessage, SqsReceiveRequest } from "./data-plane.ts";

export function sdkDataPlane(client: Pick<SQSClient, "send">): SqsDataPlane {
  return {
    async receive(request: SqsReceiveRequest, signal?: AbortSignal): Promise<readonly SqsReceivedMessage[]> {
      const result = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: request.queueUrl,
          MaxNumberOfMessages: request.maxMessages,
          WaitTimeSeconds: request.waitTimeSeconds,
          VisibilityTimeout: request.visibilityTimeoutSeconds,
          MessageSystemAttributeNames: [
            ...request.systemAttributes,
          ] as ReceiveMessageCommand["input"]["MessageSystemAttributeNames"],
          MessageAttributeNames: ["All"],
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return result.Messages ?? [];
    },
    async deleteBatch(queueUrl: string, entries: readonly SqsReceiptEntry[]): Promise<readonly SqsBatchFailure[]> {
      const result = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((entry, index) => ({ Id: String(index), ReceiptHandle: entry.receiptHandle })),
        }),
      );
      return result.Failed ?? [];
    },
    async changeVisibilityBatch(
      queueUrl: string,
      entries: readonly SqsReceiptEntry[],
      visibilityTimeoutSeconds: number,
    ): Promise<readonly SqsBatchFailure[]> {
      const result = await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((entry, index) => ({
            Id: String(index),
            ReceiptHandle: entry.receiptHandle,
            VisibilityTimeout: visibilityTimeoutSeconds,
          })),
        }),
      );
      return result.Failed ?? [];
    },
  };
}
