// The Pub/Sub codec (generated descriptors + @bufbuild/protobuf's wire reader and writer)
// against the official protobufjs types shipped with @google-cloud/pubsub: what we write, they
// read; what they write, we read. And the generated code is what `npm run generate:pubsub` makes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  decodeListSubscriptionsResponse,
  decodePullResponse,
  decodeSubscription,
  encodeAcknowledgeRequest,
  encodeGetSubscriptionRequest,
  encodeListSubscriptionsRequest,
  encodeModifyAckDeadlineRequest,
  encodePullRequest,
  PubSubDecodeError,
} from "../../../src/sources/pubsub/subscriber-codec.ts";

interface ProtoType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options?: Record<string, unknown>): Record<string, unknown>;
  fromObject(object: Record<string, unknown>): unknown;
}
const protos = createRequire(import.meta.url)("@google-cloud/pubsub/build/protos/protos.js") as {
  google: { pubsub: { v1: Record<string, ProtoType> } };
};
const v1 = protos.google.pubsub.v1;
const official = (type: string, bytes: Uint8Array) =>
  v1[type]!.toObject(v1[type]!.decode(bytes), { longs: Number, defaults: true });
const officialBytes = (type: string, object: Record<string, unknown>): Buffer =>
  Buffer.from(v1[type]!.encode(v1[type]!.fromObject(object)).finish());

const SUBSCRIPTION = "projects/p/subscriptions/sub-ü";

test("requests decode as the official types read them", () => {
  assert.deepEqual(official("PullRequest", encodePullRequest(SUBSCRIPTION, 100)), {
    subscription: SUBSCRIPTION,
    returnImmediately: true,
    maxMessages: 100,
  });
  const ackIds = ["a-1", "b-2", "x".repeat(300)];
  const ack = official("AcknowledgeRequest", encodeAcknowledgeRequest(SUBSCRIPTION, ackIds));
  assert.deepEqual(ack, { subscription: SUBSCRIPTION, ackIds });
  const modify = official("ModifyAckDeadlineRequest", encodeModifyAckDeadlineRequest(SUBSCRIPTION, ackIds, 0));
  assert.deepEqual(modify, { subscription: SUBSCRIPTION, ackIds, ackDeadlineSeconds: 0 });
  const extend = official("ModifyAckDeadlineRequest", encodeModifyAckDeadlineRequest(SUBSCRIPTION, ["z"], 600));
  assert.equal(extend.ackDeadlineSeconds, 600);
});

test("settle requests of many ack ids, at varint length boundaries, decode as the official types read them", () => {
  // Lengths 127/128 and 16383/16384 change the length varint from one byte to two, two to three.
  const ackIds = ["", "é-ü-漢", "a".repeat(127), "b".repeat(128), "c".repeat(16_383), "d".repeat(16_384)];
  for (let i = 0; i < 1000; i++) ackIds.push(`ack-${i}-${"x".repeat(i % 200)}`);
  const longSubscription = `projects/p/subscriptions/${"s".repeat(200)}`;
  const ack = official("AcknowledgeRequest", encodeAcknowledgeRequest(longSubscription, ackIds));
  assert.deepEqual(ack, { subscription: longSubscription, ackIds });
  for (const seconds of [0, 1, 127, 128, 600]) {
    const modify = official("ModifyAckDeadlineRequest", encodeModifyAckDeadlineRequest(SUBSCRIPTION, ackIds, seconds));
    assert.deepEqual(modify, { subscription: SUBSCRIPTION, ackIds, ackDeadlineSeconds: seconds });
  }
  assert.deepEqual(official("AcknowledgeRequest", encodeAcknowledgeRequest(SUBSCRIPTION, [])), {
    subscription: SUBSCRIPTION,
    ackIds: [],
  });
});

