// Bare produce (bench/baselines.ts) offered at a fixed rate instead of as fast as it goes: the
// bridge's KafkaSink + ProduceCoalescer, one send per 10 pre-encoded 1 KB events, sends started
// on a clock (open loop), so each produce request carries what arrived during the one before,
// as in the bridge at that throughput. CPU µs/event (process.cpuUsage) and Kafka socket writes
// per event, for each `--rates` value (0 = unpaced, the baseline's way), in turn, `--runs` times
// (docs/decisions/0025).
//
//   node bench/produce-at-rate.ts [--events N] [--rates R,R…] [--runs N]
import { setTimeout as sleep } from "node:timers/promises";
import { catalogTopics } from "../catalog/index.ts";
import { meshEndpoints } from "../infra/stack/ports.ts";
import { deployedCatalog } from "../src/cli/deployed-catalog.ts";
import { ProduceCoalescer } from "../src/pipeline/produce-coalescer.ts";
import type { OutRecord } from "../src/pipeline/records.ts";
import { KafkaSink } from "../src/sink/kafka-sink.ts";
import { bareProduce, preEncodedRecords } from "./baselines.ts";
import { BENCH_DLQ, BENCH_PREFIX, prepareCatalog } from "./mesh.ts";
import { countSocketWrites } from "./sqs-call-counter.ts";

const argument = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const events = Number(argument("--events") ?? 15_000);
const rates = (argument("--rates") ?? "0,1000,4000").split(",").map(Number);
const runs = Number(argument("--runs") ?? 2);

async function pacedProduce(count: number, rate: number): Promise<{ cpuUsPerEvent: number; seconds: number }> {
  const perEvent = preEncodedRecords(count);
  const sink = new KafkaSink({ bootstrapBrokers: [meshEndpoints.kafkaBootstrap], clientId: "mbbench-paced" });
  await sink.start([...deployedCatalog(catalogTopics, BENCH_PREFIX).map((entry) => entry.topic), BENCH_DLQ]);
  const coalescer = new ProduceCoalescer(sink);
  const sends: Promise<void>[] = [];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  for (let next = 0; next < count; ) {
    // Every 10 ms, the batches of 10 that the rate allows by now.
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 10);
    while (next < due) {
      const batch: OutRecord[] = [];
      for (let i = 0; i < 10 && next < count; i++, next++) for (const r of perEvent[next % perEvent.length]!) batch.push(r);
      sends.push(coalescer.send(batch));
    }
    await sleep(10);
  }
  await Promise.all(sends);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - started) / 1000;
  await sink.close();
  return { cpuUsPerEvent: (cpu.user + cpu.system) / count, seconds };
}

await prepareCatalog();
await bareProduce(5000, 60_000); // warm-up (JIT, connections), not reported
for (let run = 1; run <= runs; run++) {
  for (const rate of rates) {
    const writes: Record<string, { calls: number; bytes: number }> = {};
    const restore = countSocketWrites(writes);
    const result =
      rate === 0
        ? await bareProduce(events, 120_000).then((r) => ({ cpuUsPerEvent: r.cpuUsPerEvent, seconds: r.seconds }))
        : await pacedProduce(events, rate);
    restore();
    const kafka = writes[String(meshEndpoints.kafkaBootstrap.split(":").pop())] ?? { calls: 0, bytes: 0 };
    console.log(
      `run ${run} rate ${rate === 0 ? "unpaced" : `${rate}/s`}: ${result.cpuUsPerEvent.toFixed(1)} µs CPU/event over ${result.seconds.toFixed(1)} s; ` +
        `Kafka writes ${kafka.calls} (${(events / Math.max(1, kafka.calls)).toFixed(0)} events per write, ${(kafka.bytes / events).toFixed(0)} bytes per event)`,
    );
  }
}
