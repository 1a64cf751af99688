import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { confluentPrefix, encodeMessageIndexes, frame, messageIndexPath } from "../../../src/schema/wire-format.ts";
import { readFrame } from "../../fixtures/schema/decode-frame.ts";
import { LineItemSchema, OrderPlacedSchema } from "../../fixtures/schema/gen/meshbridge/fixture/v1/order_placed_pb.ts";

describe("confluentPrefix", () => {
  it("writes magic 0, the id big-endian and the single 0 byte for the first message", () => {
    assert.deepEqual([...confluentPrefix(1, [0])], [0, 0, 0, 0, 1, 0]);
  });

  it("keeps all four id bytes for ids above 255 and 65535", () => {
    assert.deepEqual([...confluentPrefix(256, [0])], [0, 0, 0, 1, 0, 0]);
    assert.deepEqual([...confluentPrefix(65_536, [0])], [0, 0, 1, 0, 0, 0]);
    assert.deepEqual([...confluentPrefix(0x01020304, [0])], [0, 1, 2, 3, 4, 0]);
    assert.deepEqual([...confluentPrefix(0x7fffffff, [0])], [0, 0x7f, 0xff, 0xff, 0xff, 0]);
  });

  it("rejects ids that are not Confluent schema ids", () => {
    for (const id of [0, -1, 0x80000000, 1.5, Number.NaN]) {
      assert.throws(() => confluentPrefix(id, [0]), /does not fit the Confluent wire format/, String(id));
    }
  });

  it("round-trips through an independent reader", () => {
    const framed = frame(confluentPrefix(70_000, [1, 2]), Uint8Array.of(8, 1));
    const decoded = readFrame(framed);
    assert.equal(decoded.schemaId, 70_000);
    assert.deepEqual(decoded.messageIndexes, [1, 2]);
    assert.deepEqual([...decoded.body], [8, 1]);
  });
});

describe("encodeMessageIndexes", () => {
  it("uses zig-zag varints: count, then each index", () => {
    assert.deepEqual([...encodeMessageIndexes([1])], [2, 2]);
    assert.deepEqual([...encodeMessageIndexes([0, 1])], [4, 0, 2]);
    assert.deepEqual([...encodeMessageIndexes([64])], [2, 0x80, 0x01]);
  });

  it("rejects an empty path and negative indexes", () => {
    assert.throws(() => encodeMessageIndexes([]), /must not be empty/);
    assert.throws(() => encodeMessageIndexes([0, -1]), /invalid message index/);
  });
});

describe("messageIndexPath", () => {
  it("is the position among the file's top-level messages", () => {
    assert.deepEqual(messageIndexPath(OrderPlacedSchema), [0]);
    assert.deepEqual(messageIndexPath(LineItemSchema), [1]);
  });
});

describe("frame", () => {
  it("is prefix followed by body", () => {
    const out = frame(Uint8Array.of(0, 0, 0, 0, 7, 0), Uint8Array.of(10, 1, 65));
    assert.ok(Buffer.isBuffer(out));
    assert.deepEqual([...out], [0, 0, 0, 0, 7, 0, 10, 1, 65]);
  });
});
