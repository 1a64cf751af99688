// `meshbridge dlq inspect|replay`: the command-line side of ./dlq.ts.
import type { ParsedArgs } from "../command-line.ts";
import { requiredOption } from "../command-line.ts";
import { type DlqReadOptions, describeDeadLetter, readDeadLetters, replayToSqs } from "./dlq.ts";

function readOptions(args: ParsedArgs, where: string): DlqReadOptions {
  const values = args.values;
  return {
    bootstrapBrokers: requiredOption(args, "bootstrap", where).split(","),
    topic: values.topic!,
    idleMs: 3000,
    filter: { stage: values.stage, errorClass: values["error-class"], tenant: values.tenant, source: values.source },
  };
}

export async function inspectCommand(args: ParsedArgs): Promise<void> {
  const count = await readDeadLetters(readOptions(args, "dlq inspect"), (record) => console.log(describeDeadLetter(record)));
  console.log(`${count} dead letters`);
}

export async function replayCommand(args: ParsedArgs): Promise<void> {
  const queueUrl = requiredOption(args, "queue-url", "dlq replay");
  const { createSqsClient } = await import("../../sources/aws-clients.ts");
  const sqs = createSqsClient({ region: process.env.AWS_REGION ?? "us-east-1", endpoint: process.env.MB_AWS_ENDPOINT });
  try {
    console.log(`replayed ${await replayToSqs(sqs, queueUrl, readOptions(args, "dlq replay"))} dead letters to ${queueUrl}`);
  } finally {
    sqs.destroy();
  }
}
