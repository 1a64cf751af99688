// One measurement in a fresh process (run by main.ts): the cost of getting from nothing to a
// validated configuration with one schema library. Prints one JSON line.
//   node --expose-gc probe.ts <candidate> <preload-kafka: 0|1> <schema.json> <alternatives dir>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { JsonSchema } from "./json-schema.ts";
import { sample } from "./sample.ts";

const [candidate, preload, schemaFile, alternatives] = process.argv.slice(2) as [string, string, string, string];
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

// The bridge's situation: @platformatic/kafka (and with it ajv) is loaded anyway.
if (preload === "1") await import("@platformatic/kafka");
// The JSON form of the schema (written by main.ts), as data for the alternatives to be built
// from: the same keys, types, ranges and defaults, without loading valibot here.
const jsonSchema = JSON.parse(readFileSync(schemaFile, "utf8")) as JsonSchema;
const input = JSON.stringify(sample);
const alternative = async (name: string) => import(pathToFileURL(createRequire(`${alternatives}/`).resolve(name)).href);

gc();
const before = process.memoryUsage();
const t0 = performance.now();
let imported = t0;
let ok = false;
if (candidate === "valibot") {
  // The real module: valibot, the schema's declaration, one check.
  const { validateSchema } = await import("../../src/cli/config/validate.ts");
  imported = performance.now();
  ok = validateSchema(JSON.parse(input)).ok;
} else if (candidate === "typebox-ajv") {
  const { Type } = await alternative("@sinclair/typebox");
  // The project's ajv: with @platformatic/kafka preloaded, the very module it already loaded.
  const { Ajv2020 } = await import("ajv/dist/2020.js");
  imported = performance.now();
  const { toTypeBox } = await import("./convert-typebox.ts");
  const ajv = new Ajv2020({ allErrors: true, useDefaults: true, coerceTypes: false, verbose: true, strict: false });
  ok = ajv.compile(toTypeBox(Type, jsonSchema))(JSON.parse(input)) === true;
} else if (candidate === "zod") {
  const { z } = await alternative("zod");
  imported = performance.now();
  const { toZod } = await import("./convert-zod.ts");
  ok = toZod(z, jsonSchema).safeParse(JSON.parse(input)).success;
} else if (candidate === "yaml") {
  // Not a schema library: the YAML parser load.ts also imports, for the total.
  const { parse, stringify } = await import("yaml");
  imported = performance.now();
  ok = JSON.stringify(parse(stringify(JSON.parse(input)))) === input;
} else throw new Error(`unknown candidate ${candidate}`);
const done = performance.now();
gc();
const after = process.memoryUsage();
console.log(
  JSON.stringify({
    candidate,
    preload: preload === "1",
    ok,
    importMs: imported - t0,
    readyMs: done - t0,
    rssMB: (after.rss - before.rss) / 1e6,
    heapMB: (after.heapUsed - before.heapUsed) / 1e6,
  }),
);
