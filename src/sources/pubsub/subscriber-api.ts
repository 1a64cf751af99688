// The four Pub/Sub calls the source needs, over the generated low-level SubscriberClient (unary
// gRPC; every call multiplexed on one channel). An interface so the scheduling, ordering and
// settlement logic can be tested without a server.
import { v1 } from "@google-cloud/pubsub";
import { createPubSubClient, type PubSubClientConfig } from "../pubsub-client.ts";

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

type Timestamp = { seconds?: number | string | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function timestampMs(time: Timestamp): number {
  if (time === null || time === undefined) return 0;
  const seconds = time.seconds;
  const whole = typeof seconds === "object" && seconds !== null ? seconds.toNumber() : Number(seconds ?? 0);
  return whole * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

type RawSubscription = {
  name?: string | null;
  ackDeadlineSeconds?: number | null;
  labels?: Record<string, string> | null;
  enableMessageOrdering?: boolean | null;
};

function toInfo(raw: RawSubscription): SubscriptionInfo {
  return {
    name: raw.name ?? "",
    ackDeadlineSeconds: raw.ackDeadlineSeconds || 10,
    labels: raw.labels ?? {},
    messageOrdering: raw.enableMessageOrdering === true,
  };
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

export interface SubscriberApiOptions {
  /** Per unary call; pulls return at once, so this only bounds a hung server. */
  readonly callTimeoutMs: number;
}

/** The real thing: one SubscriberClient (one gRPC channel) for every subscription. */
export function createSubscriberApi(config: PubSubClientConfig, options: SubscriberApiOptions): SubscriberApi {
  // The PubSub object works out endpoint and credentials (emulator or ADC); reuse its options.
  const pubsub = createPubSubClient(config);
  const client = new v1.SubscriberClient({ ...pubsub.options });
  const call = { timeout: options.callTimeoutMs };
  return {
    async pull(subscription, maxMessages) {
      const [response] = await client.pull({ subscription, maxMessages, returnImmediately: true }, call);
      const received = response.receivedMessages ?? [];
      const out: PulledMessage[] = new Array(received.length);
      for (let index = 0; index < received.length; index++) {
        const item = received[index]!;
        const message = item.message ?? {};
        const data = message.data;
        out[index] = {
          ackId: item.ackId ?? "",
          messageId: message.messageId ?? "",
          data: Buffer.isBuffer(data)
            ? data
            : data instanceof Uint8Array
              ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
              : Buffer.from(data ?? "", "base64"),
          attributes: message.attributes ?? EMPTY,
          publishTimeMs: timestampMs(message.publishTime),
          orderingKey: message.orderingKey ?? "",
          deliveryAttempt: item.deliveryAttempt ?? 0,
        };
      }
      return out;
    },
    async acknowledge(subscription, ackIds) {
      await client.acknowledge({ subscription, ackIds: [...ackIds] }, call);
    },
    async modifyAckDeadline(subscription, ackIds, seconds) {
      await client.modifyAckDeadline({ subscription, ackIds: [...ackIds], ackDeadlineSeconds: seconds }, call);
    },
    async getSubscription(subscription) {
      const [raw] = await client.getSubscription({ subscription }, call);
      return toInfo(raw);
    },
    async listSubscriptions(project) {
      const out: SubscriptionInfo[] = [];
      for await (const raw of client.listSubscriptionsAsync(
        { project: `projects/${project}`, pageSize: 1000 },
        { ...call, autoPaginate: false },
      )) {
        out.push(toInfo(raw));
      }
      return out;
    },
    async close() {
      await client.close();
      await pubsub.close();
    },
  };
}
