// The soak: both clouds publish at a steady rate for MB_SOAK_MINUTES (default 3) while, once a
// minute and in turn, the bridge is SIGKILLed (and started again), the broker is SIGKILLed (and
// restarted on its log directory), the registry is SIGKILLed (and started again, empty: the
// deployment's schemas are registered again, as a deploy would), and a source server is
// SIGKILLed and restarted (ElasticMQ, then pstest next time; its queue or subscriptions made
// again). One line per minute; at the end every event is accounted for, one row per cloud.
// `npm run soak -- --minutes N` (test/faults/soak.ts) runs it on the fault stack.
import assert from "node:assert/strict";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { catalogTopics } from "../../../catalog/index.ts";
import { meshEndpoints } from "../../../infra/stack/ports.ts";
import { services } from "../../../infra/stack/services.ts";
import { registerCatalogSchemas } from "../../../src/cli/commands/schemas.ts";
import { type BridgeProcess, startBridgeProcess } from "../../support/bridge.ts";
import { RecordCollector } from "../../support/records.ts";
import { legacyEvents } from "../../support/worlds.ts";
import { type Feeder, feedPubSub, feedSqs } from "../support/feeders.ts";
import { recreatePubSubWorld, recreateQueue } from "../support/recreate.ts";
import { recordScenario } from "../support/results.ts";
import { lostInRestarts, notYetReceived, type ServerRestart } from "../support/server-runs.ts";
import { killServer, restartServer, type StackServer } from "../support/stack.ts";
import { accountFeed, explainLost, provisionTwoClouds, twoCloudConfig } from "../support/two-clouds.ts";

const MINUTES = Number(process.env.MB_SOAK_MINUTES ?? "3");
const RATE = Number(process.env.MB_SOAK_RATE ?? "20");
const FAULTS = ["bridge", "broker", "registry", "emulator"] as const;

/**
 * restartServer, waiting up to 4 minutes in all: on a loaded machine the broker's log recovery
 * after a SIGKILL can outlast the stack's start timeout (90 s; seen: 95 s).
 */
async function restart(name: StackServer): Promise<void> {
  try {
    await restartServer(name);
  } catch (error) {
    const service = services.find((candidate) => candidate.name === name);
    for (const deadline = Date.now() + 150_000; Date.now() < deadline; await sleep(1_000)) {
      if (await (service?.healthy() ?? Promise.resolve(false)).catch(() => false)) return;
    }
    throw error;
  }
}

