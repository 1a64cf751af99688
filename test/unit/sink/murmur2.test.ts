import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { test } from "node:test";
import { compatibilityPartitioner } from "@platformatic/kafka";
import { murmur2, partitionForKey } from "../../../src/sink/murmur2.ts";

// kafkajs's Java-compatible DefaultPartitioner hash (CommonJS, internal path).
const kafkajsMurmur2 = createRequire(import.meta.url)("kafkajs/src/producer/partitioners/default/murmur2.js") as (
  key: Buffer,
) => number;

test("murmur2 matches the Java client's Utils.murmur2 test vectors", () => {
  // From Apache Kafka's UtilsTest.testMurmur2.
  const vectors: [string, number][] = [
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ];
  for (const [input, expected] of vectors) assert.equal(murmur2(Buffer.from(input)), expected, input);
});

test("murmur2 agrees with kafkajs's and @platformatic/kafka's partitioners on random keys of every tail length", () => {
  for (let length = 0; length < 64; length++) {
    for (let n = 0; n < 20; n++) {
      const key = randomBytes(length);
      const ours = murmur2(key);
      assert.equal(ours, kafkajsMurmur2(key), `kafkajs, length ${length}`);
      assert.equal(
        ours & 0x7fffffff,
        compatibilityPartitioner({ topic: "t", value: Buffer.alloc(0) }, key),
        `platformatic, length ${length}`,
      );
    }
  }
});

test("partitionForKey is toPositive(murmur2) modulo the partition count", () => {
  const key = Buffer.from("tenant-42/order-7");
  const expected = (murmur2(key) & 0x7fffffff) % 6;
  assert.equal(partitionForKey(key, 6), expected);
  for (let i = 0; i < 200; i++) {
    const p = partitionForKey(randomBytes(16), 6);
    assert.ok(p >= 0 && p < 6, `partition ${p} out of range`);
  }
});