test("discovery requests and responses match the official types", () => {
  assert.deepEqual(official("GetSubscriptionRequest", encodeGetSubscriptionRequest(SUBSCRIPTION)), {
    subscription: SUBSCRIPTION,
  });
  assert.deepEqual(official("ListSubscriptionsRequest", encodeListSubscriptionsRequest("projects/p", 1000, "")), {
    project: "projects/p",
    pageSize: 1000,
    pageToken: "",
  });
  assert.equal(official("ListSubscriptionsRequest", encodeListSubscriptionsRequest("projects/p", 5, "next")).pageToken, "next");

  const full = {
    name: "projects/p/subscriptions/a",
    topic: "projects/p/topics/t",
    ackDeadlineSeconds: 30,
    labels: { team: "billing", meshbridge: "on" },
    enableMessageOrdering: true,
    enableExactlyOnceDelivery: true,
    messageRetentionDuration: { seconds: 600 },
  };
  const decoded = decodeSubscription(officialBytes("Subscription", full));
  assert.equal(decoded.name, full.name);
  assert.equal(decoded.ackDeadlineSeconds, 30);
  assert.equal(decoded.messageOrdering, true);
  assert.equal(decoded.exactlyOnceDelivery, true);
  assert.deepEqual({ ...decoded.labels }, full.labels);
  const bare = decodeSubscription(officialBytes("Subscription", { name: "projects/p/subscriptions/b" }));
  assert.equal(bare.ackDeadlineSeconds, 10, "unset deadline: the server default");
  assert.equal(bare.messageOrdering, false);
  assert.equal(bare.exactlyOnceDelivery, false);
  assert.deepEqual({ ...bare.labels }, {});

  const page = decodeListSubscriptionsResponse(
    officialBytes("ListSubscriptionsResponse", {
      subscriptions: [full, { name: "projects/p/subscriptions/b" }],
      nextPageToken: "tok",
    }),
  );
  assert.deepEqual(
    page.subscriptions.map((x) => x.name),
    [full.name, "projects/p/subscriptions/b"],
  );
  assert.equal(page.nextPageToken, "tok");
  assert.equal(decodeListSubscriptionsResponse(Buffer.alloc(0)).nextPageToken, "");
});

test("a PullResponse written by the official types reads back field by field", () => {
  const data = Buffer.from(JSON.stringify({ iv: "x", ct: "y" }));
  const bytes = officialBytes("PullResponse", {
    receivedMessages: [
      {
        ackId: "ack-1",
        deliveryAttempt: 3,
        message: {
          data,
          attributes: { traceparent: "00-abc-01", ["__proto__"]: "stays data", "": "empty key" },
          messageId: "m-1",
          publishTime: { seconds: 1_764_300_000, nanos: 987_654_321 },
          orderingKey: "tenant-7",
        },
      },
      { ackId: "ack-2", message: { data: Buffer.alloc(0), messageId: "m-2" } },
      { ackId: "ack-3" },
    ],
  });
  const messages = decodePullResponse(bytes);
  assert.equal(messages.length, 3);
  const [first, second, third] = messages;
  assert.equal(first!.ackId, "ack-1");
  assert.equal(first!.messageId, "m-1");
  assert.deepEqual(first!.data, data);
  assert.equal(first!.publishTimeMs, 1_764_300_000_987);
  assert.equal(first!.orderingKey, "tenant-7");
  assert.equal(first!.deliveryAttempt, 3);
  assert.equal(first!.attributes.traceparent, "00-abc-01");
  assert.equal(Object.getOwnPropertyDescriptor(first!.attributes, "__proto__")?.value, "stays data");
  assert.equal(first!.attributes[""], "empty key");
  assert.equal(Object.getPrototypeOf(first!.attributes), null);
  assert.equal(second!.ackId, "ack-2");
  assert.equal(second!.data.length, 0);
  assert.equal(second!.publishTimeMs, 0);
  assert.equal(second!.orderingKey, "");
  assert.deepEqual({ ...second!.attributes }, {});
  assert.equal(third!.messageId, "", "a message without its PubsubMessage has empty fields");
});

