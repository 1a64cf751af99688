// `npm run stack -- env`: the shell variables that point meshbridge (run, check, simulate, dlq)
// at the local mesh and the demo catalog, with moto's test credentials (without them the AWS SDK finds none and the
// bridge cannot read its queue). Use: eval "$(npm run -s stack -- env)".
import { join } from "node:path";
import { meshEndpoints, repoRoot } from "./ports.ts";

export function meshEnvironment(): string {
  const variables: [string, string][] = [
    ["AWS_ACCESS_KEY_ID", "test"],
    ["AWS_SECRET_ACCESS_KEY", "test"],
    ["AWS_REGION", "us-east-1"],
    ["MB_AWS_ENDPOINT", meshEndpoints.awsEndpoint],
    ["MB_KAFKA_BOOTSTRAP", meshEndpoints.kafkaBootstrap],
    ["MB_REGISTRY_URL", meshEndpoints.registryUrl],
    ["MB_PUBSUB_EMULATOR_HOST", meshEndpoints.pubsubEmulatorHost],
    // The demo catalog, for the commands that take a catalog (schemas, topics, dry-run).
    ["MB_CATALOG", join(repoRoot, "catalog", "index.ts")],
  ];
  return variables.map(([name, value]) => `export ${name}=${value}`).join("\n");
}
