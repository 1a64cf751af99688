// One source's side of a fault scenario, the same for SQS (ElasticMQ) and Pub/Sub (pstest): a
// deployment of its own, a world with its sealed events, the bridge's configuration, publishing
// (which records what the source accepted, with its message ids and, for ordered Pub/Sub
// subscriptions, each event's place in its ordering key) and hostile bodies sent beside them.
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { legacyStream, type SealedEvent } from "../../../tools/simulator/legacy-stream.ts";
import type { PubSubWorldFile } from "../../../tools/simulator/pubsub-world.ts";
import { sealKeys, type WorldFile } from "../../../tools/simulator/world.ts";
import { type BridgeSettings, bridgeConfig, pubsubSource, sqsSource } from "../../support/bridge.ts";
import { DeliveryLedger } from "../../support/delivery.ts";
import { type Deployment, type DeploymentOptions, isolatedDeployment } from "../../support/deployment.ts";
import { type Expectation, expectedRecords } from "../../support/expected.ts";
import { meshPubSub, meshQueueSqs } from "../../support/mesh.ts";
import {
  legacyEvents,
  provisionPubSubWorld,
  provisionSqsWorld,
  publishToPubSubWorld,
  publishToSqsWorld,
} from "../../support/worlds.ts";
import { type SentItem, sealedItems } from "./accounting.ts";

export type FaultSource = "sqs" | "pubsub";
export const faultSources: readonly FaultSource[] = ["sqs", "pubsub"];

/** `npm run test:faults -- --soak` sets it: every scenario on every source it applies to. */
export const soak = process.env.MB_FAULTS_SOAK === "1";

/** node:test's `skip` for a scenario that runs only with --soak (too slow for the fast set). */
export const soakOnly: string | false = soak ? false : "soak only (npm run test:faults -- --soak)";

/**
 * The sources a scenario runs on: in the fast set (CI) the one given, so the fast set alternates
 * sources across scenarios and stays short; with --soak both.
 */
export function scenarioSources(fast: FaultSource): readonly FaultSource[] {
  return soak ? faultSources : [fast];
}

export interface FaultWorldOptions {
  readonly events: number;
  readonly tenants?: number;
  /** Pads each plain event to about this many bytes (0 = natural size, about 1 KB). */
  readonly targetBytes?: number;
  /** Bridge settings beyond the sources (budget, grace, log level). */
  readonly settings?: Omit<BridgeSettings, "sources">;
  /** SQS source options (default: visibility 5 s so a killed bridge's messages come back soon). */
  readonly sqs?: Record<string, unknown>;
  /** Pub/Sub source options (default: lease 10 s, the minimum, for the same reason). */
  readonly pubsub?: Record<string, unknown>;
  readonly deployment?: DeploymentOptions;
}

export interface FaultWorld {
  readonly source: FaultSource;
  readonly deployment: Deployment;
  readonly world: WorldFile | PubSubWorldFile;
  readonly sent: readonly SealedEvent[];
  readonly expected: Expectation;
  /** The bridge's configuration file content. */
  readonly config: Record<string, unknown>;
  /** Publishes the sealed events at `rate`/s (0 = as fast as possible); resolves with how many were accepted. */
  publish(rate?: number): Promise<number>;
  /** Sends raw bodies (hostile input) to the source; each is an item whose place is the DLQ. */
  sendRaw(bodies: readonly { readonly id: string; readonly body: string }[]): Promise<void>;
  /** Every item so far: sealed events (ordered ones with their key and place) and raw bodies. */
  items(): SentItem[];
  /** Item id -> source message id, for what the source accepted. */
  accepted(): ReadonlyMap<string, string | undefined>;
  /** "never reached the bridge" / "lost by the bridge" for lost items (SQS; Pub/Sub: the ids). */
  explain(lostIds: readonly string[], logs: readonly string[]): string;
}

function sealedEvents(world: WorldFile, options: FaultWorldOptions, seed: number): SealedEvent[] {
  if ((options.targetBytes ?? 0) === 0) return legacyEvents(world, options.events, seed);
  const keyFor = sealKeys(world);
  return [
    ...legacyStream({
      tenants: world.tenants,
      keyVersions: world.keyVersions,
      count: options.events,
      seed,
      targetBytes: options.targetBytes ?? 0,
      keyFor,
    }),
  ];
}

