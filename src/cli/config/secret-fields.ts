// Finds the secret fields of a configuration by walking it beside the schema (the `secret`
// annotation), so resolving and redacting never need their own list of secret keys.

import type { ConfigNode } from "./schema.ts";
import { join } from "./validate.ts";

type Node = ConfigNode & { properties?: Record<string, Node>; items?: Node };
type Holder = Record<string, unknown>;

/** Calls `visit` for every secret field present in `value` (holder[key] is the secret). */
export function forEachSecret(
  schema: Node,
  value: unknown,
  visit: (holder: Holder, key: string, path: string) => void,
  path = "",
): void {
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items === undefined) return;
    for (const [index, item] of value.entries()) forEachSecret(items, item, visit, `${path}[${index}]`);
    return;
  }
  const holder = value as Holder;
  for (const [key, inner] of Object.entries(schema.properties ?? {})) {
    if (holder[key] === undefined) continue;
    if (inner.secret === true) visit(holder, key, join(path, key));
    else forEachSecret(inner, holder[key], visit, join(path, key));
  }
}