test("unknown fields are skipped; an empty response is no messages", () => {
  assert.deepEqual(decodePullResponse(Buffer.alloc(0)), []);
  // Field 15 varint with a 10-byte (negative) value, field 14 fixed64, then one message.
  const unknown = Buffer.from([0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x71, 1, 2, 3, 4, 5, 6, 7, 8]);
  const known = officialBytes("PullResponse", { receivedMessages: [{ ackId: "only", message: { messageId: "m" } }] });
  const messages = decodePullResponse(Buffer.concat([unknown, known]));
  assert.deepEqual(
    messages.map((m) => [m.ackId, m.messageId]),
    [["only", "m"]],
  );
});

test("a truncated response is refused with an error that says so", () => {
  const bytes = officialBytes("PullResponse", { receivedMessages: [{ ackId: "a", message: { data: Buffer.alloc(50) } }] });
  assert.throws(() => decodePullResponse(bytes.subarray(0, bytes.length - 10)), PubSubDecodeError);
  assert.throws(() => decodePullResponse(Buffer.from([0x0a, 0x80])), /truncated varint/);
});

test("malformed responses fail with a PubSubDecodeError naming the type, never the payload", () => {
  const secret = Buffer.from("tenant-secret-plaintext");
  const bytes = officialBytes("PullResponse", { receivedMessages: [{ ackId: "a", message: { data: secret } }] });
  const failures = [
    // Cut inside the data: the ReceivedMessage's length runs past the end.
    [bytes.subarray(0, bytes.length - 5), /length past the end of a ReceivedMessage/],
    // Wire type 7 does not exist.
    [Buffer.concat([bytes, Buffer.from([0x0f])]), /illegal tag.*in a PullResponse/],
    // Field number 0 does not exist.
    [Buffer.from([0x02, 0x00]), /illegal tag: field no 0.*in a PullResponse/],
    // A tag varint longer than 32 bits.
    [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]), /illegal tag: varint overflows uint32 in a PullResponse/],
    // An ack id whose length runs past the end of its ReceivedMessage.
    [Buffer.from([0x0a, 0x03, 0x0a, 0x05, 0x61]), /length past the end of an ack id/],
    // An unknown fixed64 field cut short: the wire reader's own bounds check.
    [Buffer.from([0x71, 0x01, 0x02]), /truncated in a PullResponse/],
  ] as const;
  for (const [input, message] of failures) {
    assert.throws(
      () => decodePullResponse(input),
      (error: unknown) => {
        assert.ok(error instanceof PubSubDecodeError, `a PubSubDecodeError for ${message}`);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /tenant-secret/);
        return true;
      },
    );
  }
  assert.throws(() => decodeSubscription(Buffer.from([0x0a, 0x80])), /truncated varint in a subscription name/);
  assert.throws(() => decodeListSubscriptionsResponse(Buffer.from([0x12, 0x09, 0x61])), PubSubDecodeError);
});

test("the generated Pub/Sub code is what the generator makes from the pinned protos", () => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const generated = join(root, "src/sources/pubsub/gen");
  const out = mkdtempSync(join(tmpdir(), "pubsub-gen-"));
  try {
    const bin = join(root, "node_modules/.bin");
    const run = spawnSync(join(bin, "buf"), ["generate", "--template", "src/sources/pubsub/buf.gen.yaml", "-o", out], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
    });
    assert.equal(run.status, 0, `buf generate failed: ${run.stderr}`);
    const files = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
        .sort();
    const fresh = join(out, "src/sources/pubsub/gen");
    assert.deepEqual(files(fresh), files(generated), "the same generated files");
    for (const file of files(generated)) {
      assert.equal(readFileSync(join(fresh, file), "utf8"), readFileSync(join(generated, file), "utf8"), `${file} is unchanged`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
