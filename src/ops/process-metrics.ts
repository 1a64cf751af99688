// The process's own health, in the names Prometheus client libraries use, so the usual
// dashboards and alerts (memory against the pod limit, event-loop stalls) work unchanged.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type BridgeMetrics, Gauge, SampledCounter } from "./metrics.ts";

/** Registers the process gauges; returns a function that stops the event-loop sampler. */
export function trackProcessMetrics(metrics: BridgeMetrics): () => void {
  const gauge = (name: string, help: string, read: () => number, Kind = Gauge): void => {
    const metric = new Kind(name, help);
    metric.track(read);
    metrics.register(metric);
  };
  gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () => process.memoryUsage.rss());
  gauge(
    "process_cpu_seconds_total",
    "User and system CPU time spent, in seconds.",
    () => {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1e6;
    },
    SampledCounter,
  );
  gauge("nodejs_heap_size_used_bytes", "V8 heap in use, in bytes.", () => process.memoryUsage().heapUsed);
  gauge("nodejs_heap_size_total_bytes", "V8 heap reserved, in bytes.", () => process.memoryUsage().heapTotal);
  gauge("nodejs_external_memory_bytes", "Memory of C++ objects bound to JS objects (buffers), in bytes.", () => {
    return process.memoryUsage().external;
  });
  // Sampled every 20 ms; p99 over the last scrape interval shows stalls a mean would hide.
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  gauge("nodejs_eventloop_lag_p99_seconds", "99th percentile of event-loop delay since the last scrape, in seconds.", () => {
    const p99 = delay.percentile(99) / 1e9;
    delay.reset();
    return Number.isFinite(p99) ? p99 : 0;
  });
  return () => delay.disable();
}
