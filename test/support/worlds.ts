// The legacy backend the tests play, in a deployment's directory: tenants with keys and their
// SNS/SQS (AWS) or Pub/Sub (GCP) routes, the sealed events of a seed, and publishing them.
import { meshEndpoints } from "../../infra/stack/ports.ts";
import type { Topology } from "../../tools/simulator/aws-world.ts";
import { legacyStream, type SealedEvent } from "../../tools/simulator/legacy-stream.ts";
import type { PublishedPubSubEvent } from "../../tools/simulator/publish-pubsub.ts";
import { publishToSns } from "../../tools/simulator/publish-sns.ts";
import { writeToQueue } from "../../tools/simulator/publish-sqs.ts";
import type { PubSubWorldFile } from "../../tools/simulator/pubsub-world.ts";
import { simulateProvision, simulateProvisionPubSub, simulatePublishPubSub } from "../../tools/simulator/simulate.ts";
import { sealKeys, type WorldFile } from "../../tools/simulator/world.ts";
import type { DeliveryLedger } from "./delivery.ts";
import { type Deployment, worldName } from "./deployment.ts";
import { meshAwsConfig, meshPubSubProject, meshQueueSqs, meshSns, meshSqsConfig } from "./mesh.ts";

export interface SqsWorldOptions {
  /**
   * "elasticmq" (default): the queue on ElasticMQ, written to directly in the forms SNS delivers;
   * "moto-sns": SNS topics on moto fanning in to a moto queue (fan-in and KMS tests).
   */
  readonly queue?: "elasticmq" | "moto-sns";
  readonly topology?: Topology;
  /** "aws-kms" needs moto's KMS, so only with queue "moto-sns" (the bridge has one AWS endpoint). */
  readonly keys?: "static" | "aws-kms";
  /** Appended to the world's name (a second world in the same deployment). */
  readonly suffix?: string;
}

/** Tenants (tenant-0001…) with two key versions, their SNS topics (or routes) and the one SQS queue. */
export function provisionSqsWorld(deployment: Deployment, tenants: number, options: SqsWorldOptions = {}): Promise<WorldFile> {
  const onElasticMq = (options.queue ?? "elasticmq") === "elasticmq";
  if (onElasticMq && options.keys === "aws-kms") {
    throw new Error("provisionSqsWorld: aws-kms keys need moto (queue: 'moto-sns'); the bridge has one AWS endpoint");
  }
  return simulateProvision({
    aws: meshAwsConfig,
    ...(onElasticMq ? { sqsAws: meshSqsConfig, delivery: "direct" as const } : {}),
    name: worldName(deployment, options.suffix),
    tenants,
    keyVersions: 2,
    topology: options.topology ?? "per-tenant",
    keys: options.keys ?? "static",
    directory: deployment.directory,
  });
}

export interface PubSubWorldOptions {
  readonly tenants: number;
  readonly keyVersions: number;
  /** Every Nth tenant's subscription is ordered (0 = none). */
  readonly orderedEvery: number;
  readonly orderingKeysPerTenant: number;
  /** The Pub/Sub server (default pstest; see meshPubSubServers). */
  readonly emulatorHost?: string;
}

/** Tenants named after the world (unique: worlds share the emulator), one topic and subscription each. */
export function provisionPubSubWorld(deployment: Deployment, options: PubSubWorldOptions): Promise<PubSubWorldFile> {
  const name = worldName(deployment);
  return simulateProvisionPubSub({
    project: meshPubSubProject,
    emulatorHost: options.emulatorHost ?? meshEndpoints.pubsubEmulatorHost,
    name,
    tenants: options.tenants,
    keyVersions: options.keyVersions,
    orderedEvery: options.orderedEvery,
    orderingKeysPerTenant: options.orderingKeysPerTenant,
    directory: deployment.directory,
    tenantNames: Array.from({ length: options.tenants }, (_, index) => `${name}-t${index}`),
  });
}

/**
 * The sealed events the simulator publishes for this seed (round robin over the world's
 * tenants, natural size): the same sequence `simulate publish` sends, with the plain events.
 */
export function legacyEvents(world: WorldFile | PubSubWorldFile, count: number, seed: number): SealedEvent[] {
  const keyFor = sealKeys(world);
  return [...legacyStream({ tenants: world.tenants, keyVersions: world.keyVersions, count, seed, targetBytes: 0, keyFor })];
}

/** Where the world's bridge reaches SQS: ElasticMQ for a direct world, else moto. */
export function worldAwsEndpoint(world: WorldFile): string {
  return world.aws.delivery === "direct" ? meshEndpoints.sqsEndpoint : meshEndpoints.awsEndpoint;
}

/**
 * Sends the events into the world's queue: written directly (ElasticMQ, raw or SNS Notification
 * bodies by route) or published to its SNS topics (moto). Resolves with how many were accepted;
 * the ledger, when given, learns each event's source message id (direct) or its acceptance.
 */
export async function publishToSqsWorld(
  world: WorldFile,
  events: readonly SealedEvent[],
  options: { readonly rate: number; readonly concurrency: number; readonly ledger?: DeliveryLedger },
): Promise<number> {
  const { ledger, ...pace } = options;
  if (world.aws.delivery === "direct") {
    const sqs = meshQueueSqs();
    try {
      return await writeToQueue(sqs, world.aws, events, {
        ...pace,
        onSent: (event, messageId) => ledger?.sent(event.eventId, messageId),
      });
    } finally {
      sqs.destroy();
    }
  }
  const sns = meshSns();
  try {
    return await publishToSns(sns, world.aws, events, {
      ...pace,
      onPublished: (event) => ledger?.sent(event.eventId, undefined),
    });
  } finally {
    sns.destroy();
  }
}

export interface PubSubPublish {
  readonly count: number;
  readonly seed: number;
  /** Events per second (default 0: as fast as the emulator takes them). */
  readonly rate?: number;
  /** Only these tenants (default: all of the world's, round robin). */
  readonly tenants?: readonly string[];
  readonly onPublished?: (published: PublishedPubSubEvent) => void;
}

/** Publishes `count` events of the seed (at `rate`, default as fast as the emulator takes them); resolves with how many it took. */
export function publishToPubSubWorld(
  world: PubSubWorldFile,
  publish: PubSubPublish,
  emulatorHost: string = meshEndpoints.pubsubEmulatorHost,
): Promise<number> {
  return simulatePublishPubSub({
    emulatorHost,
    world,
    rate: 0,
    targetBytes: 0,
    ...publish,
  });
}
