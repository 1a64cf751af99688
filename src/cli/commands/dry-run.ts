// `meshbridge dry-run FILE...`: runs plain (already decrypted) legacy events through the
// mappers and prints the catalog events as JSON, without any server. For mapper authors, so a
// file may also be a golden case's input, `{"tenant", "payload": <event>}` (test/golden/mapping).
import { readFileSync } from "node:fs";
import { toJson } from "@bufbuild/protobuf";
import { type CatalogModule, createMapperRegistry } from "../../mapping/catalog-module.ts";
import { parseLegacyEvent } from "../../mapping/parse.ts";
import { PermanentError } from "../../pipeline/errors.ts";

export const DEFAULT_DRY_RUN_TENANT = "tenant-0001";

/** The legacy event's bytes and its tenant: `--tenant`, else a golden wrapper's, else the default. */
function readInput(file: string, tenant: string | undefined): { bytes: Buffer; tenant: string } {
  const bytes = readFileSync(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { bytes, tenant: tenant ?? DEFAULT_DRY_RUN_TENANT }; // the parse stage reports it
  }
  const wrapper = parsed as { tenant?: unknown; payload?: unknown; event_type?: unknown } | null;
  if (
    typeof wrapper === "object" &&
    wrapper !== null &&
    wrapper.event_type === undefined &&
    typeof wrapper.payload === "object"
  ) {
    const own = typeof wrapper.tenant === "string" ? wrapper.tenant : undefined;
    return { bytes: Buffer.from(JSON.stringify(wrapper.payload)), tenant: tenant ?? own ?? DEFAULT_DRY_RUN_TENANT };
  }
  return { bytes, tenant: tenant ?? DEFAULT_DRY_RUN_TENANT };
}

export function dryRun(
  catalog: CatalogModule,
  files: readonly string[],
  tenantOption: string | undefined,
  out: (line: string) => void = console.log,
): number {
  const registry = createMapperRegistry(catalog, "dead-letter");
  const parse = catalog.parse ?? parseLegacyEvent;
  let failures = 0;
  for (const file of files) {
    try {
      const { bytes, tenant } = readInput(file, tenantOption);
      const event = parse(bytes, tenant);
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
