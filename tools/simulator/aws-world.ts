// The legacy AWS world the simulator plays: SNS topics (one per tenant or one per event type),
// all subscribed by one SQS queue, every other subscription with raw message delivery. Or the
// same routes without SNS ("direct"): the simulator then writes to the queue what SNS would
// have delivered (an SQS-only server such as ElasticMQ).
import { CreateTopicCommand, SetSubscriptionAttributesCommand, type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { legacyEventKinds } from "../../catalog/legacy/types.ts";

export type Topology = "per-tenant" | "per-type";

export interface SnsTopicRoute {
  readonly arn: string;
  readonly rawDelivery: boolean;
}

export interface AwsWorld {
  readonly queueUrl: string;
  /** "sns": events are published to the topics; "direct": written to the queue as SNS would deliver them. */
  readonly delivery: "sns" | "direct";
  readonly topology: Topology;
  /** Key: tenant id (per-tenant) or legacy event type (per-type). */
  readonly topics: Readonly<Record<string, SnsTopicRoute>>;
}

export interface AwsWorldOptions {
  readonly name: string;
  readonly tenants: readonly string[];
  readonly topology: Topology;
  readonly visibilityTimeoutSeconds?: number;
}

export async function provisionAwsWorld(sqs: SQSClient, sns: SNSClient, options: AwsWorldOptions): Promise<AwsWorld> {
  const queueUrl = await createWorldQueue(sqs, options);
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
  const queueArn = attributes.Attributes?.QueueArn;
  if (queueArn === undefined) throw new Error(`queue ${options.name} has no ARN`);

  const keys = options.topology === "per-tenant" ? options.tenants : legacyEventKinds.map((kind) => kind.type);
  const unique = [...new Set(keys)];
  const topics: Record<string, SnsTopicRoute> = {};
  const topicArns: string[] = [];
  for (const [index, key] of unique.entries()) {
    const topic = await sns.send(new CreateTopicCommand({ Name: `${options.name}-${key.replaceAll(".", "_")}` }));
    const arn = topic.TopicArn!;
    const rawDelivery = index % 2 === 0;
    const subscription = await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: "sqs", Endpoint: queueArn }));
    if (rawDelivery) {
      await sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: subscription.SubscriptionArn!,
          AttributeName: "RawMessageDelivery",
          AttributeValue: "true",
        }),
      );
    }
    topics[key] = { arn, rawDelivery };
    topicArns.push(arn);
  }
  // What a real account needs so SNS may write to the queue; moto accepts it as well.
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: {
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "sns.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: queueArn,
              Condition: { ArnEquals: { "aws:SourceArn": topicArns } },
            },
          ],
        }),
      },
    }),
  );
  return { queueUrl, delivery: "sns", topology: options.topology, topics };
}

async function createWorldQueue(sqs: SQSClient, options: AwsWorldOptions): Promise<string> {
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: options.name,
      Attributes: { VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30), MaximumMessageSize: "262144" },
    }),
  );
  if (queue.QueueUrl === undefined) throw new Error(`CreateQueue ${options.name}: no QueueUrl in the response`);
  return queue.QueueUrl;
}

/** The queue only; the topics are names (ARNs in the notifications), alternating raw delivery as above. */
export async function provisionDirectAwsWorld(sqs: SQSClient, options: AwsWorldOptions): Promise<AwsWorld> {
  const queueUrl = await createWorldQueue(sqs, options);
  const keys = options.topology === "per-tenant" ? options.tenants : legacyEventKinds.map((kind) => kind.type);
  const topics: Record<string, SnsTopicRoute> = {};
  for (const [index, key] of [...new Set(keys)].entries()) {
    const arn = `arn:aws:sns:us-east-1:000000000000:${options.name}-${key.replaceAll(".", "_")}`;
    topics[key] = { arn, rawDelivery: index % 2 === 0 };
  }
  return { queueUrl, delivery: "direct", topology: options.topology, topics };
}
