import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, parseConfig } from "../../../src/cli/config.ts";

const minimal = {
  catalog: { module: "/catalog/index.ts" },
  kafka: { bootstrapBrokers: ["127.0.0.1:19092"] },
  registry: { url: "http://127.0.0.1:18081/apis/ccompat/v7" },
  keys: { provider: "static", file: "/keys.json" },
  sources: { sqs: [{ queueUrl: "http://127.0.0.1:15000/123/q" }] },
};

describe("parseConfig", () => {
  it("fills defaults and freezes the result", () => {
    const config = parseConfig(minimal, {});
    assert.equal(config.kafka.deadLetterTopic, "meshbridge.dlq");
    assert.equal(config.sources.sqs[0]!.receivers, 8);
    assert.equal(config.mapping.unknownType, "dead-letter");
    assert.ok(Object.isFrozen(config.kafka));
  });

  it("environment overrides the endpoints", () => {
    const config = parseConfig(minimal, {
      MB_KAFKA_BOOTSTRAP: "a:1,b:2",
      MB_REGISTRY_URL: "http://r",
      MB_AWS_ENDPOINT: "http://aws",
    });
    assert.deepEqual(config.kafka.bootstrapBrokers, ["a:1", "b:2"]);
    assert.equal(config.registry.url, "http://r");
    assert.equal(config.aws.endpoint, "http://aws");
  });

  const invalid: [string, unknown, RegExp][] = [
    [
      "a misspelt key",
      { ...minimal, kafka: { ...minimal.kafka, bootstrapBroker: "x" } },
      /kafka\.bootstrapBroker: unknown setting/,
    ],
    [
      "a receiver count out of range",
      { ...minimal, sources: { sqs: [{ queueUrl: "q", receivers: 0 }] } },
      /sources\.sqs\[0\]\.receivers/,
    ],
    [
      "an unknown key provider",
      { ...minimal, keys: { provider: "vault", file: "x" } },
      /keys\.provider: expected one of static, aws-kms/,
    ],
    ["a policy typo", { ...minimal, mapping: { unknownType: "drop" } }, /mapping\.unknownType/],
    ["no source at all", { ...minimal, sources: {} }, /at least one source/],
    ["a broker without port", { ...minimal, kafka: { bootstrapBrokers: ["localhost"] } }, /kafka\.bootstrapBrokers/],
  ];
  for (const [what, raw, message] of invalid) {
    it(`rejects ${what}, naming the field`, () => {
      assert.throws(
        () => parseConfig(raw, {}),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }
});
