// The Pub/Sub calls the source needs, all unary gRPC multiplexed on one HTTP/2 connection. An
// interface so the scheduling, ordering and settlement logic can be tested without a server.
import type { PubSubClientConfig } from "./endpoint.ts";
import { openUnaryChannel } from "./grpc-unary.ts";
import {
  decodeListSubscriptionsResponse,
  decodePullResponse,
  decodeSubscription,
  encodeAcknowledgeRequest,
  encodeGetSubscriptionRequest,
  encodeListSubscriptionsRequest,
  encodeModifyAckDeadlineRequest,
  encodePullRequest,
} from "./subscriber-codec.ts";

export interface PulledMessage {
  readonly ackId: string;
  readonly messageId: string;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly publishTimeMs: number;
  readonly orderingKey: string;
  /** Set only when the subscription has a dead-letter policy; 0 otherwise. */
  readonly deliveryAttempt: number;
}

export interface SubscriptionInfo {
  /** Full path: projects/<project>/subscriptions/<id>. */
  readonly name: string;
  readonly ackDeadlineSeconds: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly messageOrdering: boolean;
  /** `enable_exactly_once_delivery`: the bridge refuses such subscriptions (see exactly-once.ts). */
  readonly exactlyOnceDelivery: boolean;
}

export interface SubscriberApi {
  /** Never waits for messages (returnImmediately): the scheduler decides when to ask again. */
  pull(subscription: string, maxMessages: number): Promise<PulledMessage[]>;
  acknowledge(subscription: string, ackIds: readonly string[]): Promise<void>;
  modifyAckDeadline(subscription: string, ackIds: readonly string[], seconds: number): Promise<void>;
  getSubscription(subscription: string): Promise<SubscriptionInfo>;
  listSubscriptions(project: string): Promise<SubscriptionInfo[]>;
  close(): Promise<void>;
}

/** gRPC status codes the source reacts to. */
export const grpcCode = {
  deadlineExceeded: 4,
  notFound: 5,
  invalidArgument: 3,
  failedPrecondition: 9,
} as const;

export function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

export const subscriptionPath = (project: string, id: string): string =>
  id.startsWith("projects/") ? id : `projects/${project}/subscriptions/${id}`;

export const subscriptionId = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

export interface SubscriberApiOptions {
  /** Per unary call; pulls return at once, so this only bounds a hung server. */
  readonly callTimeoutMs: number;
}

const SERVICE = "/google.pubsub.v1.Subscriber/";
const PULL = `${SERVICE}Pull`;
const ACKNOWLEDGE = `${SERVICE}Acknowledge`;
const MODIFY_ACK_DEADLINE = `${SERVICE}ModifyAckDeadline`;
const ignoreResponse = (): undefined => undefined;
const LIST_PAGE_SIZE = 1000;

/**
 * The real thing: one HTTP/2 connection (./grpc-unary.ts) for every subscription, every call
 * unary and encoded by ./subscriber-codec.ts.
 */
export function createSubscriberApi(config: PubSubClientConfig, options: SubscriberApiOptions): SubscriberApi {
  const channel = openUnaryChannel(config);
  const timeoutMs = options.callTimeoutMs;
  const unary = <Res>(path: string, routing: string, request: Uint8Array, decode: (b: Buffer) => Res): Promise<Res> =>
    channel.call(path, routing, request, decode, timeoutMs);
  // The routing header Google's clients send, per subscription: computed once, not per call.
  const routes = new Map<string, string>();
  const bySubscription = (subscription: string): string => {
    let route = routes.get(subscription);
    if (route === undefined) {
      route = `subscription=${encodeURIComponent(subscription)}`;
      // Bounded by the subscriptions seen; a long-running process that churns through many
      // discovered ones starts over rather than keeping every name.
      if (routes.size >= 10_000) routes.clear();
      routes.set(subscription, route);
    }
    return route;
  };

  return {
    pull(subscription, maxMessages) {
      const request = encodePullRequest(subscription, maxMessages);
      return unary(PULL, bySubscription(subscription), request, decodePullResponse);
    },
    async acknowledge(subscription, ackIds) {
      const request = encodeAcknowledgeRequest(subscription, ackIds);
      await unary(ACKNOWLEDGE, bySubscription(subscription), request, ignoreResponse);
    },
    async modifyAckDeadline(subscription, ackIds, seconds) {
      const request = encodeModifyAckDeadlineRequest(subscription, ackIds, seconds);
      await unary(MODIFY_ACK_DEADLINE, bySubscription(subscription), request, ignoreResponse);
    },
    getSubscription(subscription) {
      const request = encodeGetSubscriptionRequest(subscription);
      return unary(`${SERVICE}GetSubscription`, bySubscription(subscription), request, decodeSubscription);
    },
    async listSubscriptions(project) {
      const path = `projects/${project}`;
      const out: SubscriptionInfo[] = [];
      let pageToken = "";
      do {
        const request = encodeListSubscriptionsRequest(path, LIST_PAGE_SIZE, pageToken);
        const page = await unary(
          `${SERVICE}ListSubscriptions`,
          `project=${encodeURIComponent(path)}`,
          request,
          decodeListSubscriptionsResponse,
        );
        out.push(...page.subscriptions);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      return out;
    },
    async close() {
      channel.close();
    },
  };
}
