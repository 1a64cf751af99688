// `meshbridge topics create`: creates the catalog topics and the dead-letter topic (demo and
// tests; production topics are provisioned with the platform's own tooling).
import type { CatalogTopic } from "../../mapping/catalog-module.ts";
import { ensureTopics } from "../../sink/topics.ts";
import type { TopicSpec } from "../../sink/types.ts";
import { deployedCatalog } from "../deployed-catalog.ts";

export function bridgeTopicSpecs(
  topics: readonly CatalogTopic[],
  deadLetterTopic: string,
  partitions: number,
  topicPrefix = "",
): TopicSpec[] {
  return [
    ...deployedCatalog(topics, topicPrefix).map((entry) => ({ name: entry.topic, partitions })),
    // The dead-letter topic must take the largest source message (SQS 1 MiB, Pub/Sub 10 MB).
    { name: deadLetterTopic, partitions, config: { "max.message.bytes": String(11 * 1024 * 1024) } },
  ];
}

export async function createBridgeTopics(
  topics: readonly CatalogTopic[],
  bootstrap: readonly string[],
  deadLetterTopic: string,
  partitions: number,
  out: (line: string) => void = console.log,
  topicPrefix = "",
): Promise<void> {
  const result = await ensureTopics(bootstrap, bridgeTopicSpecs(topics, deadLetterTopic, partitions, topicPrefix));
  for (const name of result.created) out(`created ${name}`);
  for (const name of result.existing) out(`exists  ${name}`);
}
