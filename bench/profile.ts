// When a target is missed: a CPU profile of the bridge under load (a pre-filled queue drained by
// a bridge child started with --cpu-prof), saved beside the results, and a summary of where its
// CPU went, by stage (src/<stage>/, catalog/) or library.
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "../infra/stack/ports.ts";
import { prefill, type SqsE2eOptions, timeDrain } from "./e2e-sqs.ts";
import { BridgeChild, type BridgeChildOptions } from "./mesh.ts";

export interface ProfileSummary {
  readonly file: string;
  readonly events: number;
  /** CPU time sampled during the drain (start-up excluded), idle excluded. */
  readonly sampledMs: number;
  /** Share of sampled time (excluding idle) by stage or library, largest first. */
  readonly byCategory: readonly { readonly category: string; readonly pct: number }[];
  readonly topFunctions: readonly { readonly name: string; readonly where: string; readonly pct: number }[];
  /** The pipeline stage (src/<stage>) with the most self time. */
  readonly costliestStage: string | null;
}

interface CpuProfile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

const STAGES = ["sources", "envelope", "crypto", "mapping", "schema", "sink", "pipeline", "ops", "cli"];

function categorize(url: string, functionName: string): string {
  if (url === "") {
    if (functionName === "(idle)") return "(idle)";
    if (functionName === "(garbage collector)") return "garbage collector";
    return functionName.startsWith("(") ? `V8 ${functionName}` : "native/builtin";
  }
  const path = url.startsWith("file://") ? url.slice(7) : url;
  const match = /\/src\/([a-z]+)\//.exec(path);
  if (match !== null && !path.includes("node_modules")) return `src/${match[1]}`;
  if (path.includes("/catalog/") && !path.includes("node_modules")) return "catalog (mappers, generated code)";
  if (path.includes("@aws-sdk") || path.includes("@smithy") || path.includes("fast-xml-parser")) return "AWS SDK (SQS client)";
  if (path.includes("@platformatic/kafka")) return "Kafka client";
  if (path.includes("@grpc/") || path.includes("google-gax") || path.includes("@google-cloud/") || path.includes("protobufjs"))
    return "gRPC / Pub/Sub client";
  if (path.includes("@bufbuild/protobuf")) return "protobuf runtime (toBinary)";
  if (path.startsWith("node:")) return "Node.js core (http, net, streams, crypto)";
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return module === null ? path : module[1]!;
}

/**
 * `window`: only samples inside it (µs of CLOCK_MONOTONIC, which V8's profile timestamps and
 * process.hrtime share on Linux), so start-up (module loading) does not drown the drain.
 */
export function summarizeProfile(file: string, events: number, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const category = categorize(frame.url, frame.functionName);
    if (category === "(idle)" || frame.functionName === "(program)") continue;
    busy += us;
    categories.set(category, (categories.get(category) ?? 0) + us);
    const where = frame.url === "" ? "" : `${relative(repoRoot, frame.url.replace("file://", ""))}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || "(anonymous)"}\u0000${where}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  const pct = (us: number): number => Math.round((us / Math.max(1, busy)) * 1000) / 10;
  const byCategory = [...categories].sort((a, b) => b[1] - a[1]).map(([category, us]) => ({ category, pct: pct(us) }));
  const topFunctions = [...functions]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([key, us]) => {
      const [name, where] = key.split("\u0000");
      return { name: name!, where: where!, pct: pct(us) };
    });
  const stage = byCategory.find((c) => STAGES.some((s) => c.category === `src/${s}`) || c.category.startsWith("catalog"));
  return {
    file: relative(repoRoot, file),
    events,
    sampledMs: Math.round(busy / 1000),
    byCategory,
    topFunctions,
    costliestStage: stage?.category ?? null,
  };
}

export async function profileBridge(options: SqsE2eOptions, directory: string): Promise<ProfileSummary> {
  const published = await prefill(options, "sqs-profile");
  return profileDrain(
    {
      label: `${options.label}-profile`,
      queueUrl: options.world.aws.queueUrl,
      keyFile: options.world.keys.bridgeKeyFile,
      receivers: options.receivers,
    },
    published,
    options.drainTimeoutMs,
    directory,
  );
}

/** Starts the bridge with --cpu-prof, lets it drain `published` messages, and summarises the drain's samples. */
export async function profileDrain(
  bridgeOptions: Omit<BridgeChildOptions, "cpuProfileDir">,
  published: number,
  timeoutMs: number,
  directory: string,
): Promise<ProfileSummary> {
  const bridge = await BridgeChild.start({ ...bridgeOptions, cpuProfileDir: directory });
  let acked = 0;
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  const window = { fromUs: nowUs(), toUs: 0 };
  try {
    const before = await bridge.metrics();
    acked = (await timeDrain([bridge], published - before.acked, timeoutMs, [before])).acked;
    window.toUs = nowUs();
  } finally {
    await bridge.stop();
  }
  return summarizeProfile(join(directory, `${bridgeOptions.label}.cpuprofile`), acked, window);
}
