import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { createRecordsBatch } from "@platformatic/kafka";
import { recordBodyBytes, singleRecordBatchBytes, varintSize } from "../../../src/sink/record-size.ts";
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
