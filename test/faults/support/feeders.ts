// Steady publishers for fault scenarios: they keep sending while servers die. A send that
// fails is not retried and not fatal: its events never reached the source (the row's no-src),
// which is what a real legacy backend would see. Each accepted event is recorded with the
// source's message id, and ordered Pub/Sub events with their position in their ordering key.
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { PubSub, v1 } from "@google-cloud/pubsub";
import type { SealedEvent } from "../../../tools/simulator/legacy-stream.ts";
import { publishToPubSub } from "../../../tools/simulator/publish-pubsub.ts";
import { writeToQueue } from "../../../tools/simulator/publish-sqs.ts";
import { createPublisherClient, type PubSubWorldFile } from "../../../tools/simulator/pubsub-world.ts";
import type { WorldFile } from "../../../tools/simulator/world.ts";
import { meshPubSub, meshQueueSqs } from "../../support/mesh.ts";

/** What a feeder got into its source. */
export interface FeedLedger {
  /** Event id -> source message id, for every event the source accepted. */
  readonly accepted: Map<string, string | undefined>;
  /** Event id -> {ordering key, position among the accepted events of that key}. */
  readonly ordered: Map<string, { readonly group: string; readonly position: number }>;
  /** Events offered to the source (accepted or not), in order. */
  readonly offered: SealedEvent[];
  /** Failed send calls (their events never reached the source). */
  failedCalls: number;
}

export interface Feeder {
  readonly ledger: FeedLedger;
  /** Stops after the current call; resolves once the feeder has stopped. */
  stop(): Promise<void>;
  /** Resolves when every event was offered (or stop). */
  readonly done: Promise<void>;
}

function newLedger(): FeedLedger {
  return { accepted: new Map(), ordered: new Map(), offered: [], failedCalls: 0 };
}

const BATCH = 10;

/** A pacer: `rate` events per second, in batches of BATCH. */
async function paced(
  events: Iterable<SealedEvent>,
  rate: number,
  stopped: () => boolean,
  send: (batch: SealedEvent[]) => Promise<void>,
): Promise<void> {
  const started = Date.now();
  let sent = 0;
  let batch: SealedEvent[] = [];
  for (const event of events) {
    if (stopped()) return;
    batch.push(event);
    if (batch.length < BATCH) continue;
    const due = started + (sent / rate) * 1000;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    await send(batch);
    sent += batch.length;
    batch = [];
  }
  if (batch.length > 0 && !stopped()) await send(batch);
}

function startFeeder(work: (ledger: FeedLedger, stopped: () => boolean) => Promise<void>, close: () => void): Feeder {
  const ledger = newLedger();
  let stopping = false;
  const done = work(ledger, () => stopping).finally(close);
  return {
    ledger,
    done,
    async stop() {
      stopping = true;
      await done;
    },
  };
}

/** Writes the events to a direct (ElasticMQ) world's queue at `rate` per second, surviving failures. */
export function feedSqs(world: WorldFile, events: Iterable<SealedEvent>, rate: number, sqs: SQSClient = meshQueueSqs()): Feeder {
  return startFeeder(
    (ledger, stopped) =>
      paced(events, rate, stopped, async (batch) => {
        ledger.offered.push(...batch);
        try {
          await writeToQueue(sqs, world.aws, batch, {
            rate: 0,
            concurrency: 1,
            onSent: (event, messageId) => ledger.accepted.set(event.eventId, messageId),
          });
        } catch {
          ledger.failedCalls++;
        }
      }),
    () => sqs.destroy(),
  );
}

/**
 * Publishes to a Pub/Sub world's tenant topics at `rate` per second, one call per tenant's share
 * of a batch, one after another (so ordering keys keep their order), surviving failures.
 */
export function feedPubSub(
  world: PubSubWorldFile,
  events: Iterable<SealedEvent>,
  rate: number,
  emulatorHost: string,
  pubsub: PubSub = meshPubSub(world.pubsub.project, emulatorHost),
): Feeder {
  const publisher: v1.PublisherClient = createPublisherClient(pubsub);
  const positions = new Map<string, number>();
  return startFeeder(
    (ledger, stopped) =>
      paced(events, rate, stopped, async (batch) => {
        ledger.offered.push(...batch);
        const byTenant = new Map<string, SealedEvent[]>();
        for (const event of batch) byTenant.set(event.tenant, [...(byTenant.get(event.tenant) ?? []), event]);
        for (const tenantEvents of byTenant.values()) {
          try {
            await publishToPubSub(publisher, world.pubsub, tenantEvents, {
              rate: 0,
              concurrency: 1,
              onPublished: (published) => {
                ledger.accepted.set(published.event.eventId, published.messageId);
                if (published.orderingKey === undefined) return;
                const position = positions.get(published.orderingKey) ?? 0;
                positions.set(published.orderingKey, position + 1);
                ledger.ordered.set(published.event.eventId, { group: published.orderingKey, position });
              },
            });
          } catch {
            ledger.failedCalls++;
          }
        }
      }),
    () => {
      void publisher.close();
      void pubsub.close();
    },
  );
}

/** One ledger for several feeds of a source (phases of a scenario), in the order given. */
export function mergedLedger(...ledgers: readonly FeedLedger[]): FeedLedger {
  const merged = newLedger();
  for (const ledger of ledgers) {
    merged.offered.push(...ledger.offered);
    for (const [id, sourceId] of ledger.accepted) merged.accepted.set(id, sourceId);
    for (const [id, order] of ledger.ordered) merged.ordered.set(id, order);
    merged.failedCalls += ledger.failedCalls;
  }
  return merged;
}
