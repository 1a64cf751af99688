// Checks a configuration against the schema: no type coercion, every unknown key refused,
// defaults filled in; valibot's issues turned into "<path>: expected <what>, got <what was found>",
// the words taken from the schema itself (describe.ts).
import { type BaseIssue, safeParse } from "valibot";
import { describeFound, describeSchema } from "./describe.ts";
import type { ConfigIssue } from "./errors.ts";
import { configSchema } from "./schema.ts";
import { inspect, schemaAt } from "./schema-info.ts";
import type { RawConfig } from "./types.ts";

export type SchemaResult =
  | { readonly ok: true; readonly config: RawConfig }
  | { readonly ok: false; readonly issues: ConfigIssue[] };

/** Validates without changing `raw`; the result has the defaults filled in. */
export function validateSchema(raw: unknown): SchemaResult {
  const result = safeParse(configSchema, raw, { abortEarly: false });
  if (result.success) return { ok: true, config: result.output };
  return { ok: false, issues: toIssues(result.issues) };
}

function toIssues(issues: readonly BaseIssue<unknown>[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const keys = (issue.path ?? []).map((item) => item.key as string | number);
    const path = formatPath(keys);
    const last = issue.path?.[issue.path.length - 1] as { origin?: string; value?: unknown } | undefined;
    let message: string;
    if (issue.type === "strict_object" && last?.origin === "key" && issue.expected === "never") {
      const known = Object.keys(inspect(schemaAt(configSchema, keys.slice(0, -1))!).entries ?? {}).join(", ");
      // Only the kind of what was found: a misspelt "pasword" would otherwise print the password.
      message = `unknown setting; expected one of ${known}, got ${describeFound(last.value, true)}`;
    } else {
      // One message per path: it states every constraint of the key at once.
      if (seen.has(path)) continue;
      const schema = schemaAt(configSchema, keys);
      const secret = schema !== undefined && inspect(schema).secret === true;
      const found = last?.origin === "key" ? undefined : issue.input;
      message = `expected ${schema === undefined ? issue.expected : describeSchema(schema)}, got ${describeFound(found, secret)}`;
    }
    seen.add(path);
    out.push({ path, message });
  }
  return out;
}

export function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** ["sources", "sqs", 0, "receivers"] → "sources.sqs[0].receivers". */
function formatPath(keys: readonly (string | number)[]): string {
  let path = "";
  for (const key of keys) path = typeof key === "number" ? `${path}[${key}]` : join(path, key);
  return path;
}
