// Receipts per run of a source server, on made-up logs: a message id handed out again after a
// restart (pstest counts from 1) does not make an earlier, wiped message look received.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { SealedEvent } from "../../../tools/simulator/legacy-stream.ts";
import type { FeedLedger } from "../../faults/support/feeders.ts";
import { lostInRestarts, notYetReceived, receivedCounts } from "../../faults/support/server-runs.ts";

const received = (...ids: string[]): string => JSON.stringify({ msg: "Pub/Sub received", messageIds: ids.join(",") });

function ledger(accepted: Record<string, string | undefined>, offered: string[]): FeedLedger {
  return {
    accepted: new Map(Object.entries(accepted)),
    ordered: new Map(),
    offered: offered.map((eventId) => ({ eventId }) as SealedEvent),
    failedCalls: 0,
  };
}

it("counts every receipt of every id, SQS and Pub/Sub lines alike", () => {
  const counts = receivedCounts([
    received("1", "2"),
    JSON.stringify({ msg: "SQS received", messageIds: "a" }),
    received("1"),
    "{}",
  ]);
  assert.deepEqual(
    [...counts],
    [
      ["1", 2],
      ["2", 1],
      ["a", 1],
    ],
  );
});

it("an id reused after a restart does not hide the wiped message that first had it", () => {
  // e1, e2 accepted by the first run as ids 1, 2; only 1 received before the kill. e3 offered
  // while down (refused); e4, e5 accepted by the second run as ids 1, 2 again; both received.
  const feed = ledger({ e1: "1", e2: "2", e4: "1", e5: "2" }, ["e1", "e2", "e3", "e4", "e5"]);
  const logs = [received("1"), "kill here", received("1", "2")];
  const restarts = [{ killOffered: 2, killLog: 1, readyOffered: 3 }];
  assert.deepEqual([...lostInRestarts(feed, restarts, logs)], ["e2"]);
  assert.equal(notYetReceived(feed, restarts, logs), 0);
  assert.equal(notYetReceived(feed, restarts, logs.slice(0, 2)), 2, "e4 and e5 not received in the second run yet");
});

it("accepted while the server was being made again and never delivered: lost in the restart", () => {
  const feed = ledger({ e1: "1", e2: "2", e3: "3" }, ["e1", "e2", "e3"]);
  // e2 accepted during recreation (a topic without its subscription yet), never delivered.
  const restarts = [{ killOffered: 1, killLog: 1, readyOffered: 2 }];
  const logs = [received("1"), received("3")];
  assert.deepEqual([...lostInRestarts(feed, restarts, logs)], ["e2"]);
  assert.equal(notYetReceived(feed, restarts, logs), 0);
});

it("without a restart nothing is lost in one", () => {
  const feed = ledger({ e1: "1" }, ["e1"]);
  assert.deepEqual([...lostInRestarts(feed, [], [])], []);
  assert.equal(notYetReceived(feed, [], []), 1);
});
