// The fault accounting on made-up records: each column counts what it says, and each kind of
// failure (lost, both sides, wrong side, order, never reached the source) is told apart.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { ReadRecord } from "../../../src/ops/kafka-reader.ts";
import { dlqHeader } from "../../../src/pipeline/records.ts";
import { account, type SentItem } from "../../faults/support/accounting.ts";
import { rowProblems } from "../../faults/support/results.ts";
import type { CollectedRecord } from "../../support/records.ts";

function item(id: string, ceIds: string[], extra: Partial<SentItem> = {}): SentItem {
  return { id, ceIds, expectDeadLetter: false, bodies: [`body-${id}`], ...extra };
}

let offset = 0n;
function record(ceId: string, partition = 0): CollectedRecord {
  offset++;
  return {
    topic: "t",
    partition,
    offset,
    key: "k",
    headers: new Map([["ce_id", ceId]]),
    ceId,
    tenant: "x",
    timestampMs: 0,
    value: Buffer.alloc(0),
  };
}

function deadLetter(sourceId: string | undefined, body: string): ReadRecord {
  const headers = new Map<string, string>();
  if (sourceId !== undefined) headers.set(dlqHeader.sourceMessageId, sourceId);
  return { headers, value: Buffer.from(body) } as unknown as ReadRecord;
}

it("counts kafka, dlq, filtered, lost, never reached, duplicates and tells them apart", () => {
  const items = [
    item("a", ["a0", "a1"]),
    item("b", ["b0"]),
    item("c", [], { expectDeadLetter: true }),
    item("d", []), // filtered
    item("e", ["e0"]), // lost: accepted, nothing
    item("f", ["f0"]), // never reached the source
    item("g", ["g0", "g1"]), // lost: one of two records
    item("h", [], { expectDeadLetter: true, bodies: ["raw-h"] }),
  ];
  const accepted = new Map<string, string | undefined>([
    ["a", "m-a"],
    ["b", "m-b"],
    ["c", "m-c"],
    ["d", "m-d"],
    ["e", "m-e"],
    ["g", "m-g"],
    ["h", undefined],
  ]);
  const { result, lostIds } = account({
    scenario: "s",
    items,
    accepted,
    catalog: [record("a0"), record("a1"), record("b0"), record("b0"), record("g0")],
    deadLetters: [
      deadLetter("m-c", "whatever"),
      deadLetter("m-c", "whatever"),
      deadLetter(undefined, JSON.stringify({ Type: "Notification", Message: "raw-h" })),
    ],
    duplicateBound: 2,
  });
  assert.deepEqual(lostIds, ["e", "g"]);
  assert.deepEqual(
    { ...result },
    {
      scenario: "s",
      sent: 8,
      neverReachedSource: 1,
      inKafka: 2,
      deadLettered: 2,
      filtered: 1,
      lost: 2,
      inBoth: 0,
      misrouted: 0,
      duplicates: 2,
      duplicateRecords: 2,
      duplicateBound: 2,
      orderViolations: 0,
    },
  );
  assert.deepEqual(rowProblems(result), ["2 lost"]);
});

it("an event in Kafka and the DLQ, a healthy one dead-lettered, a stray ce_id, too many duplicates", () => {
  const accounting = account({
    scenario: "s",
    items: [item("a", ["a0"]), item("b", ["b0"])],
    accepted: new Map([
      ["a", "m-a"],
      ["b", "m-b"],
    ]),
    catalog: [record("a0"), record("a0"), record("zz")],
    deadLetters: [deadLetter("m-a", ""), deadLetter("m-b", "")],
    duplicateBound: 0,
  });
  assert.deepEqual(accounting.inBothIds, ["a"]);
  assert.deepEqual(accounting.misroutedIds, ["a", "b"]);
  assert.deepEqual(accounting.unexpectedCeIds, ["zz"]);
  assert.equal(accounting.result.lost, 0, "dead-lettered counts as accounted");
  assert.deepEqual(rowProblems(accounting.result), [
    "1 both in Kafka and dead-lettered",
    "2 misrouted",
    "1 duplicates over the bound 0",
  ]);
});

it("order: first copies per partition by offset; a replayed copy is a duplicate, not a violation", () => {
  const ordered = (id: string, position: number, group = "g"): SentItem => item(id, [id], { ordered: { group, position } });
  const items = [ordered("p0", 0), ordered("p1", 1), ordered("p2", 2), ordered("q0", 0, "other"), ordered("q1", 1, "other")];
  const accepted = new Map(items.map((i) => [i.id, `m-${i.id}`] as [string, string]));
  // Partition 0: p0 p1 p0 p1 p2 (a replay after a crash: in order). Partition 1: q1 before q0.
  const catalog = [record("p0"), record("p1"), record("q1", 1), record("p0"), record("p1"), record("p2"), record("q0", 1)];
  const { result, orderViolationsSeen } = account({
    scenario: "s",
    items,
    accepted,
    catalog,
    deadLetters: [],
    duplicateBound: 2,
  });
  assert.equal(result.duplicates, 2);
  assert.equal(result.duplicateRecords, 2);
  assert.equal(result.orderViolations, 1);
  assert.match(orderViolationsSeen[0] ?? "", /t\/1@\d+: group other position 0 after 1/);
  assert.deepEqual(rowProblems(result), ["1 order violations"]);
});
