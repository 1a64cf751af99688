// A deployment with a legacy world on each cloud (SQS on ElasticMQ, Pub/Sub on a Pub/Sub
// server), one key file for the bridge, a collector reading the deployment's topics, and the
// rows of the fault table for what each cloud's feeder got into its source.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { meshEndpoints } from "../../../infra/stack/ports.ts";
import { runningPid } from "../../../infra/stack/process.ts";
import type { StaticKeyFile } from "../../../src/crypto/static-keyring.ts";
import { deletePubSubWorld, type PubSubWorldFile } from "../../../tools/simulator/pubsub-world.ts";
import type { WorldFile } from "../../../tools/simulator/world.ts";
import { type BridgeSettings, bridgeConfig, pubsubSource, sqsSource } from "../../support/bridge.ts";
import { DeliveryLedger } from "../../support/delivery.ts";
import { type Deployment, isolatedDeployment } from "../../support/deployment.ts";
import { expectedRecords } from "../../support/expected.ts";
import { googlePubSubServer, meshPubSub } from "../../support/mesh.ts";
import { RecordCollector } from "../../support/records.ts";
import { provisionPubSubWorld, provisionSqsWorld } from "../../support/worlds.ts";
import { type Accounting, account, sealedItems } from "./accounting.ts";
import type { FeedLedger } from "./feeders.ts";
import { recordScenario } from "./results.ts";
import { receivedCounts } from "./server-runs.ts";

/** Google's emulator where the stack runs it (it enforces ack deadlines), else pstest. */
export const pubsubHost: string =
  googlePubSubServer.skip === false && runningPid("pubsub-google") !== undefined
    ? googlePubSubServer.emulatorHost
    : meshEndpoints.pubsubEmulatorHost;

export interface TwoClouds {
  readonly deployment: Deployment;
  readonly aws: WorldFile;
  readonly gcp: PubSubWorldFile;
  readonly pubsubHost: string;
  /** Both worlds' tenant keys. */
  readonly keyFile: string;
  readonly collector: RecordCollector;
  close(): Promise<void>;
}

export interface TwoCloudOptions {
  readonly sqsTenants: number;
  readonly pubsubTenants: number;
  /** Every Nth Pub/Sub tenant ordered (0: none), with this many ordering keys. */
  readonly orderedEvery?: number;
  readonly orderingKeysPerTenant?: number;
  readonly pubsubHost?: string;
}

export async function provisionTwoClouds(label: string, options: TwoCloudOptions): Promise<TwoClouds> {
  const host = options.pubsubHost ?? pubsubHost;
  const deployment = await isolatedDeployment(label);
  // A suffix of its own: both worlds write their key files into the deployment directory.
  const aws = await provisionSqsWorld(deployment, options.sqsTenants, { suffix: "-aws" });
  const gcp = await provisionPubSubWorld(deployment, {
    tenants: options.pubsubTenants,
    keyVersions: 2,
    orderedEvery: options.orderedEvery ?? 0,
    orderingKeysPerTenant: options.orderingKeysPerTenant ?? 1,
    emulatorHost: host,
  });
  const keyFile = join(deployment.directory, "both.bridge-keys.json");
  const read = (path: string): StaticKeyFile => JSON.parse(readFileSync(path, "utf8")) as StaticKeyFile;
  const merged: StaticKeyFile = { tenants: { ...read(aws.keys.bridgeKeyFile).tenants, ...read(gcp.keys.bridgeKeyFile).tenants } };
  writeFileSync(keyFile, JSON.stringify(merged), { mode: 0o600 });
  const collector = await RecordCollector.open(deployment);
  return {
    deployment,
    aws,
    gcp,
    pubsubHost: host,
    keyFile,
    collector,
    async close() {
      await collector.close().catch(() => undefined);
      const pubsub = meshPubSub(gcp.pubsub.project, host);
      await deletePubSubWorld(pubsub, gcp.pubsub).catch(() => undefined);
      await pubsub.close();
    },
  };
}

/** A bridge reading both worlds (debug logs: the source message ids it received). */
export function twoCloudConfig(
  run: TwoClouds,
  sources: { readonly sqs?: Record<string, unknown>; readonly pubsub?: Record<string, unknown> },
  settings: Omit<BridgeSettings, "sources"> = {},
): Record<string, unknown> {
  return bridgeConfig(run.deployment, run.aws, {
    logLevel: "debug",
    keyFile: run.keyFile,
    ...settings,
    sources: {
      ...sqsSource(run.aws, sources.sqs ?? {}),
      pubsub: pubsubSource({
        emulatorHost: run.pubsubHost,
        subscriptions: Object.values(run.gcp.pubsub.tenants).map((route) => route.subscription),
        ...(sources.pubsub ?? {}),
      }),
    },
  });
}

/** "lost by the bridge" (it received the message) or "never reached the bridge", per lost event. */
export function explainLost(ledger: FeedLedger, logs: readonly string[]): (ids: readonly string[]) => string {
  return (ids) => {
    const received = DeliveryLedger.received(logs);
    const pubsubReceived = receivedCounts(logs);
    const byBridge: string[] = [];
    const neverReached: string[] = [];
    for (const id of ids) {
      const sourceId = ledger.accepted.get(id) ?? "";
      (received.has(sourceId) || pubsubReceived.has(sourceId) ? byBridge : neverReached).push(`${id} (source ${sourceId})`);
    }
    return `LOST BY THE BRIDGE (received, not in Kafka nor the DLQ): ${byBridge.length} ${byBridge.slice(0, 3).join(", ")}; NEVER REACHED THE BRIDGE: ${neverReached.length} ${neverReached.slice(0, 3).join(", ")}`;
  };
}

export interface RowOptions {
  readonly scenario: string;
  readonly duplicateBound: number;
  readonly notes?: string;
  /** Events to leave out of `accepted` (e.g. wiped by an emulator restart before the bridge saw them). */
  readonly notAccepted?: ReadonlySet<string>;
}

/** The fault-table row of one cloud's feed: what it offered, what its source took, what Kafka has. */
export function accountFeed(
  run: TwoClouds,
  world: WorldFile | PubSubWorldFile,
  ledger: FeedLedger,
  row: RowOptions,
  collector: RecordCollector = run.collector,
): Accounting {
  const tenants = new Set(world.tenants);
  const events = ledger.offered;
  const expected = expectedRecords(events, run.deployment.prefix);
  const items = sealedItems(events, expected, (event) => ledger.ordered.get(event.eventId));
  const accepted = new Map([...ledger.accepted].filter(([id]) => !(row.notAccepted?.has(id) ?? false)));
  return account({
    scenario: row.scenario,
    items,
    accepted,
    catalog: collector.records.filter((record) => tenants.has(record.tenant)),
    deadLetters: collector.deadLetters,
    duplicateBound: row.duplicateBound,
    ...(row.notes === undefined ? {} : { notes: row.notes }),
  });
}

/** Accounts both feeds, records both rows and asserts them. */
export function recordFeed(
  t: TestContext,
  run: TwoClouds,
  world: WorldFile | PubSubWorldFile,
  ledger: FeedLedger,
  logs: readonly string[],
  row: RowOptions,
): Accounting {
  const accounting = accountFeed(run, world, ledger, row);
  recordScenario(t, accounting, explainLost(ledger, logs));
  return accounting;
}
