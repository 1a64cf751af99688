// Checks a configuration against the schema: no type coercion, every unknown key refused,
// defaults filled in; ajv's errors turned into "<path>: expected <what>, got <what was found>".
// ajv (draft 2020-12) is the one @platformatic/kafka already loads, so the bridge loads no
// second validator (docs/decisions/0007-configuration-schema.md).
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { describeFound, describeSchema } from "./describe.ts";
import type { ConfigIssue } from "./errors.ts";
import { type ConfigNode, configSchema } from "./schema.ts";
import type { RawConfig } from "./types.ts";

let compiled: ValidateFunction<RawConfig> | undefined;

function validator(): ValidateFunction<RawConfig> {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ allErrors: true, useDefaults: true, coerceTypes: false, verbose: true, strict: true });
    ajv.addVocabulary(["expected", "secret"]);
    compiled = ajv.compile<RawConfig>(configSchema);
  }
  return compiled;
}

/** Validates and fills in defaults IN PLACE; returns the problems (empty: `raw` is a RawConfig). */
export function validateSchema(raw: unknown): ConfigIssue[] {
  const validate = validator();
  if (validate(raw)) return [];
  return toIssues(validate.errors ?? [], raw);
}

type ParentSchema = ConfigNode & { properties?: Record<string, ConfigNode> };

function toIssues(errors: readonly ErrorObject[], root: unknown): ConfigIssue[] {
  // A union's failure is reported once, as the union ("expected a string, {"env": ...}"), not
  // once per alternative that did not match.
  const unions = errors.filter((error) => error.keyword === "anyOf").map((error) => `${error.schemaPath}/`);
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (unions.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const parent = error.parentSchema as ParentSchema | undefined;
    const at = pathOf(error.instancePath, root);
    let issue: ConfigIssue;
    if (error.keyword === "additionalProperties") {
      const key = String(error.params.additionalProperty);
      const known = Object.keys(parent?.properties ?? {}).join(", ");
      // Only the kind of what was found: a misspelt "pasword" would otherwise print the password.
      const found = describeFound((error.data as Record<string, unknown>)[key], true);
      issue = { path: join(at, key), message: `unknown setting; expected one of ${known}, got ${found}` };
    } else if (error.keyword === "required") {
      const key = String(error.params.missingProperty);
      const wanted = parent?.properties?.[key];
      issue = {
        path: join(at, key),
        message: `expected ${wanted === undefined ? "a value" : describeSchema(wanted)}, got nothing`,
      };
    } else {
      const schema = (parent ?? {}) as ConfigNode;
      issue = {
        path: at,
        message: `expected ${describeSchema(schema)}, got ${describeFound(error.data, schema.secret === true)}`,
      };
    }
    const key = `${issue.path}\n${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

export function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** "/sources/sqs/0/receivers" → "sources.sqs[0].receivers". */
function pathOf(pointer: string, root: unknown): string {
  if (pointer === "") return "";
  let path = "";
  let value = root;
  for (const encoded of pointer.slice(1).split("/")) {
    const segment = encoded.replaceAll("~1", "/").replaceAll("~0", "~");
    path = Array.isArray(value) ? `${path}[${segment}]` : join(path, segment);
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}
