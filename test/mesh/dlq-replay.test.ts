// The dead-letter repair for SQS (ElasticMQ): two tenants' keys are missing, so the bridge
// dead-letters their events (UnknownTenant); `dlq inspect` summarises them without bodies; once
// one tenant's key exists, `dlq replay` runs exactly its dead letters through the pipeline from
// the dead-letter topic into the catalog (a dry run first, which produces and commits nothing;
// a second run, through the command line, finds nothing left), while the other tenant's dead
// letters fail again and come back with mb_replay_count 1. See test/support/dlq-replay.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { it } from "node:test";
import { bridgeConfig, sqsSource, startBridgeInProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { runRepairScenario } from "../support/dlq-replay.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

it("SQS dead letters of tenants without keys: inspected, then replayed from the DLQ once a key exists", {
  timeout: 240_000,
}, async (t) => {
  const deployment = await isolatedDeployment("dlq-replay");
  const world = await provisionSqsWorld(deployment, 3);
  const [, fixed, stillMissing] = world.tenants as [string, string, string];
  const fullKeys = JSON.parse(readFileSync(world.keys.bridgeKeyFile, "utf8")) as { tenants: Record<string, unknown> };
  const keyFile = `${deployment.directory}/bridge-keys.json`;
  writeFileSync(keyFile, JSON.stringify({ tenants: { ...fullKeys.tenants, [fixed]: undefined, [stillMissing]: undefined } }));
  const config = bridgeConfig(deployment, world, { sources: sqsSource(world, { waitTimeSeconds: 1 }), keyFile });

  const sent = legacyEvents(world, 90, Date.now() % 1e9);
  const running = await startBridgeInProcess(config);
  let stopped: Promise<boolean> | undefined;
  const stopBridge = () => {
    stopped ??= running.bridge.stop();
    return stopped;
  };
  try {
    await publishToSqsWorld(world, sent, { rate: 0, concurrency: 4 });
    await runRepairScenario(t, { deployment, config, sent, fixed, stillMissing, fullKeys, stopBridge });
  } finally {
    await stopBridge();
  }
});
