// The Pub/Sub bridge's CPU per event end to end, alone (docs/decisions/0008): the saturation
// drain of bench/e2e-pubsub.ts (20 tenants, one subscription each, 1 KB events pre-filled
// through the simulator, the real bridge as a child process with the default pull pool) repeated
// `--runs` times on one world, without the latency, scale and footprint phases of `npm run bench`.
// CPU µs/event = the bridge's utime + stime (/proc) from ready to drained ÷ events acked.
// Needs the local mesh (`npm run stack -- up`).
//
//   node bench/pubsub-bridge-cpu.ts [--events N] [--runs N] [--pull N,N…] [--concurrency N] [--budget N]
// --pull: maxMessagesPerPull values, taken in turn within each run (A/B in the same minutes).

import { timeDrain } from "./e2e-sqs.ts";
import { BridgeChild, prepareCatalog } from "./mesh.ts";
import { deletePubSubBenchWorld, provisionPubSubBenchWorld, publishPubSub, pubsubSourceConfig } from "./pubsub-mesh.ts";

const argument = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const events = argument("--events", 20_000);
const runs = argument("--runs", 3);
const pullSizes = (() => {
  const i = process.argv.indexOf("--pull");
  return i >= 0 ? process.argv[i + 1]!.split(",").map(Number) : [undefined];
})();
const concurrency = argument("--concurrency", 0);
const budget = argument("--budget", 0);
const TENANTS = 20;
const TARGET_BYTES = 1024;
const DRAIN_TIMEOUT_MS = 180_000;

await prepareCatalog();
const label = `codec-${Date.now().toString(36)}`;
const world = await provisionPubSubBenchWorld(label, TENANTS);
try {
  for (let n = 0; n < runs * pullSizes.length; n++) {
    const run = n + 1;
    const pull = pullSizes[n % pullSizes.length];
    const filled = await publishPubSub(world, {
      count: events,
      rate: 0,
      seed: 800 + run,
      targetBytes: TARGET_BYTES,
      maxMs: 300_000,
      concurrency: 16,
    });
    const bridge = await BridgeChild.start({
      ...(budget > 0 ? { budget: { maxMessages: budget } } : {}),
      label: `${label}-${run}`,
      keyFile: world.keys.bridgeKeyFile,
      pubsub: {
        ...pubsubSourceConfig([world.pubsub.label]),
        ...(pull === undefined ? {} : { maxMessagesPerPull: pull }),
        ...(concurrency > 0 ? { pullConcurrency: concurrency } : {}),
      },
    });
    try {
      const before = await bridge.metrics();
      const drain = await timeDrain([bridge], filled.published - before.acked, DRAIN_TIMEOUT_MS, [before]);
      console.log(
        `run ${run}${pull === undefined ? "" : ` (pull ${pull})`}: ${drain.acked} events in ${drain.seconds.toFixed(1)} s (${(drain.acked / drain.seconds).toFixed(0)}/s), ` +
          `${(drain.cpuUs / Math.max(1, drain.acked)).toFixed(1)} µs CPU/event (warm: ${drain.steadyCpuUsPerEvent?.toFixed(1) ?? "?"}), peak RSS ${bridge.proc().peakRssMB.toFixed(0)} MB` +
          `${drain.timedOut ? " (drain timed out)" : ""}`,
      );
    } finally {
      await bridge.stop();
    }
  }
} finally {
  await deletePubSubBenchWorld(world);
}
