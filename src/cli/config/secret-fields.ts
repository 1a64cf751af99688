// Finds the secret fields of a configuration by walking it beside the schema (the `secret`
// annotation), so resolving and redacting never need their own list of secret keys.
import type { GenericSchema } from "valibot";
import { inspect } from "./schema-info.ts";
import { join } from "./validate.ts";

type Holder = Record<string, unknown>;

/** Calls `visit` for every secret field present in `value` (holder[key] is the secret). */
export function forEachSecret(
  schema: GenericSchema,
  value: unknown,
  visit: (holder: Holder, key: string, path: string) => void,
  path = "",
): void {
  if (typeof value !== "object" || value === null) return;
  const info = inspect(schema);
  if (Array.isArray(value)) {
    if (info.item === undefined) return;
    for (const [index, item] of value.entries()) forEachSecret(info.item, item, visit, `${path}[${index}]`);
    return;
  }
  const holder = value as Holder;
  for (const [key, inner] of Object.entries(info.entries ?? {})) {
    if (holder[key] === undefined) continue;
    if (inspect(inner).secret === true) visit(holder, key, join(path, key));
    else forEachSecret(inner, holder[key], visit, join(path, key));
  }
}
