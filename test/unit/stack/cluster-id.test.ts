// The local Kafka's cluster id must never start with '-': `kafka-storage format -t <id>` would
// read it as an option (about one random id in 64 did).
import assert from "node:assert/strict";
import { it } from "node:test";
import { kafkaClusterId } from "../../../infra/stack/services.ts";

it("an id drawn with a leading '-' is drawn again", () => {
  const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
  assert.ok(draws[0]!.toString("base64url").startsWith("-"), "the first draw is one kafka-storage refuses");
  let calls = 0;
  const id = kafkaClusterId(() => draws[calls++]!);
  assert.equal(calls, 2);
  assert.equal(id, draws[1]!.toString("base64url"));
});

it("random ids: 22 base64url characters, none starting with '-'", () => {
  for (let index = 0; index < 5000; index++) {
    const id = kafkaClusterId();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});
