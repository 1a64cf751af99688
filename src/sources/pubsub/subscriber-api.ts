// The four Pub/Sub calls the source needs, over the generated low-level SubscriberClient (unary
// gRPC; every call multiplexed on one channel). An interface so the scheduling, ordering and
// settlement logic can be tested without a server.
import { v1 } from "@google-cloud/pubsub";
import { Metadata } from "@grpc/grpc-js";
import { createPubSubClient, type PubSubClientConfig } from "../pubsub-client.ts";
import {
  decodePullResponse,
  encodeAcknowledgeRequest,
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

export interface SubscriberApiOptions {
  /** Per unary call; pulls return at once, so this only bounds a hung server. */
  readonly callTimeoutMs: number;
}

/** The unary-call surface of the grpc-js client the generated SubscriberClient is built on. */
interface GrpcStub {
  makeUnaryRequest<Req, Res>(
    method: string,
    serialize: (value: Req) => Buffer,
    deserialize: (value: Buffer) => Res,
    argument: Req,
    metadata: Metadata,
    options: { deadline: number },
    callback: (error: Error | null, value?: Res) => void,
  ): unknown;
}

const SERVICE = "/google.pubsub.v1.Subscriber/";
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const ignoreResponse = (): undefined => undefined;

/**
 * The real thing: one SubscriberClient (one gRPC channel, credentials and endpoint worked out by
 * the library) for every subscription. Pull, Acknowledge and ModifyAckDeadline go straight to
 * its grpc-js stub with our own codec (./subscriber-codec.ts); the rare admin calls use the
 * generated methods.
 */
export function createSubscriberApi(config: PubSubClientConfig, options: SubscriberApiOptions): SubscriberApi {
  // The PubSub object works out endpoint and credentials (emulator or ADC); reuse its options.
  const pubsub = createPubSubClient(config);
  const client = new v1.SubscriberClient({ ...pubsub.options });
  const call = { timeout: options.callTimeoutMs };
  const stub = client.initialize().then(() => client.subscriberStub as Promise<unknown> as Promise<GrpcStub>);
  // Unhandled until the first call awaits it; a failure surfaces there.
  stub.catch(() => undefined);

  const unary = async <Res>(method: string, subscription: string, request: Uint8Array, decode: (b: Buffer) => Res) => {
    const grpc = await stub;
    // The routing header the generated client sends: lets the service route to the subscription's region.
    const metadata = new Metadata();
    metadata.set("x-goog-request-params", `subscription=${encodeURIComponent(subscription)}`);
    return new Promise<Res>((resolve, reject) => {
      grpc.makeUnaryRequest<Uint8Array, Res>(
        SERVICE + method,
        asBuffer,
        decode,
        request,
        metadata,
        { deadline: Date.now() + options.callTimeoutMs },
        (error, value) => (error === null ? resolve(value as Res) : reject(error)),
      );
    });
  };

  return {
    pull(subscription, maxMessages) {
      return unary("Pull", subscription, encodePullRequest(subscription, maxMessages), decodePullResponse);
    },
    async acknowledge(subscription, ackIds) {
      await unary("Acknowledge", subscription, encodeAcknowledgeRequest(subscription, ackIds), ignoreResponse);
    },
    async modifyAckDeadline(subscription, ackIds, seconds) {
      const request = encodeModifyAckDeadlineRequest(subscription, ackIds, seconds);
      await unary("ModifyAckDeadline", subscription, request, ignoreResponse);
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
