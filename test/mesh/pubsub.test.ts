// Proof that Pub/Sub on the local mesh behaves like the service in the ways meshbridge relies on:
// streaming pull delivers data and attributes, an ack settles for good, an unacked message comes
// back after its ack deadline, and one ordering key arrives in publish order. On both servers:
// pstest and Google's own emulator (skipped where it is not installed).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Duration, type Message } from "@google-cloud/pubsub";
import {
  createPubSubPair,
  deletePubSubPair,
  meshPubSub,
  meshPubSubProject,
  meshPubSubServers,
  type TestPubSub,
  waitUntil,
} from "../support/mesh.ts";

interface Receipt {
  readonly id: string;
  readonly data: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly deliveryAttempt: number;
  readonly atMs: number;
}

for (const server of meshPubSubServers) {
  describe(`Pub/Sub on ${server.name}`, { skip: server.skip }, () => {
    const pubsub = meshPubSub(meshPubSubProject, server.emulatorHost);

    after(async () => {
      await pubsub.close();
    });

    describe("streaming pull, ack and redelivery", { timeout: 90_000 }, () => {
      const ackDeadlineSeconds = 10; // the minimum the API allows
      let pair: TestPubSub;
      const receipts: Receipt[] = [];
      let ackedId = "";
      let unackedId = "";
      const errors: Error[] = [];

      before(async () => {
        // A dead-letter policy makes the server report deliveryAttempt. pstest counts deliveries per
        // topic message across all its subscriptions, so this topic has exactly one subscription.
        // (Google's emulator enforces the 10 s minimum deadline that pstest only accepts.)
        pair = await createPubSubPair(pubsub, { prefix: "ack", ackDeadlineSeconds, maxDeliveryAttempts: 5 });
        // Lease extension off: the client drops a message from its lease manager at the first
        // extension instead of extending it, so an unacked message expires at the ack deadline.
        pair.subscription.setOptions({
          maxExtensionTime: Duration.from({ seconds: 0 }),
          minAckDeadline: Duration.from({ seconds: ackDeadlineSeconds }),
          maxAckDeadline: Duration.from({ seconds: ackDeadlineSeconds }),
          streamingOptions: { maxStreams: 1 },
        });
        const start = Date.now();
        pair.subscription.on("message", (message: Message) => {
          const data = message.data.toString("utf8");
          receipts.push({
            id: message.id,
            data,
            attributes: { ...message.attributes },
            deliveryAttempt: message.deliveryAttempt,
            atMs: Date.now() - start,
          });
          if (data === "ack me") message.ack();
          // "leave me" is neither acked nor nacked.
        });
        pair.subscription.on("error", (error: Error) => errors.push(error));

        ackedId = await pair.topic.publishMessage({
          data: Buffer.from("ack me"),
          attributes: { tenant: "acme", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
        });
        unackedId = await pair.topic.publishMessage({ data: Buffer.from("leave me"), attributes: { tenant: "globex" } });

        // Wait for the redelivery of "leave me", then a little longer: an acked message whose ack
        // was lost would come back at the same deadline.
        await waitUntil(
          () => receipts.filter((r) => r.id === unackedId).length >= 2,
          (ackDeadlineSeconds + 10) * 1000,
          "redelivery of the unacked message",
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await pair.subscription.close();
      });

      after(async () => {
        await deletePubSubPair(pair);
      });

      test("the subscriber stream reports no error", () => {
        assert.deepEqual(
          errors.map((e) => e.message),
          [],
        );
      });

      test("a published message arrives with its data and attributes", () => {
        const got = receipts.find((r) => r.id === ackedId);
        assert.ok(got, "the published message was not received");
        assert.equal(got.data, "ack me");
        assert.deepEqual(got.attributes, {
          tenant: "acme",
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        });
        assert.equal(got.deliveryAttempt, 1);
      });

      test("an acked message is not redelivered", () => {
        assert.equal(receipts.filter((r) => r.id === ackedId).length, 1);
      });

      test("an unacked message comes back after its ack deadline, with deliveryAttempt 2", () => {
        const got = receipts.filter((r) => r.id === unackedId);
        assert.ok(got.length >= 2, `received ${got.length} times`);
        const [first, second] = got;
        assert.ok(first && second);
        assert.equal(first.data, "leave me");
        assert.deepEqual(second.attributes, { tenant: "globex" });
        assert.equal(first.deliveryAttempt, 1);
        assert.equal(second.deliveryAttempt, 2);
        const gapMs = second.atMs - first.atMs;
        assert.ok(gapMs >= (ackDeadlineSeconds - 1) * 1000, `redelivered after ${gapMs} ms, before the ack deadline`);
      });
    });

    describe("ordering keys", { timeout: 60_000 }, () => {
      test("messages sharing an ordering key arrive in publish order", async () => {
        const pair = await createPubSubPair(pubsub, { prefix: "order", messageOrdering: true });
        try {
          const keys = ["tenant-a", "tenant-b", "tenant-c"] as const;
          const perKey = 20;
          const arrived = new Map<string, number[]>(keys.map((k) => [k, []]));
          pair.subscription.on("message", (message: Message) => {
            arrived.get(message.orderingKey ?? "")?.push(Number(message.data.toString("utf8")));
            message.ack();
          });

          // Interleaved across keys, all in flight at once: only the per-key order is promised.
          const published: Promise<string>[] = [];
          for (let seq = 0; seq < perKey; seq++) {
            for (const key of keys) {
              published.push(pair.topic.publishMessage({ data: Buffer.from(String(seq)), orderingKey: key }));
            }
          }
          await Promise.all(published);
          await waitUntil(
            () => [...arrived.values()].every((seqs) => seqs.length >= perKey),
            45_000,
            `${perKey} messages on each of ${keys.length} keys`,
          );

          const expected = Array.from({ length: perKey }, (_, i) => i);
          for (const key of keys) assert.deepEqual(arrived.get(key), expected, `order of key ${key}`);
        } finally {
          await deletePubSubPair(pair);
        }
      });
    });
  });
}
