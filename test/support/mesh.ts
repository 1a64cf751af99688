// Helpers for tests against the local event mesh (ElasticMQ for SQS; moto for SNS -> SQS fan-in
// and KMS; pstest for Pub/Sub).
// Other test files and helpers share the same servers: every name gets a random suffix.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { KMSClient } from "@aws-sdk/client-kms";
import { CreateTopicCommand, DeleteTopicCommand, type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageSystemAttributeName,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { PubSub, Subscription, Topic } from "@google-cloud/pubsub";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { pubsubGoogleMissing } from "../../infra/stack/pubsub-google-service.ts";
import { type AwsClientConfig, createKmsClient, createSqsClient } from "../../src/sources/aws-clients.ts";
import { createPubSubClient } from "../../tools/local-mesh/pubsub-client.ts";
import { createSnsClient } from "../../tools/local-mesh/sns-client.ts";

export const meshAwsConfig: AwsClientConfig = {
  region: "us-east-1",
  endpoint: meshEndpoints.awsEndpoint,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};

/** SQS on ElasticMQ: what the throughput, crash, lease, shutdown and fault tests read. */
export const meshSqsConfig: AwsClientConfig = { ...meshAwsConfig, endpoint: meshEndpoints.sqsEndpoint };

export const meshPubSubProject = "meshbridge-test";

/** SQS on moto, beside its SNS (fan-in tests). */
export function meshSqs(): SQSClient {
  return createSqsClient(meshAwsConfig);
}

/** SQS on ElasticMQ. */
export function meshQueueSqs(): SQSClient {
  return createSqsClient(meshSqsConfig);
}

export function meshSns(): SNSClient {
  return createSnsClient(meshAwsConfig);
}

export function meshKms(): KMSClient {
  return createKmsClient(meshAwsConfig);
}

export function meshPubSub(
  projectId: string = meshPubSubProject,
  emulatorHost: string = meshEndpoints.pubsubEmulatorHost,
): PubSub {
  return createPubSubClient({ projectId, emulatorHost });
}

/** A Pub/Sub server of the mesh that the delivery-semantics tests run against. */
export interface MeshPubSubServer {
  readonly name: "pstest" | "google-emulator";
  readonly emulatorHost: string;
  /** Why its tests are skipped on this machine (node:test's `skip`); false when they run. */
  readonly skip: string | false;
}

/**
 * pstest, and Google's own emulator where its package is installed (it enforces the 10 s minimum
 * ack deadline, dead-letter policies and exactly-once subscriptions, which pstest only imitates).
 */
export const meshPubSubServers: readonly MeshPubSubServer[] = [
  { name: "pstest", emulatorHost: meshEndpoints.pubsubEmulatorHost, skip: false },
  {
    name: "google-emulator",
    emulatorHost: meshEndpoints.pubsubGoogleEmulatorHost,
    skip: pubsubGoogleMissing() === undefined ? false : `Google's Pub/Sub emulator: ${pubsubGoogleMissing()}`,
  },
];

export const googlePubSubServer: MeshPubSubServer = meshPubSubServers[1]!;

/** `prefix-<12 hex>`: valid as an SQS queue, SNS topic, Pub/Sub id, Kafka topic and subject. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** Polls `predicate` every `intervalMs` until it is true; rejects after `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = "condition",
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) throw new Error(`waitUntil: ${what} not met within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

// --- SQS / SNS -------------------------------------------------------------------------------

export interface TestQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export async function createQueue(
  sqs: SQSClient,
  name: string = uniqueName("q"),
  attributes: Record<string, string> = {},
  tags?: Record<string, string>,
): Promise<TestQueue> {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags }));
  const url = created.QueueUrl;
  if (url === undefined) throw new Error(`CreateQueue ${name}: no QueueUrl in the response`);
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  const arn = attrs.Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`GetQueueAttributes ${name}: no QueueArn`);
  return { name, url, arn };
}

export async function deleteQueue(sqs: SQSClient, queue: TestQueue): Promise<void> {
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queue.url }));
}

/** Creates an SNS topic; returns its ARN. */
export async function createTopic(sns: SNSClient, name: string = uniqueName("t")): Promise<string> {
  const created = await sns.send(new CreateTopicCommand({ Name: name }));
  if (created.TopicArn === undefined) throw new Error(`CreateTopic ${name}: no TopicArn in the response`);
  return created.TopicArn;
}

/** Deletes the topic; moto (like SNS) removes its subscriptions with it. */
export async function deleteTopic(sns: SNSClient, topicArn: string): Promise<void> {
  await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
}

/** Subscribes the queue to the topic; returns the subscription ARN. */
export async function subscribeQueue(
  sns: SNSClient,
  topicArn: string,
  queue: TestQueue,
  options: { readonly rawMessageDelivery: boolean },
): Promise<string> {
  const subscribed = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: queue.arn,
      Attributes: { RawMessageDelivery: String(options.rawMessageDelivery) },
      ReturnSubscriptionArn: true,
    }),
  );
  if (subscribed.SubscriptionArn === undefined) throw new Error(`Subscribe ${queue.name}: no SubscriptionArn`);
  return subscribed.SubscriptionArn;
}

