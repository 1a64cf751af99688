// The Pub/Sub start-up probe on a fake subscriber API: a missing subscription and an unreadable
// one are problems naming them; a discovery rule that matches nothing yet is not; calls in
// flight stay within the pull concurrency.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { assertProbesPassed } from "../../../src/sources/probe.ts";
import { probePubSub } from "../../../src/sources/pubsub/probe.ts";
import type { SubscriberApi, SubscriptionInfo } from "../../../src/sources/pubsub/subscriber-api.ts";

const info = (name: string, labels: Record<string, string> = {}): SubscriptionInfo => ({
  name,
  ackDeadlineSeconds: 60,
  labels,
  messageOrdering: false,
  exactlyOnceDelivery: false,
});

function fakeApi(existing: readonly string[], onCall: () => () => void = () => () => {}): SubscriberApi {
  return {
    async getSubscription(path) {
      const done = onCall();
      await sleep(5);
      done();
      if (path.endsWith("/locked")) throw Object.assign(new Error("7 PERMISSION_DENIED: no access"), { code: 7 });
      if (!existing.includes(path)) throw Object.assign(new Error("5 NOT_FOUND: Subscription does not exist"), { code: 5 });
      return path.endsWith("/eod") ? { ...info(path), exactlyOnceDelivery: true } : info(path);
    },
    async listSubscriptions(project) {
      if (project === "elsewhere") throw new Error("Could not load the default credentials.");
      return existing.map((name) => info(name, { team: "a" }));
    },
    pull: async () => [],
    acknowledge: async () => {},
    modifyAckDeadline: async () => {},
    close: async () => {},
  };
}

test("missing and unreadable subscriptions are problems naming them; an empty discovery rule is fine", async () => {
  const results = await probePubSub(fakeApi(["projects/p/subscriptions/a"]), {
    project: "p",
    pullConcurrency: 4,
    subscriptions: ["a", "gone", "locked"],
    discovery: [
      { project: "p", prefix: "tenant-" },
      { project: "elsewhere", label: "team" },
    ],
  });
  assert.deepEqual(results, [
    { subject: "sources.pubsub subscription projects/p/subscriptions/a", detail: "exists" },
    {
      subject: "sources.pubsub subscription projects/p/subscriptions/gone",
      problem: "does not exist; create it or fix sources.pubsub.subscriptions",
    },
    {
      subject: "sources.pubsub subscription projects/p/subscriptions/locked",
      problem: "cannot be read: 7 PERMISSION_DENIED: no access",
    },
    { subject: "sources.pubsub.discovery[0] (project p, prefix tenant-)", detail: "1 subscriptions listed, 0 match" },
    {
      subject: "sources.pubsub.discovery[1] (project elsewhere, label team)",
      problem: "project cannot be read: Could not load the default credentials.",
    },
  ]);
  assert.throws(
    () => assertProbesPassed(results),
    /subscriptions\/gone: does not exist[\s\S]*subscriptions\/locked: cannot be read/,
  );
});

test("no more GetSubscription calls in flight than the pull concurrency", async () => {
  let inFlight = 0;
  let most = 0;
  const ids = Array.from({ length: 40 }, (_, i) => `s${i}`);
  const api = fakeApi(
    ids.map((id) => `projects/p/subscriptions/${id}`),
    () => {
      most = Math.max(most, ++inFlight);
      return () => inFlight--;
    },
  );
  const results = await probePubSub(api, { project: "p", pullConcurrency: 3, subscriptions: ids, discovery: [] });
  assert.equal(results.length, 40);
  assert.ok(results.every((result) => result.problem === undefined));
  assert.equal(most, 3);
});

test("an exactly-once subscription is a problem naming it and the setting", async () => {
  const results = await probePubSub(fakeApi(["projects/p/subscriptions/eod"]), {
    project: "p",
    pullConcurrency: 1,
    subscriptions: ["eod"],
    discovery: [],
  });
  assert.equal(results.length, 1);
  assert.equal(results[0]?.subject, "sources.pubsub subscription projects/p/subscriptions/eod");
  assert.match(
    results[0]?.problem ?? "",
    /projects\/p\/subscriptions\/eod has exactly-once delivery enabled \(enable_exactly_once_delivery\)/,
  );
});
