// What a `catalog.module` value (or --catalog, MB_CATALOG) names: a file or a package.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

/**
 * A path: "./x", "../x", "/x", a file: URL, or a name that is an existing file under `baseDir`
 * ("catalog/index.ts"); anything else is a package name ("@acme/orders-catalog").
 */
export function isCatalogPath(spec: string, baseDir: string): boolean {
  return spec.startsWith(".") || spec.startsWith("file:") || isAbsolute(spec) || existsSync(resolve(baseDir, spec));
}
