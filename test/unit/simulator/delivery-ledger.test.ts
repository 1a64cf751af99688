// The SQS tests' accounting: a missing record is blamed on the bridge only when the bridge's own
// log shows it received the source message; otherwise the queue never delivered it.
import assert from "node:assert/strict";
import { it } from "node:test";
import { DeliveryLedger } from "../../support/delivery.ts";
import type { ExpectedRecord } from "../../support/expected.ts";

const expected = (pairs: [string, string][]): Map<string, ExpectedRecord> =>
  new Map(pairs.map(([ceId, eventId]) => [ceId, { eventId } as ExpectedRecord]));
const received = (...ids: string[]): string =>
  JSON.stringify({ level: "debug", msg: "SQS received", receiver: 0, messageIds: ids.join(",") });

it("tells 'lost by the bridge' from 'never reached the bridge' by source message id", () => {
  const ledger = new DeliveryLedger();
  ledger.sent("e1", "m1");
  ledger.sent("e2", "m2");
  ledger.sent("e3", "m3");
  const logs = [received("m1", "m2"), '{"level":"info","msg":"bridge running"}'];
  const said = ledger.explain(
    ["c1", "c3"],
    expected([
      ["c1", "e1"],
      ["c2", "e2"],
      ["c3", "e3"],
    ]),
    logs,
  );
  assert.match(said, /LOST BY THE BRIDGE \(received, no record\): 1, e\.g\. e1 \(source m1\)/);
  assert.match(said, /NEVER REACHED THE BRIDGE \(sent to the queue, never received\): 1, e\.g\. e3 \(source m3\)/);
  assert.deepEqual([...DeliveryLedger.received(logs)].sort(), ["m1", "m2"]);
});

it("through SNS (no source ids) it compares how many SNS accepted with how many the bridge received", () => {
  const ledger = new DeliveryLedger();
  for (const id of ["e1", "e2", "e3"]) ledger.sent(id, undefined);
  const said = ledger.explain(["c2"], expected([["c2", "e2"]]), [received("q1", "q2"), received("q2")]);
  assert.match(said, /bridge received 2 distinct source messages of 3 SNS accepted, so 1 never reached it/);
  assert.equal(ledger.explain([], expected([]), []), "nothing missing");
});
