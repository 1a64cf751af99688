import assert from "node:assert/strict";
import { test } from "node:test";
import { demoSummary } from "../../../tools/demo/demo-summary.ts";

test("the demo's closing lines say in words that nothing was lost, and where to look next", () => {
  const lines = demoSummary({ sent: 103, acked: 103, produced: 140, catalogRead: 140, deadLettered: 3, withoutRecords: 20 });
  assert.equal(
    lines[0],
    "nothing was lost: 103 legacy events sent = 100 mapped + 3 dead-lettered; the 100 mapped ones became 140 catalog records (20 of them into none), all read back from Kafka",
  );
  assert.match(lines.join("\n"), /0\.\.N catalog events/);
  assert.match(lines.join("\n"), /dlq inspect/);
  assert.match(lines.join("\n"), /\.\/dev down/);
});

test("a shortfall is said as such, with the numbers", () => {
  const [head] = demoSummary({ sent: 103, acked: 101, produced: 140, catalogRead: 139, deadLettered: 3, withoutRecords: 0 });
  assert.match(
    head!,
    /^NOT everything is accounted for yet: 103 sent, 101 acked by the bridge, 139 of 140 catalog records read back/,
  );
});
