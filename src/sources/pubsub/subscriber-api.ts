// The Pub/Sub calls the source needs, all unary gRPC multiplexed on one channel. An interface
// so the scheduling, ordering and settlement logic can be tested without a server.
import { Metadata } from "@grpc/grpc-js";
import { type PubSubClientConfig, pubsubEmulatorHost } from "./endpoint.ts";
import { openSubscriberChannel, PUBSUB_ENDPOINT } from "./grpc-channel.ts";
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
import { withTlsHint } from "./tls-failure.ts";

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
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const ignoreResponse = (): undefined => undefined;
const LIST_PAGE_SIZE = 1000;

/**
 * The real thing: one gRPC channel (./grpc-channel.ts) for every subscription, every call unary
 * and encoded by ./subscriber-codec.ts.
 */
export function createSubscriberApi(config: PubSubClientConfig, options: SubscriberApiOptions): SubscriberApi {
  const channel = openSubscriberChannel(config);
  // Unhandled until the first call awaits it; a failure (no credentials) surfaces there.
  channel.catch(() => undefined);
  const target = config.endpoint?.host ?? pubsubEmulatorHost(config) ?? PUBSUB_ENDPOINT;
  const customCa = config.endpoint?.ca !== undefined;

  const unary = async <Res>(method: string, routing: string, request: Uint8Array, decode: (b: Buffer) => Res) => {
    const client = await channel;
    // The routing header Google's clients send: lets the service route to the resource's region.
    const metadata = new Metadata();
    metadata.set("x-goog-request-params", routing);
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest<Uint8Array, Res>(
        SERVICE + method,
        asBuffer,
        decode,
        request,
        metadata,
        { deadline: Date.now() + options.callTimeoutMs },
        (error, value) => (error === null ? resolve(value as Res) : reject(withTlsHint(error, target, customCa))),
      );
    });
  };
  const bySubscription = (subscription: string): string => `subscription=${encodeURIComponent(subscription)}`;

  return {
    pull(subscription, maxMessages) {
      const request = encodePullRequest(subscription, maxMessages);
      return unary("Pull", bySubscription(subscription), request, decodePullResponse);
    },
    async acknowledge(subscription, ackIds) {
      const request = encodeAcknowledgeRequest(subscription, ackIds);
      await unary("Acknowledge", bySubscription(subscription), request, ignoreResponse);
    },
    async modifyAckDeadline(subscription, ackIds, seconds) {
      const request = encodeModifyAckDeadlineRequest(subscription, ackIds, seconds);
      await unary("ModifyAckDeadline", bySubscription(subscription), request, ignoreResponse);
    },
    getSubscription(subscription) {
      const request = encodeGetSubscriptionRequest(subscription);
      return unary("GetSubscription", bySubscription(subscription), request, decodeSubscription);
    },
    async listSubscriptions(project) {
      const path = `projects/${project}`;
      const out: SubscriptionInfo[] = [];
      let pageToken = "";
      do {
        const request = encodeListSubscriptionsRequest(path, LIST_PAGE_SIZE, pageToken);
        const page = await unary(
          "ListSubscriptions",
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
      (await channel.catch(() => undefined))?.close();
    },
  };
}
