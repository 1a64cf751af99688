// `meshbridge schemas register`: registers the catalog's .proto files under their subjects
// (idempotent). Deploy-time only; `run` never registers.
import { catalogTopics } from "../../../catalog/index.ts";
import { registerSchemas } from "../../schema/register.ts";
import { RegistryClient } from "../../schema/registry-client.ts";

export async function registerCatalogSchemas(registryUrl: string, out: (line: string) => void = console.log): Promise<void> {
  const results = await registerSchemas(catalogTopics, new RegistryClient({ url: registryUrl }));
  for (const result of results) {
    out(
      `${result.subject}: id ${result.id}, version ${result.version}${result.created ? " (registered)" : " (already registered)"}`,
    );
  }
}
