// ProducerHealth: unreachable from the first unanswered request after the last answer, connected
// again on the next answer, and a late failure report older than an answer ignored.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProducerHealth } from "../../../src/sink/producer-health.ts";

test("unreachable since the first failure after the last answer; connected again on an answer", () => {
  const health = new ProducerHealth();
  health.answered(1000);
  assert.equal(health.state, "connected");
  health.failed("produce of 3 records failed", 2000);
  health.failed("produce of 3 records failed", 5000);
  assert.equal(health.state, "unreachable");
  assert.equal(health.unreachableForMs(9000), 7000, "counted from the first failure");
  assert.equal(health.lastError, "produce of 3 records failed");
  health.answered(9500);
  assert.equal(health.state, "connected");
  assert.equal(health.unreachableForMs(10_000), 0);
  assert.equal(health.lastError, undefined);
});

test("a probe that began before the last answer cannot mark Kafka unreachable", () => {
  const health = new ProducerHealth();
  health.answered(5000);
  health.failed("no answer to a metadata request within 5000 ms", 4000);
  assert.equal(health.state, "connected");
});
