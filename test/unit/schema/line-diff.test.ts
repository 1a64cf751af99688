import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffLines } from "../../../src/schema/line-diff.ts";

describe("diffLines", () => {
  it("is empty for equal input", () => {
    assert.deepEqual(diffLines(["a", "b"], ["a", "b"]), []);
  });

  it("shows a replaced line as - then +, with one line of context", () => {
    assert.deepEqual(diffLines(["a", "b", "c", "d", "e"], ["a", "b", "X", "d", "e"]), ["  b", "- c", "+ X", "  d"]);
  });

  it("shows additions and removals", () => {
    assert.deepEqual(diffLines(["a", "b"], ["a", "b", "c"]), ["  b", "+ c"]);
    assert.deepEqual(diffLines(["a", "b", "c"], ["a", "c"]), ["  a", "- b", "  c"]);
  });

  it("marks skipped unchanged lines between changes", () => {
    const before = ["1", "2", "3", "4", "5", "6", "7"];
    const after = ["X", "2", "3", "4", "5", "6", "Y"];
    assert.deepEqual(diffLines(before, after), ["- 1", "+ X", "  2", "  …", "  6", "- 7", "+ Y"]);
  });

  it("caps the output", () => {
    const before = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const after = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const out = diffLines(before, after, { maxLines: 4 });
    assert.equal(out.length, 5);
    assert.equal(out[4], "  … 96 more lines");
  });
});
