// A deployment of the test's own: a topic prefix nobody else uses, so its catalog topics,
// subjects and DLQ are never shared with another test (or a rerun), the catalog's schemas
// registered and topics created under it, and a directory for its world, key and config files.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CatalogTopic, catalogTopics } from "../../catalog/index.ts";
import { cacheDir, meshEndpoints } from "../../infra/stack/ports.ts";
import { registerCatalogSchemas } from "../../src/cli/commands/schemas.ts";
import { createBridgeTopics } from "../../src/cli/commands/topics.ts";
import { deployedCatalog } from "../../src/cli/deployed-catalog.ts";
import { ensureTopics } from "../../src/sink/topics.ts";
import { uniqueName } from "./mesh.ts";

export interface Deployment {
  /** `label-<12 hex>.`: the prefix of every topic and subject of the deployment. */
  readonly prefix: string;
  readonly deadLetterTopic: string;
  /** The catalog as deployed under the prefix (topics, subjects, descriptors, .proto files). */
  readonly catalog: readonly CatalogTopic[];
  readonly directory: string;
}

export interface DeploymentOptions {
  readonly partitions?: number;
  /** Topic configuration by catalog topic name (unprefixed), e.g. a small max.message.bytes. */
  readonly topicConfig?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export async function isolatedDeployment(label: string, options: DeploymentOptions = {}): Promise<Deployment> {
  const partitions = options.partitions ?? 3;
  const prefix = `${uniqueName(label)}.`;
  const deadLetterTopic = `${prefix}dlq`;
  const directory = join(cacheDir, "test-runs", prefix.slice(0, -1));
  mkdirSync(directory, { recursive: true });
  // Topics with a configuration of their own first: createBridgeTopics leaves existing ones be.
  const special = Object.entries(options.topicConfig ?? {}).map(([name, config]) => ({
    name: `${prefix}${name}`,
    partitions,
    config,
  }));
  if (special.length > 0) await ensureTopics([meshEndpoints.kafkaBootstrap], special);
  await registerCatalogSchemas(catalogTopics, meshEndpoints.registryUrl, () => {}, prefix);
  await createBridgeTopics(catalogTopics, [meshEndpoints.kafkaBootstrap], deadLetterTopic, partitions, () => {}, prefix);
  return { prefix, deadLetterTopic, catalog: deployedCatalog(catalogTopics, prefix), directory };
}

/** A name for the deployment's legacy world: valid for SNS, SQS, KMS and Pub/Sub ids. */
export function worldName(deployment: Deployment, suffix = ""): string {
  return `${deployment.prefix.slice(0, -1).replaceAll(".", "-")}${suffix}`;
}
