import assert from "node:assert/strict";
import { test } from "node:test";
import { legacyAad } from "../../../src/crypto/aad.ts";

test("legacyAad is the UTF-8 of tenant, newline, key version, for every pair (cached or not)", () => {
  // More pairs than the cache holds: the ones past the cap are built each time, and equal too.
  for (let round = 0; round < 2; round++) {
    for (let tenant = 0; tenant < 3000; tenant++) {
      for (const version of [1, 2, 2_147_483_647]) {
        const name = `tenant-${tenant}`;
        assert.deepEqual(legacyAad(name, version), Buffer.from(`${name}\n${version}`, "utf8"));
      }
    }
  }
  assert.deepEqual(legacyAad("ténant", 7), Buffer.from("ténant\n7", "utf8"));
  assert.notDeepEqual(legacyAad("tenant-1", 2), legacyAad("tenant-1", 1));
  assert.notDeepEqual(legacyAad("tenant-1", 12), legacyAad("tenant-11", 2));
});
