// `npm run simulate -- provision|publish`: plays the legacy backend on the local mesh (or any
// AWS account the SDK reaches): tenants, keys, SNS topics into one SQS queue, and sealed events.
import { createWriteStream, mkdirSync } from "node:fs";
import type { AwsClientConfig } from "../../src/sources/aws-clients.ts";
import { createKmsClient, createSqsClient } from "../../src/sources/aws-clients.ts";
import { createPubSubClient } from "../local-mesh/pubsub-client.ts";
import { createSnsClient } from "../local-mesh/sns-client.ts";
import type { Topology } from "./aws-world.ts";
import { legacyStream, type SealedEvent } from "./legacy-stream.ts";
import { type PublishedPubSubEvent, publishToPubSub } from "./publish-pubsub.ts";
import { publishToSns } from "./publish-sns.ts";
import { writeToQueue } from "./publish-sqs.ts";
import { createPublisherClient, type PubSubWorldFile, provisionPubSubWorldFile, readPubSubWorld } from "./pubsub-world.ts";
import { provisionWorld, readWorld, sealKeys, type WorldFile } from "./world.ts";

/** A count, or a duration (with the count as a cap). */
function countOrDuration(args: { readonly count: number; readonly durationSeconds?: number }): {
  count: number;
  until?: () => boolean;
} {
  if (!args.durationSeconds) return { count: args.count };
  const deadline = Date.now() + args.durationSeconds * 1000;
  return { count: args.count > 0 ? args.count : Number.POSITIVE_INFINITY, until: () => Date.now() >= deadline };
}

export interface ProvisionArgs {
  readonly aws: AwsClientConfig;
  /** Where the queue lives when it is not beside SNS (default: `aws`). */
  readonly sqsAws?: AwsClientConfig;
  /** "direct": no SNS topics; events are written to the queue as SNS would deliver them. */
  readonly delivery?: "sns" | "direct";
  readonly name: string;
  readonly tenants: number;
  readonly keyVersions: number;
  readonly topology: Topology;
  readonly keys: "static" | "aws-kms";
  readonly directory: string;
}

export async function simulateProvision(args: ProvisionArgs): Promise<WorldFile> {
  mkdirSync(args.directory, { recursive: true });
  const clients = {
    sqs: createSqsClient(args.sqsAws ?? args.aws),
    sns: createSnsClient(args.aws),
    kms: createKmsClient(args.aws),
  };
  try {
    return await provisionWorld(clients, {
      name: args.name,
      tenantCount: args.tenants,
      keyVersions: args.keyVersions,
      topology: args.topology,
      keyProvider: args.keys,
      ...(args.delivery === undefined ? {} : { delivery: args.delivery }),
      directory: args.directory,
    });
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

export interface PublishArgs {
  readonly aws: AwsClientConfig;
  readonly world: string | WorldFile;
  readonly count: number;
  /** Publish for this long instead (count is then a cap; 0 = no duration). */
  readonly durationSeconds?: number;
  /** Events per second; 0 = as fast as possible. */
  readonly rate: number;
  readonly seed: number;
  readonly targetBytes: number;
  /** File to append one legacy event id per published event (loss accounting). */
  readonly idsFile?: string;
  readonly concurrency?: number;
  /** Called once per event SNS accepted. */
  readonly onPublished?: () => void;
}

export async function simulatePublish(args: PublishArgs): Promise<number> {
  const world = typeof args.world === "string" ? readWorld(args.world) : args.world;
  const ids = args.idsFile === undefined ? undefined : createWriteStream(args.idsFile, { flags: "a" });
  const onPublished = (event: SealedEvent): void => {
    ids?.write(`${event.eventId}\n`);
    args.onPublished?.();
  };
  const events = legacyStream({
    tenants: world.tenants,
    keyVersions: world.keyVersions,
    ...countOrDuration(args),
    seed: args.seed,
    targetBytes: args.targetBytes,
    keyFor: sealKeys(world),
  });
  const options = { rate: args.rate, concurrency: args.concurrency ?? 16 };
  try {
    if (world.aws.delivery === "direct") {
      const sqs = createSqsClient(args.aws);
      try {
        return await writeToQueue(sqs, world.aws, events, { ...options, onSent: onPublished });
      } finally {
        sqs.destroy();
      }
    }
    const sns = createSnsClient(args.aws);
    try {
      return await publishToSns(sns, world.aws, events, { ...options, onPublished });
    } finally {
      sns.destroy();
    }
  } finally {
    if (ids !== undefined) await new Promise((resolve) => ids.end(resolve));
  }
}

// --- Pub/Sub (`--cloud gcp`): per-tenant topics and subscriptions, some ordered ---------------

export interface PubSubProvisionArgs {
  readonly project: string;
  readonly emulatorHost?: string;
  readonly name: string;
  readonly tenants: number;
  readonly keyVersions: number;
  /** Every Nth tenant's subscription is ordered (0 = none). */
  readonly orderedEvery: number;
  readonly orderingKeysPerTenant: number;
  readonly directory: string;
  readonly tenantNames?: readonly string[];
}

export async function simulateProvisionPubSub(args: PubSubProvisionArgs): Promise<PubSubWorldFile> {
  mkdirSync(args.directory, { recursive: true });
  const pubsub = createPubSubClient({ projectId: args.project, emulatorHost: args.emulatorHost });
  try {
    return await provisionPubSubWorldFile(pubsub, {
      project: args.project,
      name: args.name,
      tenantCount: args.tenants,
      keyVersions: args.keyVersions,
      orderedEvery: args.orderedEvery,
      orderingKeysPerTenant: args.orderingKeysPerTenant,
      directory: args.directory,
      tenantNames: args.tenantNames,
    });
  } finally {
    await pubsub.close();
  }
}

export interface PubSubPublishArgs {
  readonly emulatorHost?: string;
  readonly world: string | PubSubWorldFile;
  readonly count: number;
  /** Publish for this long instead (count is then a cap; 0 = no duration). */
  readonly durationSeconds?: number;
  /** Events per second; 0 = as fast as possible. */
  readonly rate: number;
  readonly seed: number;
  readonly targetBytes: number;
  /** Only these tenants (default: every tenant of the world, round robin). */
  readonly tenants?: readonly string[];
  /** File to append one legacy event id per published event (loss accounting). */
  readonly idsFile?: string;
  readonly concurrency?: number;
  readonly onPublished?: (published: PublishedPubSubEvent) => void;
}

export async function simulatePublishPubSub(args: PubSubPublishArgs): Promise<number> {
  const world = typeof args.world === "string" ? readPubSubWorld(args.world) : args.world;
  const pubsub = createPubSubClient({ projectId: world.pubsub.project, emulatorHost: args.emulatorHost });
  const publisher = createPublisherClient(pubsub);
  const ids = args.idsFile === undefined ? undefined : createWriteStream(args.idsFile, { flags: "a" });
  try {
    const events = legacyStream({
      tenants: args.tenants ?? world.tenants,
      keyVersions: world.keyVersions,
      ...countOrDuration(args),
      seed: args.seed,
      targetBytes: args.targetBytes,
      keyFor: sealKeys(world),
    });
    return await publishToPubSub(publisher, world.pubsub, events, {
      rate: args.rate,
      concurrency: args.concurrency ?? 16,
      onPublished: (published) => {
        ids?.write(`${published.event.eventId}\n`);
        args.onPublished?.(published);
      },
    });
  } finally {
    await publisher.close();
    await pubsub.close();
    if (ids !== undefined) await new Promise((resolve) => ids.end(resolve));
  }
}
