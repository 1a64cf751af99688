// Which queues the bridge consumes besides the configured ones: those whose name starts with a
// prefix and/or that carry a tag (key, or key=value), as Pub/Sub discovery selects
// subscriptions. ListQueues filters by prefix on the server; tags cost one ListQueueTags per
// candidate, so only rules with a tag pay for them.
import { ListQueuesCommand, ListQueueTagsCommand, type SQSClient } from "@aws-sdk/client-sqs";

export interface SqsDiscoveryRule {
  /** Queue name prefix; empty or absent: any name. */
  readonly prefix?: string;
  /** "key" (any value) or "key=value"; absent: no tag condition. */
  readonly tag?: string;
}

/** The queue's name: the last path segment of its URL. */
export const queueName = (queueUrl: string): string => queueUrl.slice(queueUrl.lastIndexOf("/") + 1);

/** A FIFO queue's name ends in ".fifo" (SQS requires it), so no attribute call is needed. */
export const isFifoQueue = (queueUrl: string): boolean => queueUrl.endsWith(".fifo");

export function matchesTag(tags: Readonly<Record<string, string>>, tag: string): boolean {
  const at = tag.indexOf("=");
  const value = tags[at < 0 ? tag : tag.slice(0, at)];
  if (value === undefined) return false;
  return at < 0 || value === tag.slice(at + 1);
}

const GONE = new Set(["QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"]);

/** The queue does not exist (any more): every later call to it is refused too. */
export const isQueueGone = (error: unknown): boolean => GONE.has((error as { name?: string } | null)?.name ?? "");

const LIST_PAGE = 1000;
const TAG_CALLS_AT_ONCE = 8;

async function listQueues(client: SQSClient, prefix: string | undefined, signal?: AbortSignal): Promise<string[]> {
  const urls: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListQueuesCommand({
        QueueNamePrefix: prefix === "" ? undefined : prefix,
        MaxResults: LIST_PAGE,
        NextToken: nextToken,
      }),
      { abortSignal: signal },
    );
    urls.push(...(page.QueueUrls ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== "");
  return urls;
}

/** Every queue URL the rules select (a queue matching several rules once). */
export async function discoverQueues(
  client: SQSClient,
  rules: readonly SqsDiscoveryRule[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const found = new Set<string>();
  // Tags are asked once per queue per scan, however many rules look at them.
  const tagsOf = new Map<string, Promise<Record<string, string>>>();
  for (const rule of rules) {
    const candidates = await listQueues(client, rule.prefix, signal);
    if (rule.tag === undefined || rule.tag === "") {
      for (const url of candidates) found.add(url);
      continue;
    }
    const tag = rule.tag;
    let next = 0;
    const lanes = Array.from({ length: Math.min(TAG_CALLS_AT_ONCE, candidates.length) }, async () => {
      while (next < candidates.length) {
        const url = candidates[next++]!;
        let tags = tagsOf.get(url);
        if (tags === undefined) {
          tags = client.send(new ListQueueTagsCommand({ QueueUrl: url }), { abortSignal: signal }).then(
            (result) => result.Tags ?? {},
            // Deleted since it was listed: it matches nothing; any other failure fails the scan.
            (error: unknown) => {
              if (isQueueGone(error)) return {};
              throw error;
            },
          );
          tagsOf.set(url, tags);
        }
        if (matchesTag(await tags, tag)) found.add(url);
      }
    });
    await Promise.all(lanes);
  }
  return found;
}
