// Loads the catalog module named by `catalog.module` (or --catalog / MB_CATALOG): a path
// (relative ones against `baseDir`) or a package name, imported dynamically. Its default export
// (or an export named `catalog`) must have the CatalogModule shape; every problem is reported
// at once, naming the module and the field. Relative protoPaths become absolute against the
// module's own directory, so the registered text never depends on the working directory.
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CatalogModule, CatalogTopic } from "../mapping/catalog-module.ts";
import { isCatalogPath } from "./catalog-spec.ts";
import { ConfigError } from "./config.ts";

/** The specifier catalogs import the bridge's catalog API by (package.json "exports"). */
export const CATALOG_API_SPECIFIER = "meshbridge/catalog";
const catalogApiUrl = new URL("../mapping/catalog-api.ts", import.meta.url).href;

let apiRouted = false;
const isProtobufRuntime = (specifier: string): boolean =>
  specifier === "@bufbuild/protobuf" || specifier.startsWith("@bufbuild/protobuf/");

/**
 * A catalog mounted next to the bridge has no node_modules of its own, and one installed with
 * copies of its own would bring a second LegacyDataError class (whose messages the registry
 * then withholds) and a second Protobuf runtime. So `meshbridge/catalog` is the bridge's own
 * file, and `@bufbuild/protobuf` (what generated code imports) resolves as from the bridge.
 */
function routeCatalogApi(): void {
  if (apiRouted) return;
  apiRouted = true;
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier === CATALOG_API_SPECIFIER) return { url: catalogApiUrl, shortCircuit: true };
      if (isProtobufRuntime(specifier)) return next(specifier, { ...context, parentURL: import.meta.url });
      return next(specifier, context);
    },
  });
}

/** The module's file URL: a path against `baseDir`, or a package resolved from the bridge. */
function locate(spec: string, baseDir: string): string {
  if (spec.startsWith("file:")) return spec;
  if (isCatalogPath(spec, baseDir)) return pathToFileURL(resolve(baseDir, spec)).href;
  try {
    return import.meta.resolve(spec);
  } catch {
    throw new ConfigError(`catalog module ${spec}: no such package installed next to meshbridge (or give a path)`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
const nonEmpty = (value: unknown): value is string => typeof value === "string" && value.length > 0;

function checkTopic(value: unknown, at: string, directory: string, problems: string[]): CatalogTopic | undefined {
  if (!isRecord(value)) {
    problems.push(`${at}: expected an object`);
    return undefined;
  }
  const before = problems.length;
  for (const key of ["topic", "subject", "ceType", "protoPath"] as const) {
    if (!nonEmpty(value[key])) problems.push(`${at}.${key}: expected a non-empty string`);
  }
  const schema = value.schema;
  if (!isRecord(schema) || schema.kind !== "message" || typeof schema.typeName !== "string") {
    problems.push(`${at}.schema: expected a generated message descriptor (protoc-gen-es v2, e.g. OrderPlacedSchema)`);
  }
  if (problems.length > before) return undefined;
  const protoPath = resolve(directory, value.protoPath as string);
  if (!existsSync(protoPath)) problems.push(`${at}.protoPath: ${protoPath} does not exist`);
  return Object.freeze({ ...(value as unknown as CatalogTopic), protoPath });
}

function checkMappers(value: unknown, problems: string[]): void {
  if (!Array.isArray(value)) {
    problems.push("mappers: expected an array of {type, version, mapper}");
    return;
  }
  const seen = new Set<string>();
  for (const [index, entry] of value.entries()) {
    const at = `mappers[${index}]`;
    if (!isRecord(entry)) {
      problems.push(`${at}: expected {type, version, mapper}`);
      continue;
    }
    if (!nonEmpty(entry.type)) problems.push(`${at}.type: expected the legacy event type (a non-empty string)`);
    if (typeof entry.version !== "number" || !Number.isSafeInteger(entry.version) || entry.version < 1) {
      problems.push(`${at}.version: expected a positive integer`);
    }
    if (typeof entry.mapper !== "function") problems.push(`${at}.mapper: expected a function (event, context) => events`);
    const label = `${String(entry.type)}@${String(entry.version)}`;
    if (seen.has(label)) problems.push(`${at}: a second mapper for ${label}`);
    seen.add(label);
  }
}

/** Checks an imported module's export and returns it normalised (absolute protoPaths, frozen). */
export function checkCatalogModule(exported: unknown, label: string, directory: string): CatalogModule {
  const problems: string[] = [];
  const fail = (): never => {
    throw new ConfigError(
      problems.length === 1
        ? `catalog module ${label}: ${problems[0]}`
        : `catalog module ${label} is not usable (${problems.length} problems):\n  ${problems.join("\n  ")}`,
    );
  };
  if (!isRecord(exported)) {
    problems.push("expected a default export (or an export named `catalog`) made with defineCatalog({...})");
    return fail();
  }
  if (!nonEmpty(exported.name)) problems.push("name: expected a non-empty string");
  const topics: CatalogTopic[] = [];
  if (!Array.isArray(exported.topics) || exported.topics.length === 0) {
    problems.push("topics: expected a non-empty array of topics");
  } else {
    const names = new Set<string>();
    for (const [index, value] of exported.topics.entries()) {
      const topic = checkTopic(value, `topics[${index}]`, directory, problems);
      if (topic === undefined) continue;
      if (names.has(topic.topic)) problems.push(`topics[${index}]: topic ${topic.topic} is listed twice`);
      names.add(topic.topic);
      topics.push(topic);
    }
  }
  checkMappers(exported.mappers, problems);
  if (exported.parse !== undefined && typeof exported.parse !== "function") {
    problems.push("parse: expected a function (plaintext, tenant) => LegacyEvent, or nothing for the default");
  }
  if (problems.length > 0) return fail();
  const module = exported as unknown as CatalogModule;
  return Object.freeze({ ...module, topics: Object.freeze(topics), mappers: Object.freeze([...module.mappers]) });
}

/**
 * Imports and checks the catalog module `spec`: a path (relative to `baseDir`) or a package name.
 * @throws ConfigError naming the module and every problem found.
 */
export async function loadCatalogModule(spec: string, baseDir: string = process.cwd()): Promise<CatalogModule> {
  routeCatalogApi();
  const url = locate(spec, baseDir);
  const file = fileURLToPath(url);
  const label = spec === file ? spec : `${spec} (${file})`;
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ERR_MODULE_NOT_FOUND" && !existsSync(file)
        ? "no such file"
        : `import failed: ${error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error)}`;
    throw new ConfigError(`catalog module ${label}: ${reason}`);
  }
  return checkCatalogModule(namespace.default ?? namespace.catalog, label, dirname(file));
}
