// The SQS body SNS writes for a subscription without raw message delivery: a Notification
// envelope around the published string, with the message attributes inside it. The signature
// is a placeholder (nothing on the bridge's path verifies it; SQS consumers of SNS rarely do).

export interface NotificationAttribute {
  readonly Type: "String" | "Number" | "Binary";
  readonly Value: string;
}

export function snsNotificationBody(
  topicArn: string,
  messageId: string,
  message: string,
  attributes: Readonly<Record<string, NotificationAttribute>> | undefined,
  now: Date = new Date(),
): string {
  const region = topicArn.split(":")[3] ?? "us-east-1";
  return JSON.stringify({
    Type: "Notification",
    MessageId: messageId,
    TopicArn: topicArn,
    Message: message,
    Timestamp: now.toISOString(),
    SignatureVersion: "1",
    Signature:
      "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
    SigningCertURL: `https://sns.${region}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem`,
    UnsubscribeURL: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:${messageId}`,
    ...(attributes === undefined ? {} : { MessageAttributes: attributes }),
  });
}
