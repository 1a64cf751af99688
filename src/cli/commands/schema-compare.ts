// Compares each deployed subject's latest registered schema with the catalog's generated one,
// exactly as the bridge's start-up check does, one subject at a time so each gets its own line.
// Used by `meshbridge check` and `meshbridge schemas diff`.
import type { SchemaCatalogEntry } from "../../schema/catalog-entry.ts";
import type { RegistryClient } from "../../schema/registry-client.ts";
import type { ProbeResult } from "../../sources/probe.ts";
import { REGISTER_COMMAND } from "../bridge.ts";

export async function compareSchemas(
  entries: readonly SchemaCatalogEntry[],
  client: RegistryClient,
  registryLabel: string,
): Promise<ProbeResult[]> {
  const [{ loadCatalogEncoder }, { RegistryUnavailableError }] = await Promise.all([
    import("../../schema/catalog-encoder.ts"),
    import("../../schema/errors.ts"),
  ]);
  const results = await Promise.all(
    entries.map(async (entry): Promise<ProbeResult | { unreachable: string }> => {
      try {
        const [loaded] = (await loadCatalogEncoder([entry], client, { registerCommand: REGISTER_COMMAND })).topics;
        return {
          subject: `schema ${entry.subject}`,
          detail: `latest (version ${loaded?.version}, id ${loaded?.schemaId}) equals the generated one`,
        };
      } catch (error) {
        if (error instanceof RegistryUnavailableError) return { unreachable: error.message };
        return { subject: `schema ${entry.subject}`, problem: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  const unreachable = results.find((result) => "unreachable" in result);
  if (unreachable !== undefined && "unreachable" in unreachable) {
    return [{ subject: `registry ${registryLabel}`, problem: `unreachable: ${unreachable.unreachable}` }];
  }
  return [{ subject: `registry ${registryLabel}`, detail: "reachable" }, ...(results as ProbeResult[])];
}

/** One line per result, as `check` prints them. */
export const resultLine = (result: ProbeResult): string =>
  result.problem === undefined
    ? `ok    ${result.subject}${result.detail === undefined ? "" : `: ${result.detail}`}`
    : `FAIL  ${result.subject}: ${result.problem.replaceAll("\n", "\n        ")}`;
