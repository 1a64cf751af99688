// The catalog as deployed: every topic (and its TopicNameStrategy subject) may carry an
// environment prefix, e.g. "staging." — and the tests give each run a prefix of its own, so
// runs never share topics or subjects.
import type { CatalogTopic } from "../mapping/catalog-module.ts";
import type { Mapper } from "../mapping/mapper.ts";

const TOPIC_PREFIX = /^[a-zA-Z0-9._-]{0,100}$/;

export function deployedCatalog(topics: readonly CatalogTopic[], prefix: string): readonly CatalogTopic[] {
  if (!TOPIC_PREFIX.test(prefix)) throw new Error(`topic prefix '${prefix}' may only use letters, digits, '.', '_' and '-'`);
  if (prefix === "") return topics;
  return topics.map((entry) =>
    Object.freeze({ ...entry, topic: `${prefix}${entry.topic}`, subject: `${prefix}${entry.topic}-value` }),
  );
}

/** Mapper output addressed to the prefixed topics (an extra object per event; only with a prefix). */
export function withTopicPrefix(map: Mapper, prefix: string): Mapper {
  if (prefix === "") return map;
  return (event, context) => map(event, context).map((output) => ({ ...output, topic: `${prefix}${output.topic}` }));
}
