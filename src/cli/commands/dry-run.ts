// `meshbridge dry-run FILE...`: runs plain (already decrypted) legacy events through the
// mappers and prints the catalog events as JSON, without any server. For mapper authors.
import { readFileSync } from "node:fs";
import { toJson } from "@bufbuild/protobuf";
import { type CatalogModule, createMapperRegistry } from "../../mapping/catalog-module.ts";
import { parseLegacyEvent } from "../../mapping/parse.ts";
import { PermanentError } from "../../pipeline/errors.ts";

export function dryRun(
  catalog: CatalogModule,
  files: readonly string[],
  tenant: string,
  out: (line: string) => void = console.log,
): number {
  const registry = createMapperRegistry(catalog, "dead-letter");
  const parse = catalog.parse ?? parseLegacyEvent;
  let failures = 0;
  for (const file of files) {
    try {
      const event = parse(readFileSync(file), tenant);
      const outputs = registry.map(event, { tenant });
      const rendered = outputs.map((output) => ({
        topic: output.topic,
        key: output.key,
        ce_type: output.type,
        ce_time: output.time,
        message: toJson(output.schema, output.message),
      }));
      out(JSON.stringify({ file, legacy: `${event.type}@${event.version}`, events: rendered }, null, 2));
    } catch (error) {
      failures++;
      const detail = error instanceof PermanentError ? `${error.stage}/${error.errorClass}: ${error.message}` : String(error);
      out(JSON.stringify({ file, error: detail }, null, 2));
    }
  }
  return failures;
}