export async function faultWorld(label: string, source: FaultSource, options: FaultWorldOptions): Promise<FaultWorld> {
  const deployment = await isolatedDeployment(`${label}-${source}`, options.deployment);
  const tenants = options.tenants ?? 4;
  const seed = Date.now() % 1e9;
  const accepted = new Map<string, string | undefined>();
  const raw: SentItem[] = [];
  if (source === "sqs") {
    const world = await provisionSqsWorld(deployment, tenants);
    const sent = sealedEvents(world, options, seed);
    const expected = expectedRecords(sent, deployment.prefix);
    const ledger = new DeliveryLedger();
    return {
      source,
      deployment,
      world,
      sent,
      expected,
      config: bridgeConfig(deployment, world, {
        logLevel: "debug",
        ...options.settings,
        sources: sqsSource(world, { visibilityTimeoutSeconds: 5, ...options.sqs }),
      }),
      publish: (rate = 0) => publishToSqsWorld(world, sent, { rate, concurrency: 8, ledger }),
      async sendRaw(bodies) {
        const sqs = meshQueueSqs();
        try {
          for (let offset = 0; offset < bodies.length; offset += 10) {
            const batch = bodies.slice(offset, offset + 10);
            const answer = await sqs.send(
              new SendMessageBatchCommand({
                QueueUrl: world.aws.queueUrl,
                Entries: batch.map((entry, index) => ({ Id: String(index), MessageBody: entry.body })),
              }),
            );
            for (const ok of answer.Successful ?? []) accepted.set(batch[Number(ok.Id)]!.id, ok.MessageId);
            raw.push(...batch.map((entry) => ({ id: entry.id, ceIds: [], expectDeadLetter: true, bodies: [entry.body] })));
          }
        } finally {
          sqs.destroy();
        }
      },
      items: () => [...sealedItems(sent, expected), ...raw],
      accepted: () => new Map([...ledger.acceptedEvents(), ...accepted]),
      explain: (lostIds, logs) =>
        ledger.explain(
          [...expected.records].filter(([, record]) => lostIds.includes(record.eventId)).map(([ceId]) => ceId),
          expected.records,
          logs,
        ),
    };
  }
  // Pub/Sub: every other tenant's subscription ordered, two ordering keys per tenant.
  const world = await provisionPubSubWorld(deployment, { tenants, keyVersions: 2, orderedEvery: 2, orderingKeysPerTenant: 2 });
  // The simulator's Pub/Sub publisher seals the same stream itself (natural size).
  const sent = legacyEvents(world, options.events, seed);
  const expected = expectedRecords(sent, deployment.prefix);
  const order = new Map<string, { group: string; position: number }>();
  return {
    source,
    deployment,
    world,
    sent,
    expected,
    config: bridgeConfig(deployment, world, {
      ...options.settings,
      sources: {
        pubsub: pubsubSource({
          subscriptions: Object.values(world.pubsub.tenants).map((route) => route.subscription),
          leaseSeconds: 10,
          ...options.pubsub,
        }),
      },
    }),
    publish: (rate = 0) =>
      publishToPubSubWorld(world, {
        count: options.events,
        seed,
        rate,
        onPublished: (published) => {
          accepted.set(published.event.eventId, published.messageId);
          if (published.orderingKey !== undefined) {
            order.set(published.event.eventId, { group: published.orderingKey, position: published.sequenceInKey });
          }
        },
      }),
    async sendRaw(bodies) {
      const pubsub = meshPubSub();
      try {
        // The first tenant's topic: the bridge reads every tenant's subscription alike.
        const topic = pubsub.topic(Object.values(world.pubsub.tenants)[0]!.topic);
        for (const entry of bodies) {
          accepted.set(entry.id, await topic.publishMessage({ data: Buffer.from(entry.body) }));
          raw.push({ id: entry.id, ceIds: [], expectDeadLetter: true, bodies: [entry.body] });
        }
      } finally {
        await pubsub.close();
      }
    },
    items: () => [...sealedItems(sent, expected, (event) => order.get(event.eventId)), ...raw],
    accepted: () => accepted,
    explain: (lostIds) =>
      `Pub/Sub: ${lostIds.length} lost (published, acknowledged by the emulator), e.g. ${lostIds.slice(0, 3).join(", ")}`,
  };
}
