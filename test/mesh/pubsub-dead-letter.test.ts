// Dead-letter policy with delivery attempts, on both Pub/Sub servers, through the bridge's own
// subscriber API (its codec reads deliveryAttempt): a message nacked (deadline 0, what the
// source does on a transient failure or at shutdown) comes back with the attempt counted up, and
// after maxDeliveryAttempts the server forwards it to the dead-letter topic, data and attributes
// intact, and stops delivering it on the subscription.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Subscription } from "@google-cloud/pubsub";
import { createSubscriberApi, type PulledMessage, type SubscriberApi } from "../../src/sources/pubsub/subscriber-api.ts";
import {
  createPubSubPair,
  deletePubSubPair,
  meshPubSub,
  meshPubSubProject,
  meshPubSubServers,
  type TestPubSub,
  uniqueName,
} from "../support/mesh.ts";

const MAX_ATTEMPTS = 5; // the smallest the API allows

/** Pulls until a message arrives (pulls return at once; the server may need a moment). */
async function pullOne(api: SubscriberApi, subscription: string, timeoutMs: number): Promise<PulledMessage | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [message] = await api.pull(subscription, 1);
    if (message !== undefined) return message;
    await sleep(100);
  }
  return undefined;
}

for (const server of meshPubSubServers) {
  describe(`dead-letter policy on ${server.name}`, { skip: server.skip, timeout: 120_000 }, () => {
    const pubsub = meshPubSub(meshPubSubProject, server.emulatorHost);
    const api = createSubscriberApi(
      { projectId: meshPubSubProject, emulatorHost: server.emulatorHost },
      { callTimeoutMs: 30_000 },
    );
    let pair: TestPubSub;
    let deadLetters: Subscription;
    const attempts: number[] = [];
    let messageId = "";
    let afterwards: PulledMessage | undefined;

    before(async () => {
      pair = await createPubSubPair(pubsub, { prefix: "dlp", maxDeliveryAttempts: MAX_ATTEMPTS });
      // Subscribed before anything is forwarded: a subscription sees only later messages.
      [deadLetters] = await pair.deadLetterTopic!.createSubscription(uniqueName("dlp-dead-sub"));
      messageId = await pair.topic.publishMessage({ data: Buffer.from("nack me"), attributes: { tenant: "acme" } });
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const message = await pullOne(api, pair.subscription.name, 30_000);
        assert.ok(message, `delivery ${attempt} never came`);
        assert.equal(message.messageId, messageId);
        attempts.push(message.deliveryAttempt);
        await api.modifyAckDeadline(pair.subscription.name, [message.ackId], 0);
      }
      // Forwarding is asynchronous on the server: give it time to happen (or to redeliver wrongly).
      afterwards = await pullOne(api, pair.subscription.name, 5_000);
    });

    after(async () => {
      await api.close();
      await deadLetters?.delete();
      await deletePubSubPair(pair);
      await pubsub.close();
    });

    test("each redelivery after a nack carries the next delivery attempt", () => {
      assert.deepEqual(
        attempts,
        Array.from({ length: MAX_ATTEMPTS }, (_, index) => index + 1),
      );
    });

    test("after maxDeliveryAttempts the message is on the dead-letter topic, intact", async () => {
      const dead = await pullOne(api, deadLetters.name, 30_000);
      assert.ok(dead, "nothing arrived on the dead-letter topic");
      assert.equal(dead.data.toString("utf8"), "nack me");
      assert.equal(dead.attributes.tenant, "acme");
      await api.acknowledge(deadLetters.name, [dead.ackId]);
    });

    test("and it is no longer delivered on the subscription", () => {
      assert.equal(afterwards, undefined, `delivered again (attempt ${afterwards?.deliveryAttempt})`);
    });
  });
}
