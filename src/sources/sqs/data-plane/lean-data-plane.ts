// The source's SQS data plane without the SDK: request bodies built as strings, answers parsed
// with one JSON.parse and handed over as they are (no per-field deserialisation, no MD5 check:
// the source does not verify bodies, and TLS protects them on the way).
import type { IdentityProvider } from "./credentials.ts";
import { CachedCredentials } from "./credentials.ts";
import type { SqsBatchFailure, SqsDataPlane, SqsReceiptEntry, SqsReceivedMessage, SqsReceiveRequest } from "./data-plane.ts";
import { malformedResponse } from "./errors.ts";
import { JsonTransport } from "./json-transport.ts";

export interface LeanSqsOptions {
  readonly region: string;
  /** ElasticMQ or moto locally; unset in production (each queue URL's origin is called). */
  readonly endpoint?: string | undefined;
  /** The SDK client's resolved provider (`sqsClient.config.credentials`), or static keys. */
  readonly credentials: IdentityProvider;
  /** Sockets per origin; default 64. */
  readonly maxSockets?: number;
  /** Attempts per call for transient failures (default 3, as the SDK). */
  readonly maxAttempts?: number;
  /** Deadline of a delete or visibility call. */
  readonly batchTimeoutMs?: number;
}

/** A long poll's deadline is its wait plus this (a loaded server answers late). */
const RECEIVE_GRACE_MS = 10_000;
/** SQS long polls wait at most 20 s. */
const SQS_MAX_WAIT_SECONDS = 20;
const DEFAULT_BATCH_TIMEOUT_MS = 10_000;

export class LeanSqsClient implements SqsDataPlane {
  readonly #transport: JsonTransport;
  readonly #batchTimeoutMs: number;

  constructor(options: LeanSqsOptions) {
    this.#transport = new JsonTransport({
      region: options.region,
      endpoint: options.endpoint,
      credentials: new CachedCredentials(options.credentials),
      maxSockets: options.maxSockets ?? 64,
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    });
    this.#batchTimeoutMs = options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS;
  }

  close(): void {
    this.#transport.close();
  }

  async receive(request: SqsReceiveRequest, signal?: AbortSignal): Promise<readonly SqsReceivedMessage[]> {
    const body = `{"QueueUrl":${JSON.stringify(request.queueUrl)},"MaxNumberOfMessages":${request.maxMessages},"WaitTimeSeconds":${request.waitTimeSeconds},"VisibilityTimeout":${request.visibilityTimeoutSeconds},"MessageSystemAttributeNames":${JSON.stringify(request.systemAttributes)},"MessageAttributeNames":["All"]}`;
    const timeoutMs = Math.min(request.waitTimeSeconds, SQS_MAX_WAIT_SECONDS) * 1000 + RECEIVE_GRACE_MS;
    const answer = await this.#transport.call("ReceiveMessage", request.queueUrl, body, timeoutMs, signal);
    const messages = (answer as { Messages?: unknown } | null)?.Messages;
    if (messages === undefined || messages === null) return [];
    if (!Array.isArray(messages)) throw malformedResponse("ReceiveMessage", request.queueUrl, "Messages is not a list");
    return messages as SqsReceivedMessage[];
  }

  async deleteBatch(queueUrl: string, entries: readonly SqsReceiptEntry[]): Promise<readonly SqsBatchFailure[]> {
    let list = "";
    for (let index = 0; index < entries.length; index++) {
      list += `${index === 0 ? "" : ","}{"Id":"${index}","ReceiptHandle":${JSON.stringify(entries[index]!.receiptHandle)}}`;
    }
    return this.#batch("DeleteMessageBatch", queueUrl, `{"QueueUrl":${JSON.stringify(queueUrl)},"Entries":[${list}]}`);
  }

  async changeVisibilityBatch(
    queueUrl: string,
    entries: readonly SqsReceiptEntry[],
    visibilityTimeoutSeconds: number,
  ): Promise<readonly SqsBatchFailure[]> {
    let list = "";
    for (let index = 0; index < entries.length; index++) {
      list += `${index === 0 ? "" : ","}{"Id":"${index}","ReceiptHandle":${JSON.stringify(entries[index]!.receiptHandle)},"VisibilityTimeout":${visibilityTimeoutSeconds}}`;
    }
    return this.#batch("ChangeMessageVisibilityBatch", queueUrl, `{"QueueUrl":${JSON.stringify(queueUrl)},"Entries":[${list}]}`);
  }

  async #batch(operation: string, queueUrl: string, body: string): Promise<readonly SqsBatchFailure[]> {
    const answer = await this.#transport.call(operation, queueUrl, body, this.#batchTimeoutMs);
    const failed = (answer as { Failed?: unknown } | null)?.Failed;
    if (failed === undefined || failed === null) return [];
    if (!Array.isArray(failed)) throw malformedResponse(operation, queueUrl, "Failed is not a list");
    return failed as SqsBatchFailure[];
  }
}
