import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { createRecordsBatch } from "@platformatic/kafka";
import {
  batchBytesOverLimit,
  bodyBoundFits,
  recordBodyBytes,
  recordBodyBytesUpperBound,
  singleRecordBatchBytes,
  singleRecordBatchBytesUpperBound,
  varintSize,
} from "../../../src/sink/record-size.ts";
import type { KafkaRecord } from "../../../src/sink/types.ts";

test("varintSize counts zig-zag varint bytes", () => {
  assert.equal(varintSize(0), 1);
  assert.equal(varintSize(63), 1);
  assert.equal(varintSize(64), 2); // zig-zag 128
  assert.equal(varintSize(8191), 2);
  assert.equal(varintSize(8192), 3);
  assert.equal(varintSize(-1), 1);
  assert.equal(varintSize(1_048_588), 4);
});

test("singleRecordBatchBytes equals the size of the batch the client writes", () => {
  const cases: KafkaRecord[] = [
    { topic: "t", key: "k", value: Buffer.alloc(0) },
    { topic: "t", key: Buffer.from("abc"), value: Buffer.alloc(100) },
    {
      topic: "t",
      key: "ключ-ü",
      value: randomBytes(300),
      headers: new Map([
        ["ce_id", "x1"],
        ["ce_type", "order.created"],
      ]),
    },
    {
      topic: "t",
      key: randomBytes(16),
      value: randomBytes(70_000),
      headers: new Map<string, string | Buffer>([
        ["traceparent", Buffer.alloc(55, 1)],
        ["é", "ü"],
      ]),
    },
  ];
  for (const record of cases) {
    const headers = new Map<Buffer, Buffer>();
    for (const [k, v] of record.headers ?? []) headers.set(Buffer.from(k), typeof v === "string" ? Buffer.from(v) : v);
    const key = typeof record.key === "string" ? Buffer.from(record.key) : record.key;
    const batch = createRecordsBatch([{ topic: "t", partition: 0, key, value: record.value, headers }], {});
    assert.equal(singleRecordBatchBytes(record), batch.length, `value of ${record.value.length} bytes`);
    assert.ok(recordBodyBytes(record) < batch.length);
  }
});

const textAlphabet = ["a", "-", "é", "€", "😀", "\ud800", "\udc00"];
function randomText(length: number): string {
  return Array.from({ length }, () => textAlphabet[Math.floor(Math.random() * textAlphabet.length)]).join("");
}

function randomRecord(valueBytes: number): KafkaRecord {
  const headers = new Map<string, string | Buffer>();
  const count = Math.floor(Math.random() * 10);
  for (let i = 0; i < count; i++) {
    headers.set(`h${i}${randomText(Math.floor(Math.random() * 8))}`, i % 3 === 0 ? randomBytes(i * 7) : randomText(i * 9));
  }
  return {
    topic: "t",
    key: Math.random() < 0.5 ? randomText(Math.floor(Math.random() * 40)) : randomBytes(16),
    value: Buffer.alloc(valueBytes),
    ...(Math.random() < 0.2 ? {} : { headers }),
  };
}

test("singleRecordBatchBytesUpperBound is never below the exact size", () => {
  for (let i = 0; i < 5000; i++) {
    const record = randomRecord(Math.floor(Math.random() * 300_000));
    assert.ok(singleRecordBatchBytesUpperBound(record) >= singleRecordBatchBytes(record));
  }
  // The worst case for the bound: every code unit really is 3 bytes, every varint 5 bytes.
  const wide: KafkaRecord = { topic: "t", key: "€".repeat(5000), value: Buffer.alloc(70_000) };
  assert.ok(singleRecordBatchBytesUpperBound(wide) >= singleRecordBatchBytes(wide));
});

test("recordBodyBytesUpperBound is never below the exact body; a body that bodyBoundFits fits its batch", () => {
  for (let i = 0; i < 5000; i++) {
    const record = randomRecord(Math.floor(Math.random() * 300_000));
    const bound = recordBodyBytesUpperBound(record);
    assert.ok(bound >= recordBodyBytes(record));
    const exact = singleRecordBatchBytes(record);
    for (const limit of [exact - 1, exact, singleRecordBatchBytesUpperBound(record)]) {
      if (bodyBoundFits(bound, limit)) assert.ok(exact <= limit, `limit ${limit}, exact ${exact}, bound ${bound}`);
    }
    assert.equal(bodyBoundFits(bound, singleRecordBatchBytesUpperBound(record)), true);
  }
  const wide: KafkaRecord = { topic: "t", key: "€".repeat(5000), value: Buffer.alloc(70_000) };
  assert.ok(recordBodyBytesUpperBound(wide) >= recordBodyBytes(wide));
});

test("batchBytesOverLimit answers exactly as comparing the exact size, around the limit too", () => {
  for (let i = 0; i < 3000; i++) {
    const record = randomRecord(Math.floor(Math.random() * 3000));
    const exact = singleRecordBatchBytes(record);
    const bound = singleRecordBatchBytesUpperBound(record);
    for (const limit of [exact - 1, exact, exact + 1, bound - 1, bound, Math.floor((exact + bound) / 2), 10 * exact]) {
      assert.equal(batchBytesOverLimit(record, limit), exact > limit ? exact : undefined, `limit ${limit}, exact ${exact}`);
    }
  }
});
