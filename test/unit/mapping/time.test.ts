import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toRfc3339 } from "../../../src/mapping/time.ts";

const iso = (ms: number): string => new Date(ms).toISOString();
const DAY = 86_400_000;

describe("toRfc3339 writes exactly what Date#toISOString writes", () => {
  test("random instants of 2000..2099", () => {
    const start = Date.UTC(2000, 0, 1);
    const span = Date.UTC(2100, 0, 1) - start;
    for (let i = 0; i < 200_000; i++) {
      const ms = start + Math.floor(Math.random() * span);
      assert.equal(toRfc3339(ms), iso(ms), `ms ${ms}`);
    }
  });

  test("every day of 1970..2101 at its first and last millisecond", () => {
    for (let ms = 0; ms < Date.UTC(2102, 0, 1); ms += DAY) {
      assert.equal(toRfc3339(ms), iso(ms), `ms ${ms}`);
      assert.equal(toRfc3339(ms + DAY - 1), iso(ms + DAY - 1), `ms ${ms + DAY - 1}`);
    }
  });

  test("leap days, year and century boundaries, ms 0 and 999", () => {
    const cases = [
      Date.UTC(2000, 1, 29),
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 2, 1),
      Date.UTC(2024, 1, 29, 12, 0, 0, 0),
      Date.UTC(2096, 1, 29, 0, 0, 0, 999),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2099, 11, 31, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      0,
      1,
      999,
    ];
    for (const ms of cases) assert.equal(toRfc3339(ms), iso(ms), `ms ${ms}`);
  });

  test("outside the fast range (before 1970, after 9999, fractional) it defers to toISOString", () => {
    for (const ms of [-1, -DAY, Date.UTC(1969, 11, 31, 23, 59, 59, 999), Date.UTC(10_000, 0, 1), 1.5, 1_700_000_000_000.25]) {
      assert.equal(toRfc3339(ms), iso(ms), `ms ${ms}`);
    }
    assert.throws(() => toRfc3339(Number.NaN), RangeError);
    assert.throws(() => toRfc3339(8.64e15 + 1), RangeError);
  });

  test("returns independent strings (the scratch buffer is reused)", () => {
    const a = toRfc3339(Date.UTC(2024, 0, 1));
    const b = toRfc3339(Date.UTC(2025, 5, 6, 7, 8, 9, 10));
    assert.equal(a, "2024-01-01T00:00:00.000Z");
    assert.equal(b, "2025-06-06T07:08:09.010Z");
  });
});
