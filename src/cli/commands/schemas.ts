// `meshbridge schemas register`: registers the catalog's .proto files under their subjects
// (idempotent). Deploy-time only; `run` never registers.
import type { CatalogTopic } from "../../mapping/catalog-module.ts";
import { registerSchemas } from "../../schema/register.ts";
import { RegistryClient } from "../../schema/registry-client.ts";
import { deployedCatalog } from "../deployed-catalog.ts";

export async function registerCatalogSchemas(
  topics: readonly CatalogTopic[],
  registryUrl: string,
  out: (line: string) => void = console.log,
  topicPrefix = "",
): Promise<void> {
  const results = await registerSchemas(deployedCatalog(topics, topicPrefix), new RegistryClient({ url: registryUrl }));
  for (const result of results) {
    out(
      `${result.subject}: id ${result.id}, version ${result.version}${result.created ? " (registered)" : " (already registered)"}`,
    );
  }
}

/**
 * `meshbridge schemas diff`: for every catalog subject, whether the latest registered schema equals
 * the generated one (what `run` requires to start), with a line diff where it does not. Returns
 * the number of subjects that differ, are missing, or could not be compared.
 */
export async function diffCatalogSchemas(
  topics: readonly CatalogTopic[],
  registryUrl: string,
  out: (line: string) => void = console.log,
  topicPrefix = "",
): Promise<number> {
  const { compareSchemas, resultLine } = await import("./schema-compare.ts");
  const results = await compareSchemas(
    deployedCatalog(topics, topicPrefix),
    new RegistryClient({ url: registryUrl }),
    registryUrl,
  );
  for (const result of results) out(resultLine(result));
  return results.filter((result) => result.problem !== undefined).length;
}
