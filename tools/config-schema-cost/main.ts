// Measures what a configuration schema library costs the bridge at start-up: time from nothing
// to a validated configuration (import + schema + validator + one check) and the resident and
// heap growth, each in a fresh process, in the plain case and with @platformatic/kafka (which
// loads ajv) already loaded as in the bridge. Used for docs/decisions/0007.
//   node tools/config-schema-cost/main.ts [runs] [a directory where zod@4 and @sinclair/typebox@0.34 are installed]
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema } from "../../src/cli/config/schema.ts";
import { toJsonSchema } from "./json-schema.ts";

const runs = Number(process.argv[2] ?? 7);
const alternatives = process.argv[3] ?? "/tmp/mb-schema-alts";
const schemaFile = join(tmpdir(), "meshbridge-config-schema.json");
writeFileSync(schemaFile, JSON.stringify(toJsonSchema(configSchema)));
const probe = join(import.meta.dirname, "probe.ts");

interface Sample {
  ok: boolean;
  importMs: number;
  readyMs: number;
  rssMB: number;
  heapMB: number;
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const candidates = ["valibot", "typebox-ajv", "zod", "yaml"] as const;
const cases = ["0", "1"].flatMap((preload) => candidates.map((candidate) => ({ preload, candidate })));
const samples = new Map<string, Sample[]>(cases.map(({ preload, candidate }) => [`${preload}${candidate}`, []]));
// Interleaved, so that a burst of load from elsewhere hits every candidate alike.
for (let run = 0; run < runs; run++) {
  for (const { preload, candidate } of cases) {
    const out = execFileSync(process.execPath, ["--expose-gc", probe, candidate, preload, schemaFile, alternatives], {
      encoding: "utf8",
    });
    const sample = JSON.parse(out.trim().split("\n").pop()!) as Sample;
    if (!sample.ok) throw new Error(`${candidate}: the sample configuration did not validate`);
    samples.get(`${preload}${candidate}`)!.push(sample);
  }
}
console.log(
  "| candidate | @platformatic/kafka loaded first | import ms | ready ms (import + build + first check) | RSS Δ MB | heap Δ MB |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const { preload, candidate } of cases) {
  const list = samples.get(`${preload}${candidate}`)!;
  const cell = (key: keyof Omit<Sample, "ok">) => median(list.map((s) => s[key])).toFixed(1);
  console.log(
    `| ${candidate} | ${preload === "1" ? "yes" : "no"} | ${cell("importMs")} | ${cell("readyMs")} | ${cell("rssMB")} | ${cell("heapMB")} |`,
  );
}
