// Scale: two bridge processes on the same queue, fed by one pre-filled queue; throughput is the
// sum of both processes' acked messages over the time from both ready to drained. Loss is
// counted by the ledger like every other run. (One process: the saturation run of e2e-sqs.)
import { prefill, type SqsE2eOptions, timeDrain } from "./e2e-sqs.ts";
import { BridgeChild } from "./mesh.ts";

export interface ScaleResult {
  readonly processes: number;
  readonly published: number;
  readonly acked: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly cpuUsPerEvent: number;
  readonly peakRssMB: readonly number[];
  readonly timedOut: boolean;
}

export async function measureTwoProcesses(options: SqsE2eOptions): Promise<ScaleResult> {
  const published = await prefill(options, "sqs-scale-2");
  const bridges = await Promise.all(
    [1, 2].map((n) =>
      BridgeChild.start({
        label: `${options.label}-scale-${n}`,
        queueUrl: options.world.aws.queueUrl,
        keyFile: options.world.keys.bridgeKeyFile,
        receivers: options.receivers,
      }),
    ),
  );
  try {
    const result = await drainTogether(bridges, published, options.drainTimeoutMs);
    options.log(`sqs 2 processes: ${result.eventsPerSecond.toFixed(0)} events/s${result.timedOut ? " (drain timed out)" : ""}`);
    return result;
  } finally {
    await Promise.all(bridges.map((b) => b.stop()));
  }
}

/**
 * Times ready bridges draining `published` pre-filled messages between them, for either source:
 * what they acked before this call counts toward the total, not toward the rate.
 */
export async function drainTogether(bridges: readonly BridgeChild[], published: number, timeoutMs: number): Promise<ScaleResult> {
  const before = await Promise.all(bridges.map((b) => b.metrics()));
  const already = before.reduce((sum, m) => sum + m.acked, 0);
  const drain = await timeDrain(bridges, published - already, timeoutMs, before);
  return {
    processes: bridges.length,
    published,
    acked: drain.acked + already,
    seconds: drain.seconds,
    eventsPerSecond: drain.acked / drain.seconds,
    cpuUsPerEvent: drain.cpuUs / Math.max(1, drain.acked),
    peakRssMB: bridges.map((b) => b.proc().peakRssMB),
    timedOut: drain.timedOut,
  };
}