/** Long-polls until `count` messages arrived (or `timeoutMs` passed); returns what it got. */
export async function receiveMessages(
  sqs: SQSClient,
  queue: TestQueue,
  count: number,
  timeoutMs: number,
  options: { readonly visibilityTimeout?: number; readonly systemAttributes?: MessageSystemAttributeName[] } = {},
): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const waitSeconds = Math.max(0, Math.min(20, Math.floor((deadline - Date.now()) / 1000)));
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.url,
        MaxNumberOfMessages: Math.min(10, count - received.length),
        WaitTimeSeconds: waitSeconds,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: options.systemAttributes ?? ["All"],
        ...(options.visibilityTimeout === undefined ? {} : { VisibilityTimeout: options.visibilityTimeout }),
      }),
    );
    if (out.Messages !== undefined) received.push(...out.Messages);
  }
  return received;
}

// --- Pub/Sub ---------------------------------------------------------------------------------

export interface TestPubSub {
  readonly topic: Topic;
  readonly subscription: Subscription;
  /** The dead-letter topic, when one was asked for. */
  readonly deadLetterTopic?: Topic;
}

export interface PubSubPairOptions {
  readonly prefix?: string;
  /** 10-600 s; default 10 (the minimum) so redelivery tests stay short. */
  readonly ackDeadlineSeconds?: number;
  /** Sets both the subscription's enableMessageOrdering and the topic's publisher messageOrdering. */
  readonly messageOrdering?: boolean;
  /** Adds a dead-letter policy (5-100 attempts); the server then reports deliveryAttempt. */
  readonly maxDeliveryAttempts?: number;
}

/** Creates a topic and one subscription to it (plus a dead-letter topic if asked). */
export async function createPubSubPair(pubsub: PubSub, options: PubSubPairOptions = {}): Promise<TestPubSub> {
  const prefix = options.prefix ?? "ps";
  const [topic] = await pubsub.createTopic(uniqueName(`${prefix}-topic`));
  const ordering = options.messageOrdering ?? false;
  if (ordering) topic.setPublishOptions({ messageOrdering: true });
  let deadLetterTopic: Topic | undefined;
  if (options.maxDeliveryAttempts !== undefined) {
    [deadLetterTopic] = await pubsub.createTopic(uniqueName(`${prefix}-dead`));
  }
  const [subscription] = await topic.createSubscription(uniqueName(`${prefix}-sub`), {
    ackDeadlineSeconds: options.ackDeadlineSeconds ?? 10,
    enableMessageOrdering: ordering,
    ...(deadLetterTopic === undefined
      ? {}
      : {
          deadLetterPolicy: {
            deadLetterTopic: deadLetterTopic.name,
            maxDeliveryAttempts: options.maxDeliveryAttempts,
          },
        }),
  });
  return deadLetterTopic === undefined ? { topic, subscription } : { topic, subscription, deadLetterTopic };
}

/** Closes the subscriber stream, then deletes subscription and topics. */
export async function deletePubSubPair(pair: TestPubSub): Promise<void> {
  await pair.subscription.close();
  await pair.subscription.delete();
  await pair.topic.delete();
  await pair.deadLetterTopic?.delete();
}
