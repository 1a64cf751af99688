// The dlq commands' pure parts: filters, --since/--until, the default replay group, and the
// inspect summary (grouping, samples without values, escaping).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../../src/cli/command-line.ts";
import { matchesFilter } from "../../../src/cli/commands/dlq.ts";
import { parseTime } from "../../../src/cli/commands/dlq-command.ts";
import { DeadLetterTally, renderSummary, summaryJson } from "../../../src/cli/commands/dlq-inspect.ts";
import { defaultReplayGroup } from "../../../src/cli/commands/dlq-replay.ts";
import { parseConfig } from "../../../src/cli/config.ts";
import type { ReadRecord } from "../../../src/ops/kafka-reader.ts";
import { dlqHeader } from "../../../src/pipeline/records.ts";

const SECRET_BODY = '{"v":1,"tenant":"t1","kver":1,"alg":"A256GCM","eid":"e1","iv":"AAAA","ct":"c2VjcmV0LWNpcGhlcnRleHQ="}';

function deadLetter(offset: number, headers: Record<string, string>, value = SECRET_BODY): ReadRecord {
  return {
    topic: "dlq",
    partition: 0,
    offset: BigInt(offset),
    key: `m-${offset}`,
    value: Buffer.from(value),
    timestamp: BigInt(Date.parse("2026-12-01T10:00:00Z")),
    headers: new Map(Object.entries(headers)),
  } as unknown as ReadRecord;
}

const keyFailure = (offset: number, tenant: string, failedAt = "2026-12-01T10:00:00.000Z") =>
  deadLetter(offset, {
    [dlqHeader.stage]: "key",
    [dlqHeader.errorClass]: "UnknownTenant",
    [dlqHeader.errorMessage]: `no keys for tenant ${tenant}`,
    [dlqHeader.tenant]: tenant,
    [dlqHeader.source]: "sqs:legacy",
    [dlqHeader.sourceMessageId]: `m-${offset}`,
    [dlqHeader.receiveCount]: "1",
    [dlqHeader.failedAt]: failedAt,
    [dlqHeader.bodyKind]: "sqs",
    [`${dlqHeader.attributePrefix}origin`]: "billing",
  });

describe("dlq filters", () => {
  it("select by every header given, and by failure time", () => {
    const record = keyFailure(1, "t1");
    assert.equal(matchesFilter(record, {}), true);
    assert.equal(matchesFilter(record, { tenant: "t1", errorClass: "UnknownTenant", stage: "key", source: "sqs:legacy" }), true);
    assert.equal(matchesFilter(record, { tenant: "t2" }), false);
    assert.equal(matchesFilter(record, { source: "pubsub:legacy" }), false);
    const at = Date.parse("2026-12-01T10:00:00Z");
    assert.equal(matchesFilter(record, { sinceMs: at, untilMs: at + 1 }), true, "since is inclusive");
    assert.equal(matchesFilter(record, { untilMs: at }), false, "until is exclusive");
    assert.equal(matchesFilter(record, { sinceMs: at + 1 }), false);
  });

  it("--since/--until take ISO 8601 or a duration ago, and name a bad value", () => {
    const now = Date.parse("2026-12-02T00:00:00Z");
    assert.equal(parseTime("2h", "since", now), now - 7_200_000);
    assert.equal(parseTime("7d", "since", now), now - 7 * 86_400_000);
    assert.equal(parseTime("2026-12-01T10:00:00Z", "until", now), Date.parse("2026-12-01T10:00:00Z"));
    assert.equal(parseTime(undefined, "since", now), undefined);
    assert.throws(
      () => parseTime("yesterday", "since", now),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /--since: expected an ISO 8601 time .* got yesterday/);
        return true;
      },
    );
  });
});

describe("the default replay group", () => {
  const config = parseConfig(
    {
      catalog: { module: "catalog/index.ts" },
      kafka: { bootstrapBrokers: ["127.0.0.1:9092"], deadLetterTopic: "prod.dlq", clientId: "bridge-eu" },
      registry: { url: "http://127.0.0.1:8081" },
      keys: { provider: "static", file: "keys.json" },
      sources: { sqs: [{ queueUrl: "http://127.0.0.1:9324/000000000000/q" }] },
    },
    {},
  );

  it("is the client id and dead-letter topic, plus a digest of the filters when there are any", () => {
    assert.equal(defaultReplayGroup(config, {}), "bridge-eu.dlq-replay.prod.dlq");
    const tenantA = defaultReplayGroup(config, { tenant: "a" });
    assert.match(tenantA, /^bridge-eu\.dlq-replay\.prod\.dlq\.[0-9a-f]{12}$/);
    assert.equal(defaultReplayGroup(config, { tenant: "a", stage: undefined }), tenantA, "absent filters do not count");
    assert.notEqual(defaultReplayGroup(config, { tenant: "b" }), tenantA);
    assert.equal(
      defaultReplayGroup(config, { errorClass: "X", tenant: "a" }),
      defaultReplayGroup(config, { tenant: "a", errorClass: "X" }),
      "the order of the flags does not matter",
    );
  });
});

describe("dlq inspect summary", () => {
  it("groups by stage, class, tenant, event type and source, with samples that never show the value", () => {
    const tally = new DeadLetterTally("dlq", 1);
    tally.add(keyFailure(0, "t1"), true);
    tally.add(keyFailure(1, "t1", "2026-12-01T11:00:00.000Z"), true);
    tally.add(keyFailure(2, "t2"), true);
    tally.add(keyFailure(3, "t3"), false);
    tally.add(
      deadLetter(4, {
        [dlqHeader.stage]: "map",
        [dlqHeader.errorClass]: "UnknownEventType",
        [dlqHeader.tenant]: "t2",
        [dlqHeader.eventType]: "order_created.v9",
        [dlqHeader.source]: "pubsub:orders\u2028x",
        [dlqHeader.errorMessage]: "no mapper for order_created v9",
      }),
      true,
    );
    const summary = tally.summary();
    assert.equal(summary.read, 5);
    assert.equal(summary.matched, 4);
    assert.deepEqual(summary.by.tenant, { t1: 2, t2: 2 });
    assert.deepEqual(summary.by.eventType, { "-": 3, "order_created.v9": 1 });
    assert.deepEqual(summary.by.stage, { key: 3, map: 1 });
    const [largest] = summary.groups;
    assert.deepEqual(
      { stage: largest!.stage, tenant: largest!.tenant, count: largest!.count, samples: largest!.samples.length },
      { stage: "key", tenant: "t1", count: 2, samples: 1 },
    );
    assert.equal(largest!.firstFailedAt, "2026-12-01T10:00:00.000Z");
    assert.equal(largest!.lastFailedAt, "2026-12-01T11:00:00.000Z");
    const sample = largest!.samples[0]!;
    assert.equal(sample.bodyBytes, Buffer.byteLength(SECRET_BODY));
    assert.equal(sample.headers[`${dlqHeader.attributePrefix}origin`], "billing");
    for (const text of [renderSummary(summary), summaryJson(summary)]) {
      assert.ok(!text.includes("c2VjcmV0"), "no ciphertext");
      assert.ok(!text.includes("\u2028"), "line separators are escaped");
    }
    const json = JSON.parse(summaryJson(summary)) as { version: number; groups: { source: string }[] };
    assert.equal(json.version, 1);
    assert.ok(
      json.groups.some((group) => group.source === "pubsub:orders\u2028x"),
      "JSON keeps the value, escaped",
    );
    assert.match(renderSummary(summary), /^4 dead letters in dlq \(5 records read\)/);
  });
});
