// `meshbridge catalog init DIR`: copies the minimal example catalog (examples/minimal-catalog,
// shipped with the package) into DIR as a starting point: files, not a template. DIR must not
// exist or be empty, so nothing of the caller's is overwritten.
import { cpSync, existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../config.ts";

/** The example the command copies, relative to this file in the installed package. */
export const minimalCatalogExample: string = resolve(import.meta.dirname, "../../../examples/minimal-catalog");

/** Files of the example that are not part of a new catalog (the caller's own install). */
const notCopied = new Set(["node_modules"]);

export function initCatalog(args: readonly string[], out: (line: string) => void = console.log): void {
  if (args.length !== 1 || args[0] === undefined || args[0].startsWith("-")) {
    throw new ConfigError("catalog init: give exactly one directory, e.g. `meshbridge catalog init ./my-catalog`");
  }
  const target = resolve(args[0]);
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new ConfigError(`catalog init: ${target} is not empty; give a new or empty directory`);
  }
  if (!existsSync(join(minimalCatalogExample, "index.ts"))) {
    throw new Error(`catalog init: the example catalog is missing from this installation (${minimalCatalogExample})`);
  }
  for (const name of readdirSync(minimalCatalogExample)) {
    if (notCopied.has(name)) continue;
    cpSync(join(minimalCatalogExample, name), join(target, name), { recursive: true, errorOnExist: true, force: false });
  }
  out(`wrote a minimal catalog module to ${target}; next steps: docs/catalogs.md`);
}
