import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseConfig } from "../../../src/cli/config.ts";
import { matchesRule } from "../../../src/sources/pubsub/discovery.ts";

const base = {
  catalog: { module: "/catalog/index.ts" },
  kafka: { bootstrapBrokers: ["localhost:9092"] },
  registry: { url: "http://localhost:8081" },
  keys: { provider: "static", file: "keys.json" },
};

test("sources.pubsub alone is a valid source, with defaults and the discovery project defaulted", () => {
  const config = parseConfig(
    { ...base, sources: { pubsub: { project: "p", subscriptions: ["a"], discovery: [{ prefix: "legacy-" }] } } },
    {},
  );
  const pubsub = config.sources.pubsub;
  assert.ok(pubsub);
  assert.deepEqual(pubsub.subscriptions, ["a"]);
  assert.deepEqual(pubsub.discovery, [{ project: "p", prefix: "legacy-", label: undefined }]);
  assert.equal(pubsub.discoveryIntervalMs, 30_000);
  assert.equal(pubsub.pullConcurrency, 16);
  assert.equal(pubsub.maxInFlightPerSubscription, 500);
  assert.deepEqual(config.sources.sqs, []);
});

test("sources.pubsub errors name the field", () => {
  const bad = (pubsub: unknown) => () => parseConfig({ ...base, sources: { pubsub } }, {});
  assert.throws(
    bad({ subscriptions: ["a"] }),
    (e: unknown) => e instanceof ConfigError && /sources\.pubsub\.project/.test(e.message),
  );
  assert.throws(bad({ project: "p" }), /give subscriptions and\/or discovery rules/);
  assert.throws(bad({ project: "p", discovery: [{}] }), /sources\.pubsub\.discovery\[0\]: give a prefix and\/or a label/);
  assert.throws(bad({ project: "p", subscriptions: ["a"], pullConcurrency: 500 }), /pullConcurrency/);
  assert.throws(() => parseConfig({ ...base, sources: {} }, {}), /at least one source/);
});

test("discovery rules: prefix and label (key or key=value) must all hold", () => {
  const info = {
    name: "projects/p/subscriptions/legacy-t1",
    ackDeadlineSeconds: 10,
    labels: { world: "w1" },
    messageOrdering: false,
    exactlyOnceDelivery: false,
  };
  assert.equal(matchesRule(info, { project: "p", prefix: "legacy-" }), true);
  assert.equal(matchesRule(info, { project: "p", prefix: "other-" }), false);
  assert.equal(matchesRule(info, { project: "p", label: "world" }), true);
  assert.equal(matchesRule(info, { project: "p", label: "world=w1" }), true);
  assert.equal(matchesRule(info, { project: "p", label: "world=w2" }), false);
  assert.equal(matchesRule(info, { project: "p", prefix: "legacy-", label: "team" }), false);
});
