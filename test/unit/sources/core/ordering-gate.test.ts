import assert from "node:assert/strict";
import { test } from "node:test";
import { OrderingGate } from "../../../../src/sources/core/ordering-gate.ts";

test("one message per key at a time; keys are independent", () => {
  const gate = new OrderingGate<string>();
  assert.equal(gate.admit("k1", "k1-0"), true);
  assert.equal(gate.admit("k1", "k1-1"), false);
  assert.equal(gate.admit("k1", "k1-2"), false);
  assert.equal(gate.admit("k2", "k2-0"), true, "another key is not held up");
  assert.equal(gate.held, 2);
  assert.equal(gate.acked("k1"), "k1-1");
  assert.equal(gate.acked("k1"), "k1-2");
  assert.equal(gate.acked("k1"), undefined);
  assert.equal(gate.held, 0);
  assert.equal(gate.admit("k1", "k1-3"), true, "key free again after its last ack");
  assert.equal(gate.busyKeys, 2);
});

test("a nack hands back every held message of the key and frees it", () => {
  const gate = new OrderingGate<string>();
  gate.admit("k", "0");
  gate.admit("k", "1");
  gate.admit("k", "2");
  gate.admit("other", "x");
  gate.admit("other", "y");
  assert.deepEqual(gate.nacked("k"), ["1", "2"]);
  assert.equal(gate.held, 1);
  assert.equal(gate.admit("k", "0-again"), true);
  assert.deepEqual(gate.takeAllHeld(), ["y"]);
  assert.equal(gate.held, 0);
  assert.equal(gate.acked("other"), undefined);
});
