// The configuration as it may be printed (logs, files written for people): every secret
// replaced by a marker. Every place that prints configuration goes through here.
import { configSchema } from "./schema.ts";
import { forEachSecret } from "./secret-fields.ts";

export const REDACTED = "[redacted]";

/** A deep copy of `config` (raw or resolved) with its secrets replaced by "[redacted]". */
export function redactConfig(config: unknown): unknown {
  const copy: unknown = structuredClone(config);
  forEachSecret(configSchema, copy, (holder, key) => {
    holder[key] = REDACTED;
  });
  return copy;
}
