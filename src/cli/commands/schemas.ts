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
