// Pub/Sub fairness: one subscription flooded (a backlog waiting before the bridge starts, topped
// up every round) and 99 trickling (one event each per round). The figure is how long a trickle
// event waits while the flood has a backlog: publish → Kafka record timestamp, p50/p99, from the
// ledger (test/mesh/pubsub-fairness.test.ts asserts that the trickle is served at all).
import { setTimeout as sleep } from "node:timers/promises";
import type { PubSubWorldFile } from "../tools/simulator/pubsub-world.ts";
import type { Ledger } from "./ledger.ts";
import { BridgeChild } from "./mesh.ts";
import {
  deletePubSubBenchWorld,
  provisionPubSubBenchWorld,
  publishPubSub,
  pubsubSourceConfig,
  subscriptionBacklog,
} from "./pubsub-mesh.ts";

export interface FairnessOptions {
  readonly label: string;
  readonly ledger: Ledger;
  readonly targetBytes: number;
  /** Flood events waiting before the bridge starts, and added each round. */
  readonly flood: number;
  readonly floodTopUp: number;
  readonly rounds: number;
  /** How long the bridge may take to finish the flood afterwards (what is left is counted, not lost). */
  readonly finishMs: number;
  readonly log: (line: string) => void;
}

export interface FairnessResult {
  readonly trickling: number;
  readonly rounds: number;
  readonly floodPublished: number;
  /** Flood events not yet acked when the last trickle round was published (its backlog then). */
  readonly floodBacklogAtTrickleEnd: number;
  /** Messages left in the world's subscriptions when the bridge stopped (not lost). */
  readonly left: number;
}

export const FAIRNESS_PHASE = { flood: "pubsub-fairness-flood", trickle: "pubsub-fairness-trickle" } as const;
const TRICKLING = 99;
const SEED = 600;

/** Runs the scenario; the trickle's latency is read from the ledger under FAIRNESS_PHASE.trickle. */
export async function measureFairness(options: FairnessOptions): Promise<FairnessResult> {
  const world = await provisionPubSubBenchWorld(`${options.label}-fair`, TRICKLING + 1);
  try {
    const [flooded, ...trickling] = world.tenants as [string, ...string[]];
    const only = (tenants: readonly string[]): PubSubWorldFile => ({ ...world, tenants });
    const flood = (count: number, seed: number) =>
      publishPubSub(only([flooded]), {
        count,
        rate: 0,
        seed,
        targetBytes: options.targetBytes,
        maxMs: 30_000,
        concurrency: 16,
        onPublished: (event, at) => options.ledger.expect(event, at, FAIRNESS_PHASE.flood),
      });
    let floodPublished = (await flood(options.flood, SEED)).published;
    const bridge = await BridgeChild.start({
      label: `${options.label}-fair`,
      keyFile: world.keys.bridgeKeyFile,
      pubsub: { ...pubsubSourceConfig([world.pubsub.label]), maxInFlightPerSubscription: 200 },
    });
    let trickled = 0;
    let backlogAtEnd = 0;
    try {
      for (let round = 0; round < options.rounds; round++) {
        const roundStart = performance.now();
        floodPublished += (await flood(options.floodTopUp, SEED + 1 + round)).published;
        trickled += (
          await publishPubSub(only(trickling), {
            count: trickling.length,
            rate: 0,
            seed: SEED + 1000 + round,
            targetBytes: options.targetBytes,
            maxMs: 10_000,
            concurrency: 16,
            onPublished: (event, at) => options.ledger.expect(event, at, FAIRNESS_PHASE.trickle),
          })
        ).published;
        await sleep(Math.max(0, 1000 - (performance.now() - roundStart)));
      }
      backlogAtEnd = Math.max(0, floodPublished + trickled - (await bridge.metrics()).acked);
      // Let it finish (bounded): what is left is counted below, not lost.
      const deadline = Date.now() + options.finishMs;
      while (Date.now() < deadline && (await bridge.metrics()).acked < floodPublished + trickled) await sleep(200);
    } finally {
      await bridge.stop();
    }
    const left = await subscriptionBacklog(world);
    options.log(
      `pubsub fairness: flood ${floodPublished} on 1 subscription (backlog ≥ ${backlogAtEnd} at the end of the trickle), ${TRICKLING} trickling × ${options.rounds} rounds (${trickled} events); ${left} left`,
    );
    return {
      trickling: TRICKLING,
      rounds: options.rounds,
      floodPublished,
      floodBacklogAtTrickleEnd: backlogAtEnd,
      left,
    };
  } finally {
    await deletePubSubBenchWorld(world).catch(() => undefined);
  }
}
