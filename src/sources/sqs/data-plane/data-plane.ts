// The SQS calls the source makes per message batch (its data plane): receive, delete, change
// visibility. Two implementations: the lean client (production) and one over the SDK client
// (unit tests' fake SQS). Field names are SQS's own JSON names, so the lean client hands over the
// parsed answer as it is.

/** The fields of a received message the source reads. */
export interface SqsReceivedMessage {
  readonly MessageId?: string | undefined;
  readonly ReceiptHandle?: string | undefined;
  readonly Body?: string | undefined;
  /** System attributes asked for (ApproximateReceiveCount, SentTimestamp, AWSTraceHeader, MessageGroupId). */
  readonly Attributes?: Readonly<Record<string, string | undefined>> | undefined;
  readonly MessageAttributes?: Readonly<Record<string, { readonly StringValue?: string | undefined } | undefined>> | undefined;
}

export interface SqsReceiveRequest {
  readonly queueUrl: string;
  readonly maxMessages: number;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly systemAttributes: readonly string[];
}

/** One entry of a batch call that failed; `Id` is the entry's index in the call, as a string. */
export interface SqsBatchFailure {
  readonly Id?: string | undefined;
  readonly SenderFault?: boolean | undefined;
  readonly Code?: string | undefined;
  readonly Message?: string | undefined;
}

export interface SqsReceiptEntry {
  readonly receiptHandle: string;
}

export interface SqsDataPlane {
  /** Every message attribute is asked for ("All"). Rejects with an AbortError when `signal` aborts. */
  receive(request: SqsReceiveRequest, signal?: AbortSignal): Promise<readonly SqsReceivedMessage[]>;
  /** DeleteMessageBatch; resolves with the entries that failed. */
  deleteBatch(queueUrl: string, entries: readonly SqsReceiptEntry[]): Promise<readonly SqsBatchFailure[]>;
  /** ChangeMessageVisibilityBatch to `visibilityTimeoutSeconds` for every entry; resolves with those that failed. */
  changeVisibilityBatch(
    queueUrl: string,
    entries: readonly SqsReceiptEntry[],
    visibilityTimeoutSeconds: number,
  ): Promise<readonly SqsBatchFailure[]>;
}
