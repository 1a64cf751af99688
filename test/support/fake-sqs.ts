// An in-memory SQS with several queues for source tests: standard queues hand out any visible
// message; FIFO queues (names ending ".fifo") behave as SQS FIFO does — messages of a group in
// order, and none of a group while another of it is in flight. ListQueues (prefix, pages),
// ListQueueTags and deleting a queue, for discovery.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly group: string | undefined;
  /** The current receipt handle while in flight. */
  handle: string | undefined;
  receives: number;
}

interface FakeQueue {
  readonly messages: StoredMessage[];
  readonly tags: Record<string, string>;
}

const gone = (url: string): Error =>
  Object.assign(new Error(`The specified queue does not exist: ${url}`), { name: "QueueDoesNotExist" });

export class FakeSqs {
  readonly queues = new Map<string, FakeQueue>();
  /** Receive calls by queue URL. */
  readonly receives = new Map<string, number>();
  readonly deleted: string[] = [];
  /** Visibility changes to 0 (releases), by message id, in call order. */
  readonly released: string[] = [];
  listCalls = 0;
  #next = 0;
  #receipt = 0;

  createQueue(name: string, tags: Record<string, string> = {}): string {
    const url = `http://sqs.fake/000000000000/${name}`;
    this.queues.set(url, { messages: [], tags });
    return url;
  }

  deleteQueue(url: string): void {
    this.queues.delete(url);
  }

  /** Sends a message (with a group on a FIFO queue); returns its id. */
  put(url: string, body: string, group?: string): string {
    const queue = this.queues.get(url);
    if (queue === undefined) throw gone(url);
    const id = `m${this.#next++}`;
    queue.messages.push({ id, body, group, handle: undefined, receives: 0 });
    return id;
  }

  /** Messages not yet deleted, in flight or not. */
  depth(url: string): number {
    return this.queues.get(url)?.messages.length ?? 0;
  }

  /** The SDK client's send(). */
  async send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    if (command instanceof ReceiveMessageCommand) {
      const url = command.input.QueueUrl!;
      this.receives.set(url, (this.receives.get(url) ?? 0) + 1);
      const batch = this.#receive(url, command.input.MaxNumberOfMessages ?? 1);
      if (batch.length > 0) return { Messages: batch };
      // Long poll: a short while, or until aborted.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 20);
        options?.abortSignal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (options?.abortSignal?.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
      return { Messages: this.#receive(url, command.input.MaxNumberOfMessages ?? 1) };
    }
    if (command instanceof DeleteMessageBatchCommand) {
      const queue = this.#queue(command.input.QueueUrl!);
      for (const entry of command.input.Entries ?? []) {
        const at = queue.messages.findIndex((message) => message.handle === entry.ReceiptHandle);
        if (at >= 0) {
          this.deleted.push(queue.messages[at]!.id);
          queue.messages.splice(at, 1);
        }
      }
      return { Successful: command.input.Entries, Failed: [] };
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      const queue = this.#queue(command.input.QueueUrl!);
      for (const entry of command.input.Entries ?? []) {
        if (entry.VisibilityTimeout !== 0) continue;
        const message = queue.messages.find((candidate) => candidate.handle === entry.ReceiptHandle);
        if (message === undefined) continue;
        message.handle = undefined;
        this.released.push(message.id);
      }
      return { Successful: command.input.Entries, Failed: [] };
    }
    if (command instanceof ListQueuesCommand) {
      this.listCalls++;
      const prefix = command.input.QueueNamePrefix ?? "";
      const all = [...this.queues.keys()].filter((url) => url.slice(url.lastIndexOf("/") + 1).startsWith(prefix)).sort();
      // Pages of 2, so that paging is exercised.
      const start = Number(command.input.NextToken ?? "0");
      const page = all.slice(start, start + 2);
      return { QueueUrls: page, NextToken: start + 2 < all.length ? String(start + 2) : undefined };
    }
    if (command instanceof ListQueueTagsCommand) {
      return { Tags: this.#queue(command.input.QueueUrl!).tags };
    }
    throw new Error(`unexpected command ${String(command)}`);
  }

  #queue(url: string): FakeQueue {
    const queue = this.queues.get(url);
    if (queue === undefined) throw gone(url);
    return queue;
  }

  #receive(url: string, max: number): object[] {
    const queue = this.#queue(url);
    const fifo = url.endsWith(".fifo");
    // FIFO: a group with a message in flight hands out nothing; the others in order.
    const blocked = new Set<string | undefined>();
    if (fifo) for (const message of queue.messages) if (message.handle !== undefined) blocked.add(message.group);
    const out: object[] = [];
    for (const message of queue.messages) {
      if (out.length >= max) break;
      if (message.handle !== undefined || (fifo && blocked.has(message.group))) continue;
      message.handle = `${message.id}#${this.#receipt++}`;
      message.receives++;
      out.push({
        MessageId: message.id,
        ReceiptHandle: message.handle,
        Body: message.body,
        Attributes: {
          ApproximateReceiveCount: String(message.receives),
          SentTimestamp: "1700000000000",
          ...(fifo && message.group !== undefined ? { MessageGroupId: message.group } : {}),
        },
      });
    }
    return out;
  }
}
