// The schema registry client as the configuration describes it (URL, basic auth, CA), one
// builder for `run`, `check` and the schema commands, so they all reach the registry alike.
import { RegistryClient } from "../schema/registry-client.ts";
import { readCaBundle } from "./ca-file.ts";
import type { BridgeConfig } from "./config.ts";

export function registryClientFor(registry: BridgeConfig["registry"]): RegistryClient {
  return new RegistryClient({
    url: registry.url,
    basicAuth: registry.username === undefined ? undefined : { username: registry.username, password: registry.password ?? "" },
    ...(registry.ca === undefined ? {} : { ca: readCaBundle(registry.ca, "registry.ca") }),
  });
}
