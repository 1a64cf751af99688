// /readyz's conditions: each reason named, several at once, and ready again by itself once the
// cause is gone (registry check passed, Kafka answering, a source recovered).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Readiness } from "../../../src/ops/readiness.ts";
import { SourceMetrics } from "../../../src/ops/source-metrics.ts";
import { ProducerHealth } from "../../../src/sink/producer-health.ts";

function world() {
  let now = 1_000_000;
  const readiness = new Readiness(() => now);
  const sources = new SourceMetrics();
  const kafka = new ProducerHealth();
  kafka.answered(now);
  readiness.watchSources(() => sources.meters());
  readiness.watchKafka({ unreachableForMs: (at) => kafka.unreachableForMs(at), lastError: undefined }, 30_000);
  return {
    readiness,
    sources,
    kafka,
    advance: (ms: number) => {
      now += ms;
      return now;
    },
    now: () => now,
  };
}

describe("Readiness", () => {
  it("is not ready while starting, and says what it is doing", () => {
    const { readiness } = world();
    readiness.starting("connecting to Kafka");
    assert.equal(readiness.ready(), false);
    assert.equal(readiness.reason, "starting: connecting to Kafka");
  });

  it("names a registry check that has not passed, until it passes", () => {
    const { readiness } = world();
    readiness.registryFailed("schema registry http://127.0.0.1:1 unreachable: ECONNREFUSED");
    assert.equal(readiness.reason, "registry check not passed: schema registry http://127.0.0.1:1 unreachable: ECONNREFUSED");
    readiness.registryPassed();
    readiness.running();
    assert.equal(readiness.ready(), true);
    assert.equal(readiness.reason, "");
  });

  it("is not ready once Kafka has not answered for longer than the producer timeout, and ready when it answers", () => {
    const { readiness, kafka, advance, now } = world();
    readiness.registryPassed();
    readiness.running();
    kafka.failed("produce of 10 records failed", now());
    advance(29_000);
    assert.equal(readiness.ready(), true, "within the timeout: a blip, still ready");
    advance(18_000);
    assert.equal(readiness.ready(), false);
    assert.equal(readiness.reason, "kafka unreachable for 47 s (producer timeout 30 s)");
    kafka.answered(now());
    assert.equal(readiness.ready(), true);
  });

  it("is not ready when every source fails, naming them; one recovered source is enough", () => {
    const { readiness, sources } = world();
    readiness.registryPassed();
    readiness.running();
    const a = sources.forSource("sqs:a");
    const b = sources.forSource("sqs:b");
    const c = sources.forSource("pubsub:c");
    a.failing("QueueDoesNotExist");
    b.failing("ECONNREFUSED");
    assert.equal(readiness.ready(), true, "c is still starting");
    c.failing("UNAVAILABLE");
    assert.equal(
      readiness.reason,
      "all 3 sources failing: sqs/a (QueueDoesNotExist), sqs/b (ECONNREFUSED), pubsub/c (UNAVAILABLE)",
    );
    c.removed();
    assert.equal(
      readiness.reason,
      "all 2 sources failing: sqs/a (QueueDoesNotExist), sqs/b (ECONNREFUSED)",
      "removed ones do not count",
    );
    b.subscribed();
    assert.equal(readiness.ready(), true);
  });

  it("names every reason at once, and names at most five sources", () => {
    const { readiness, sources, kafka, advance, now } = world();
    readiness.registryPassed();
    readiness.running();
    for (let i = 0; i < 7; i++) sources.forSource(`sqs:q${i}`).failing("ECONNREFUSED");
    kafka.failed("x", now());
    advance(31_000);
    const reasons = readiness.reasons();
    assert.equal(reasons.length, 2);
    assert.match(reasons[0]!, /^kafka unreachable for 31 s/);
    assert.match(reasons[1]!, /^all 7 sources failing: sqs\/q0 \(ECONNREFUSED\), .*sqs\/q4 \(ECONNREFUSED\) and 2 more$/);
  });

  it("no sources at all is not 'all failing'; stopping is never ready", () => {
    const { readiness } = world();
    readiness.registryPassed();
    readiness.running();
    assert.equal(readiness.ready(), true);
    readiness.stopping();
    assert.equal(readiness.reason, "shutting down");
  });
});
