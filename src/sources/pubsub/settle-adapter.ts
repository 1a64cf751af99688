// The Pub/Sub side of settlement for the source core's batcher: Acknowledge (ack) and
// ModifyAckDeadline (release with 0, extension with more), up to 1000 ack ids per call.
// A subscription that no longer exists (NOT_FOUND) or ack ids that expired (INVALID_ARGUMENT,
// FAILED_PRECONDITION) cannot succeed on retry.
import { ACK, RELEASE, type SettleAdapter, type SettleOperation } from "../core/settle-batcher.ts";
import { grpcCode, grpcCodeOf, type SubscriberApi } from "./subscriber-api.ts";

/** Acknowledge/ModifyAckDeadline requests stay well under the 512 KB request limit. */
const MAX_IDS_PER_CALL = 1000;

/** What is settled: anything with an ack id (the source passes its message objects). */
export interface PubSubSettleEntry {
  readonly ackId: string;
}

const NON_RETRYABLE: ReadonlySet<number | undefined> = new Set([
  grpcCode.notFound,
  grpcCode.invalidArgument,
  grpcCode.failedPrecondition,
]);

export function pubsubSettleAdapter<E extends PubSubSettleEntry>(api: SubscriberApi): SettleAdapter<E> {
  return {
    maxPerCall: MAX_IDS_PER_CALL,
    async send(subscription: string, operation: SettleOperation, entries: readonly E[]): Promise<readonly E[]> {
      const ackIds = entries.map((entry) => entry.ackId);
      if (operation === ACK) await api.acknowledge(subscription, ackIds);
      else await api.modifyAckDeadline(subscription, ackIds, operation);
      return [];
    },
    retryable: (error) => !NON_RETRYABLE.has(grpcCodeOf(error)),
    describe(operation) {
      if (operation === ACK) return "Pub/Sub acknowledge";
      return operation === RELEASE ? "Pub/Sub release (ack deadline 0)" : "Pub/Sub ack deadline extension";
    },
  };
}
