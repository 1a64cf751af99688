// The SQS side of settlement for the source core's batcher: DeleteMessageBatch (ack) and
// ChangeMessageVisibilityBatch (release with 0, extension with more), 10 entries per call.
import type { Logger } from "../../ops/log.ts";
import { ACK, RELEASE, type SettleAdapter, type SettleOperation } from "../core/settle-batcher.ts";
import type { SqsDataPlane } from "./data-plane/data-plane.ts";
import { isQueueGone } from "./discovery.ts";

/** The SQS maximum entries per batch call. */
const SQS_BATCH_MAX = 10;

export interface SqsSettleEntry {
  readonly receiptHandle: string;
}

export function sqsSettleAdapter<E extends SqsSettleEntry>(sqs: SqsDataPlane, log: Logger): SettleAdapter<E> {
  return {
    maxPerCall: SQS_BATCH_MAX,
    async send(queueUrl: string, operation: SettleOperation, entries: readonly E[]): Promise<readonly E[]> {
      const failed =
        operation === ACK
          ? await sqs.deleteBatch(queueUrl, entries)
          : await sqs.changeVisibilityBatch(queueUrl, entries, operation);
      if (failed.length === 0) return [];
      const retry: E[] = [];
      for (const failure of failed) {
        // The sender's fault (e.g. an expired receipt handle) will not succeed on retry: the
        // message comes back by visibility timeout, which is safe.
        if (failure.SenderFault) {
          log.warn(`${describeOperation(operation)} entry rejected`, { code: failure.Code, reason: failure.Message });
          continue;
        }
        const entry = entries[Number(failure.Id)];
        if (entry !== undefined) retry.push(entry);
      }
      return retry;
    },
    retryable: (error) => !isQueueGone(error),
    describe: describeOperation,
  };
}

function describeOperation(operation: SettleOperation): string {
  if (operation === ACK) return "SQS delete";
  return operation === RELEASE ? "SQS release (visibility 0)" : "SQS visibility extension";
}
