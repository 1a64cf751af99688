import assert from "node:assert/strict";
import { test } from "node:test";
import { RECORD_BATCH_OVERHEAD, RECORD_DELTA_SLACK } from "../../../src/sink/record-size.ts";
import { type PlannedRecord, planRequests } from "../../../src/sink/request-plan.ts";

const record = (topic: string, partition: number, bytes: number): PlannedRecord => ({ topic, partition, bytes });

test("a batch that fits every limit is one request", () => {
  const records = Array.from({ length: 500 }, (_, i) => record("a", i % 6, 320));
  assert.deepEqual(
    planRequests(records, () => 1_048_588, 8 << 20),
    [500],
  );
});

test("records of one partition are split so that each batch fits max.message.bytes", () => {
  const perRecord = 300 + RECORD_DELTA_SLACK;
  const limit = RECORD_BATCH_OVERHEAD + 3 * perRecord; // three records per partition batch
  const records = Array.from({ length: 10 }, () => record("small", 0, 300));
  const ends = planRequests(records, () => limit, 8 << 20);
  assert.deepEqual(ends, [3, 6, 9, 10]);
});

test("partitions and topics count separately against their own limits", () => {
  const limits: Record<string, number> = { big: 1_000_000, small: RECORD_BATCH_OVERHEAD + 2 * (100 + RECORD_DELTA_SLACK) };
  const records = [
    record("small", 0, 100),
    record("small", 1, 100),
    record("big", 0, 100),
    record("small", 0, 100),
    record("small", 1, 100),
    record("small", 0, 100), // third record of small/0: new request
    record("big", 0, 100),
  ];
  assert.deepEqual(
    planRequests(records, (t) => limits[t] ?? 0, 8 << 20),
    [5, 7],
  );
});

test("maxRequestBytes bounds the whole request; ends are increasing and cover every record", () => {
  const records = Array.from({ length: 1000 }, (_, i) => record(`t${i % 3}`, i % 7, 1000));
  const ends = planRequests(records, () => 1_048_588, 100_000);
  assert.ok(ends.length > 1);
  assert.equal(ends[ends.length - 1], 1000);
  let start = 0;
  for (const end of ends) {
    assert.ok(end > start);
    const parts = new Set<string>();
    for (let i = start; i < end; i++) parts.add(`${records[i]?.topic}/${records[i]?.partition}`);
    const bytes = (end - start) * (1000 + RECORD_DELTA_SLACK) + parts.size * RECORD_BATCH_OVERHEAD;
    assert.ok(bytes <= 100_000, `request of ${bytes} bytes`);
    start = end;
  }
});

test("a record larger than its limit still gets a request of its own (it was checked before)", () => {
  const records = [record("a", 0, 10), record("a", 0, 5000), record("a", 0, 10)];
  assert.deepEqual(
    planRequests(records, () => 2000, 8 << 20),
    [1, 2, 3],
  );
});
