// In-memory legacy traffic for the in-process measurements: generated events of a fixed size,
// sealed per tenant, carried as SQS bodies the way the local mesh delivers them (half the SNS
// subscriptions use raw delivery, half wrap the envelope in an SNS notification).
import { randomBytes, randomUUID } from "node:crypto";
import { generateLegacyEvent } from "../catalog/legacy/generate.ts";
import { StaticKeyring } from "../src/crypto/static-keyring.ts";
import type { SourceMessage } from "../src/sources/source.ts";
import { sqsEnvelopeReader } from "../src/sources/sqs/envelope-reader.ts";
import { generateStaticKeys } from "../tools/legacy-crypto/provision.ts";
import { sealLegacyEnvelope } from "../tools/legacy-crypto/seal.ts";
import { tenantName } from "../tools/simulator/world.ts";

export interface Traffic {
  readonly keyring: StaticKeyring;
  readonly messages: readonly SourceMessage[];
  /** Plain JSON size of the events (bytes, before encryption). */
  readonly plainBytes: number;
}

const SIGNATURE = randomBytes(256).toString("base64");

function snsNotification(envelope: string, traceparent: string | undefined): string {
  return JSON.stringify({
    Type: "Notification",
    MessageId: randomUUID(),
    TopicArn: "arn:aws:sns:us-east-1:123456789012:mbbench-tenant-0001",
    Message: envelope,
    Timestamp: new Date().toISOString(),
    SignatureVersion: "1",
    Signature: SIGNATURE,
    SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
    UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:1:x:y",
    ...(traceparent === undefined ? {} : { MessageAttributes: { traceparent: { Type: "String", Value: traceparent } } }),
  });
}

const noop = (): void => {};

/** `count` distinct messages of ~`targetBytes` plain events over `tenants` tenants, 2 key versions. */
export function makeTraffic(count: number, targetBytes: number, tenants = 20, seed = 7): Traffic {
  const names = Array.from({ length: tenants }, (_, index) => tenantName(index));
  const keyring = StaticKeyring.fromObject(generateStaticKeys(names, [1, 2]), "bench keys");
  const messages: SourceMessage[] = [];
  let plainBytes = 0;
  for (let sequence = 0; sequence < count; sequence++) {
    const tenantIndex = sequence % tenants;
    const tenant = names[tenantIndex]!;
    const keyVersion = 1 + (Math.floor(sequence / tenants) % 2);
    const plain = Buffer.from(JSON.stringify(generateLegacyEvent(seed, tenant, sequence, { targetBytes })));
    plainBytes += plain.length;
    const event = JSON.parse(plain.toString()) as { event_id: string };
    const envelope = sealLegacyEnvelope(plain, tenant, keyVersion, event.event_id, keyring.peek(tenant, keyVersion)!);
    const traceparent =
      sequence % 3 === 0 ? `00-${sequence.toString(16).padStart(32, "0")}-${"1".padStart(16, "0")}-01` : undefined;
    // As in the simulator's world: tenants with an even index have raw delivery.
    const raw = tenantIndex % 2 === 0;
    messages.push({
      id: randomUUID(),
      source: "sqs:mbbench",
      reader: sqsEnvelopeReader,
      // Text, as SqsSource delivers an SQS body.
      body: raw ? envelope : snsNotification(envelope, traceparent),
      attributes: raw && traceparent !== undefined ? { traceparent } : {},
      receiveCount: 1,
      publishedAtMs: 0,
      ack: noop,
      nack: noop,
    });
  }
  return { keyring, messages, plainBytes: plainBytes / count };
}