it(`soak: ${MINUTES} min at ${RATE}/s per cloud, a kill a minute (bridge, broker, registry, emulator)`, {
  timeout: (MINUTES + 10) * 60_000,
}, async (t) => {
  assert.ok(
    Number.isInteger(MINUTES) && MINUTES >= 1,
    `MB_SOAK_MINUTES=${process.env.MB_SOAK_MINUTES} is not a whole number of minutes`,
  );
  const run = await provisionTwoClouds("soak", { sqsTenants: 5, pubsubTenants: 5, pubsubHost: meshEndpoints.pubsubEmulatorHost });
  t.after(() => run.close());
  const config = twoCloudConfig(run, { sqs: { waitTimeSeconds: 2 } });
  // A reader of the topics that dies with the broker: opened again (from the beginning) after each restart.
  let collector: RecordCollector = run.collector;
  t.after(() => collector.close().catch(() => undefined));
  const bridges: BridgeProcess[] = [];
  const logs = (): string[] => bridges.flatMap((bridge) => bridge.logs);
  let bridge = await startBridgeProcess(run.deployment, config, "soak-0");
  bridges.push(bridge);
  t.after(() => bridge.kill());

  const total = RATE * 60 * (MINUTES + 1);
  const feeders: readonly [Feeder, Feeder] = [
    feedSqs(run.aws, legacyEvents(run.aws, total, 1201), RATE),
    feedPubSub(run.gcp, legacyEvents(run.gcp, total, 1202), RATE, run.pubsubHost),
  ];
  /** Each cloud's source-server restarts: what was accepted before one may have died with it. */
  const restarts: [ServerRestart[], ServerRestart[]] = [[], []];
  let duplicateBound = 0;
  let emulatorTurn = 0;
  const began = Date.now();
  for (let minute = 1; minute <= MINUTES; minute++) {
    await sleep(Math.max(0, began + minute * 60_000 - Date.now()));
    const fault = FAULTS[(minute - 1) % FAULTS.length]!;
    const faultBegan = Date.now();
    let what: string = fault;
    if (fault === "bridge") {
      duplicateBound += await bridge.metric("meshbridge_in_flight_messages").catch(() => 0);
      await bridge.kill();
      bridge = await startBridgeProcess(run.deployment, config, `soak-${minute}`);
      bridges.push(bridge);
    } else if (fault === "broker") {
      duplicateBound += await bridge.metric("meshbridge_in_flight_messages").catch(() => 0);
      await killServer("kafka");
      await restart("kafka");
      const dead = collector;
      collector = await RecordCollector.open(run.deployment);
      await dead.close().catch(() => undefined);
    } else if (fault === "registry") {
      await killServer("registry");
      await restart("registry");
      await registerCatalogSchemas(catalogTopics, meshEndpoints.registryUrl, () => {}, run.deployment.prefix);
    } else {
      const cloud = emulatorTurn++ % 2;
      const kill = { killOffered: feeders[cloud]!.ledger.offered.length, killLog: logs().length };
      if (cloud === 0) {
        what = "elasticmq";
        await killServer("elasticmq");
        await restart("elasticmq");
        await recreateQueue(run.aws);
      } else {
        what = "pstest";
        await killServer("pubsub");
        await restart("pubsub");
        await recreatePubSubWorld(run.gcp, run.pubsubHost);
      }
      restarts[cloud]!.push({ ...kill, readyOffered: feeders[cloud]!.ledger.offered.length });
    }
    const [sqsRow, pubsubRow] = [run.aws, run.gcp].map((world, cloud) =>
      accountFeed(run, world, feeders[cloud]!.ledger, { scenario: "", duplicateBound: 0 }, collector),
    );
    const line = (name: string, row: typeof sqsRow, cloud: number): string =>
      `${name} ${row!.result.sent} sent, ${feeders[cloud]!.ledger.accepted.size} accepted, ${row!.result.inKafka + row!.result.filtered} in Kafka`;
    console.log(
      `soak minute ${minute}: killed ${what}, back after ${((Date.now() - faultBegan) / 1000).toFixed(1)} s; ${line("sqs", sqsRow, 0)}; ${line("pubsub", pubsubRow, 1)}`,
    );
  }
  await Promise.all(feeders.map((feeder) => feeder.stop()));

  // Everything accepted after a server's last restart, and all not lost in one, must arrive.
  const settled = (): boolean => feeders.every((feeder, cloud) => notYetReceived(feeder.ledger, restarts[cloud]!, logs()) === 0);
  for (const deadline = Date.now() + 240_000; !settled() && Date.now() < deadline; ) await sleep(1_000);
  await collector.waitFor(
    () =>
      [run.aws, run.gcp].every(
        (world, cloud) =>
          accountFeed(
            run,
            world,
            feeders[cloud]!.ledger,
            { scenario: "", duplicateBound: 0, notAccepted: wiped(cloud) },
            collector,
          ).result.lost === 0,
      ),
    120_000,
  );
  await collector.waitFor(() => false, 3_000);
  assert.equal(await bridge.stop(), 0, "the last bridge stops cleanly");

  function wiped(cloud: number): Set<string> {
    return lostInRestarts(feeders[cloud]!.ledger, restarts[cloud]!, logs());
  }
  const minutes = `${MINUTES} min, ${bridges.length} bridges`;
  const rows = [run.aws, run.gcp].map((world, cloud) =>
    accountFeed(
      run,
      world,
      feeders[cloud]!.ledger,
      {
        scenario: `soak ${MINUTES} min / ${cloud === 0 ? "sqs" : "pubsub"}`,
        duplicateBound,
        notAccepted: wiped(cloud),
        notes: `${minutes}; ${feeders[cloud]!.ledger.failedCalls} send calls refused; ${wiped(cloud).size} accepted then lost in a server restart before the bridge saw them`,
      },
      collector,
    ),
  );
  for (const [cloud, row] of rows.entries()) recordScenario(t, row, explainLost(feeders[cloud]!.ledger, logs()));
});
