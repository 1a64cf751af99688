// Topic administration for the demo's and the tests' set-up command. Production topics are
// provisioned elsewhere (Confluent Cloud): the sink only checks that they exist.
import { Admin } from "@platformatic/kafka";
import { describeClientError } from "./errors.ts";
import { clean, type KafkaConnectionOptions, resolveKafkaSinkOptions, toClientConnectionOptions } from "./options.ts";
import type { TopicSpec } from "./types.ts";

/** Where to reach Kafka: "host:port[,host:port]", a list of brokers, or full connection options. */
export type KafkaTarget = string | readonly string[] | Partial<KafkaConnectionOptions>;

function connectionOf(target: KafkaTarget): KafkaConnectionOptions {
  if (typeof target === "string") return resolveKafkaSinkOptions({ bootstrapBrokers: target.split(",").map((b) => b.trim()) });
  if (isBrokerList(target)) return resolveKafkaSinkOptions({ bootstrapBrokers: target });
  return resolveKafkaSinkOptions(target);
}

function isBrokerList(target: KafkaTarget): target is readonly string[] {
  return Array.isArray(target);
}

async function withAdmin<T>(target: KafkaTarget | Admin, work: (admin: Admin) => Promise<T>): Promise<T> {
  if (target instanceof Admin) return work(target);
  const options = connectionOf(target);
  const admin = new Admin({ ...toClientConnectionOptions(options), clientId: `${options.clientId}-admin`, retries: 2 });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/** The names among `topics` that do not exist (or that this principal cannot see), in input order. */
export async function listMissingTopics(target: KafkaTarget | Admin, topics: readonly string[]): Promise<string[]> {
  return withAdmin(target, async (admin) => {
    const existing = new Set(await admin.listTopics({ includeInternals: true }));
    return [...new Set(topics)].filter((t) => !existing.has(t));
  });
}

/** One line per missing topic, as start-up errors show them. */
export function missingTopicsMessage(missing: readonly string[], bootstrapBrokers: readonly string[]): string {
  const where = bootstrapBrokers.map(clean).join(",");
  return missing
    .map((t) => `topic '${clean(t)}' does not exist on ${where}; create it (meshbridge topics create) or fix the config`)
    .join("\n");
}

export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

/**
 * Creates the topics that do not exist yet. Idempotent: existing topics are left as they are
 * (their partitions and config are not compared), and a topic created concurrently counts as existing.
 */
export async function ensureTopics(target: KafkaTarget | Admin, specs: readonly TopicSpec[]): Promise<EnsureTopicsResult> {
  for (const spec of specs) {
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(spec.name))
      throw new Error(`topic name '${clean(spec.name)}' is not a valid Kafka topic name`);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new Error(`topic '${spec.name}': partitions must be a positive integer, got ${spec.partitions}`);
    }
  }
  return withAdmin(target, async (admin) => {
    const existingNow = new Set(await admin.listTopics({ includeInternals: true }));
    const created: string[] = [];
    const existing: string[] = [];
    await Promise.all(
      specs.map(async (spec) => {
        if (existingNow.has(spec.name)) {
          existing.push(spec.name);
          return;
        }
        try {
          // One request per topic: the client applies `configs` to every topic of a request.
          await admin.createTopics({
            topics: [spec.name],
            partitions: spec.partitions,
            replicas: spec.replicationFactor ?? -1,
            configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
          });
          created.push(spec.name);
        } catch (error) {
          if (hasApiId(error, "TOPIC_ALREADY_EXISTS")) existing.push(spec.name);
          else throw new Error(`creating topic '${spec.name}' failed: ${describeClientError(error)}`, { cause: error });
        }
      }),
    );
    await waitUntilListed(admin, created);
    return { created, existing };
  });
}

/**
 * CreateTopics returns before every broker's metadata shows the topic; a client that starts
 * right after (our own start-up check included) could still be told it does not exist.
 */
async function waitUntilListed(admin: Admin, topics: readonly string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listed = new Set(await admin.listTopics({ includeInternals: true }));
    const missing = topics.filter((topic) => !listed.has(topic));
    if (missing.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`topics created but not listed after ${timeoutMs} ms: ${missing.map(clean).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function hasApiId(error: unknown, apiId: string, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 6) return false;
  if ((error as { apiId?: unknown }).apiId === apiId) return true;
  const nested = (error as { errors?: unknown }).errors;
  return Array.isArray(nested) && nested.some((e) => hasApiId(e, apiId, depth + 1));
}
