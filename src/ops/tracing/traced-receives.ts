// The sources' receive calls wrapped in `receive` spans, at the one place each client is made
// (src/cli/bridge.ts): the sources themselves know nothing of tracing.
import type { SubscriberApi } from "../../sources/pubsub/subscriber-api.ts";
import type { SqsDataPlane } from "../../sources/sqs/data-plane/data-plane.ts";
import type { BatchTracer } from "./batch-tracer.ts";

/** The queue's name: the last path segment of its URL. */
const queueName = (queueUrl: string): string => queueUrl.slice(queueUrl.lastIndexOf("/") + 1);
/** The subscription's id: the last segment of projects/<p>/subscriptions/<id>. */
const subscriptionId = (name: string): string => name.slice(name.lastIndexOf("/") + 1);

export function tracedSqsDataPlane(data: SqsDataPlane, tracer: BatchTracer): SqsDataPlane {
  return {
    receive: (request, signal) =>
      tracer.receive({ system: "aws_sqs", name: queueName(request.queueUrl) }, () => data.receive(request, signal)),
    deleteBatch: (queueUrl, entries) => data.deleteBatch(queueUrl, entries),
    changeVisibilityBatch: (queueUrl, entries, seconds) => data.changeVisibilityBatch(queueUrl, entries, seconds),
  };
}

export function tracedSubscriberApi(api: SubscriberApi, tracer: BatchTracer): SubscriberApi {
  return {
    pull: (subscription, maxMessages) =>
      tracer.receive({ system: "gcp_pubsub", name: subscriptionId(subscription) }, () => api.pull(subscription, maxMessages)),
    acknowledge: (subscription, ackIds) => api.acknowledge(subscription, ackIds),
    modifyAckDeadline: (subscription, ackIds, seconds) => api.modifyAckDeadline(subscription, ackIds, seconds),
    getSubscription: (subscription) => api.getSubscription(subscription),
    listSubscriptions: (project) => api.listSubscriptions(project),
    close: () => api.close(),
  };
}
