// Configuration: a YAML or JSON file (by extension; MB_CONFIG or --config), then environment
// overrides of the endpoints that differ per environment; validated against the schema, the
// cross-field rules checked, secrets resolved, frozen. Any problem: ConfigError listing them all.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, isAbsolute, resolve } from "node:path";
import { isCatalogPath } from "../catalog-spec.ts";
import { ConfigError, type ConfigIssue } from "./errors.ts";
import { checkRules } from "./rules.ts";
import { resolveSecrets } from "./secrets.ts";
import type { BridgeConfig, PubSubSourceConfig, RawConfig, SqsDiscoveryConfig } from "./types.ts";
import { validateSchema } from "./validate.ts";

/** Environment variables that override a key, applied before validation (so checked too). */
export const environmentOverrides = [
  { variable: "MB_CATALOG", path: ["catalog", "module"], list: false },
  { variable: "MB_KAFKA_BOOTSTRAP", path: ["kafka", "bootstrapBrokers"], list: true },
  { variable: "MB_REGISTRY_URL", path: ["registry", "url"], list: false },
  { variable: "MB_AWS_ENDPOINT", path: ["aws", "endpoint"], list: false },
  // Only points a configured Pub/Sub source at an emulator; it configures none by itself.
  { variable: "MB_PUBSUB_EMULATOR_HOST", path: ["sources", "pubsub", "emulatorHost"], list: false },
] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Applies the overrides in place; returns which variable set which path. */
function applyOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
  const applied = new Map<string, string>();
  for (const { variable, path, list } of environmentOverrides) {
    const text = env[variable];
    if (text === undefined || text === "") continue;
    const key = path[path.length - 1]!;
    let holder: Record<string, unknown> | undefined = raw;
    for (const [depth, segment] of path.slice(0, -1).entries()) {
      // A missing top-level section is created (the variable may be all there is of it).
      if (depth === 0 && path.length === 2 && holder[segment] === undefined) holder[segment] = {};
      const next: unknown = holder[segment];
      holder = isObject(next) ? next : undefined;
      if (holder === undefined) break;
    }
    if (holder === undefined) continue;
    holder[key] = list ? text.split(",").map((entry) => entry.trim()) : text;
    applied.set(path.join("."), variable);
  }
  return applied;
}

/** Validates a configuration object (the file's content); throws ConfigError naming every problem. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  if (!isObject(raw)) throw new ConfigError([{ path: "", message: "configuration: expected an object at the top level" }]);
  const working = structuredClone(raw);
  const overridden = applyOverrides(working, env);
  const fail = (issues: readonly ConfigIssue[]): never => {
    // A value that came from the environment says so: the file is not where to look.
    throw new ConfigError(
      issues.map((issue) => {
        const variable = [...overridden].find(([path]) => issue.path === path || issue.path.startsWith(`${path}[`))?.[1];
        return variable === undefined ? issue : { ...issue, message: `${issue.message} (from ${variable})` };
      }),
    );
  };
  const result = validateSchema(working);
  if (!result.ok) return fail(result.issues);
  const validated = result.config;
  const ruleIssues = checkRules(validated);
  if (ruleIssues.length > 0) fail(ruleIssues);
  const secretIssues = resolveSecrets(validated, env);
  if (secretIssues.length > 0) fail(secretIssues);
  return deepFreeze(toBridgeConfig(validated));
}

/** Secrets are resolved by now: the resolved shape, plus the Pub/Sub source's own units. */
function toBridgeConfig(raw: RawConfig): BridgeConfig {
  const resolved = raw as unknown as BridgeConfig;
  const { pubsub, sqsDiscovery } = raw.sources;
  let pubsubSource: PubSubSourceConfig | undefined;
  if (pubsub !== undefined) {
    const { discoveryIntervalSeconds, discovery, ...rest } = pubsub;
    pubsubSource = {
      ...rest,
      discoveryIntervalMs: discoveryIntervalSeconds * 1000,
      discovery: discovery.map((rule) => ({ project: rule.project ?? pubsub.project, prefix: rule.prefix, label: rule.label })),
    };
  }
  let sqsDiscoverySource: SqsDiscoveryConfig | undefined;
  if (sqsDiscovery !== undefined) {
    const { discoveryIntervalSeconds, ...rest } = sqsDiscovery;
    sqsDiscoverySource = { ...rest, discoveryIntervalMs: discoveryIntervalSeconds * 1000 };
  }
  return {
    ...resolved,
    sources: {
      sqs: resolved.sources.sqs,
      ...(sqsDiscoverySource === undefined ? {} : { sqsDiscovery: sqsDiscoverySource }),
      ...(pubsubSource === undefined ? {} : { pubsub: pubsubSource }),
    },
  };
}

/** Reads YAML (.yaml, .yml) or JSON (.json) and parses it. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const formats: Record<string, "YAML" | "JSON"> = { ".yaml": "YAML", ".yml": "YAML", ".json": "JSON" };
  const format = formats[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new ConfigError(
      `config file ${path}: expected a .yaml, .yml or .json file, got ${JSON.stringify(extname(path) || "no extension")}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfig(withCatalogFromFileDirectory(parseText(text, format, path), path), env);
}

/**
 * A relative `catalog.module` in a file means relative to the file (it ships with it); one from
 * MB_CATALOG or --catalog is relative to the working directory, as any command-line path.
 */
function withCatalogFromFileDirectory(raw: unknown, path: string): unknown {
  if (!isObject(raw) || !isObject(raw.catalog)) return raw;
  const spec = raw.catalog.module;
  if (typeof spec !== "string" || spec.startsWith("file:") || isAbsolute(spec) || !isCatalogPath(spec, dirname(path))) return raw;
  return { ...raw, catalog: { ...raw.catalog, module: resolve(dirname(path), spec) } };
}

/** The YAML parser is loaded only for a YAML file (tens of ms of start-up; decision 0007). */
const loadYaml = (): typeof import("yaml") => createRequire(import.meta.url)("yaml");

function parseText(text: string, format: "YAML" | "JSON", path: string): unknown {
  const yaml = format === "YAML" ? loadYaml() : undefined;
  try {
    // YAML 1.2 core schema: `true` is a boolean, "true" and `yes` are strings (no coercion there either).
    return yaml === undefined ? JSON.parse(text) : yaml.parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    // Only where: the parsers' own messages may quote the text, and the text may hold a secret.
    const where =
      yaml !== undefined && error instanceof yaml.YAMLParseError
        ? `${error.code} at line ${error.linePos?.[0].line ?? "?"}, column ${error.linePos?.[0].col ?? "?"}`
        : (/position \d+(?: \(line \d+ column \d+\))?/.exec(String(error))?.[0] ?? "syntax error");
    throw new ConfigError(`config file ${path}: expected valid ${format}, got ${where}`);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
