import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseRfc3339, toRfc3339 } from "../../../src/mapping/time.ts";

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

describe("parseRfc3339 gives exactly what Date.parse gives", () => {
  const MIN = Date.UTC(2000, 0, 1);
  const MAX = Date.UTC(2100, 0, 1);
  /** What parseRfc3339 did with Date.parse: the instant, or "error" (not a date, or outside 2000..2100). */
  const expected = (text: string): number | "error" => {
    const ms = Date.parse(text);
    return Number.isNaN(ms) || ms < MIN || ms >= MAX ? "error" : ms;
  };
  const actual = (text: string): number | "error" => {
    try {
      return parseRfc3339(text, "at");
    } catch {
      return "error";
    }
  };
  const pad = (value: number, width: number): string => String(value).padStart(width, "0");
  const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;
  const upTo = (max: number): number => Math.floor(Math.random() * (max + 1));

  test("random timestamps, components in and out of range, every fraction length and zone form", () => {
    for (let i = 0; i < 100_000; i++) {
      const year = pick([upTo(9999), 1999 + upTo(102), 2000 + upTo(99)]);
      const month = pick([upTo(13), 1 + upTo(11)]);
      const day = pick([upTo(32), 1 + upTo(27), 28 + upTo(3)]);
      const hour = pick([upTo(24), upTo(23)]);
      const minute = pick([upTo(59), 59, 60]);
      const second = pick([upTo(59), 59, 60]);
      const fraction = pick([
        "",
        `.${pad(upTo(9), 1)}`,
        `.${pad(upTo(99), 2)}`,
        `.${pad(upTo(999), 3)}`,
        `.${pad(upTo(999_999), 6)}`,
        ".123456789",
      ]);
      const zone = pick([
        "Z",
        "z",
        `+${pad(upTo(24), 2)}:${pad(upTo(60), 2)}`,
        `-${pad(upTo(23), 2)}:${pad(upTo(59), 2)}`,
        "+00:00",
      ]);
      const t = pick(["T", "t"]);
      const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${t}${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}${zone}`;
      assert.equal(actual(text), expected(text), text);
    }
  });

  test("the edges: leap days, 24:00, second 60, day 0 and 32, offsets at their limits", () => {
    for (const text of [
      "2024-02-29T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2100-02-29T00:00:00Z",
      "2000-02-29T12:00:00+01:00",
      "2023-04-31T00:00:00Z",
      "2023-11-14T24:00:00Z",
      "2023-11-14T23:59:60Z",
      "2023-11-00T00:00:00Z",
      "2023-11-32T00:00:00Z",
      "2023-11-14T22:13:20-23:59",
      "2023-11-14T22:13:20+24:00",
      "2000-01-01T00:00:00.000+00:01",
      "2099-12-31T23:59:59.999Z",
      "2099-12-31T23:59:59.999-00:01",
    ]) {
      assert.equal(actual(text), expected(text), text);
    }
  });
});
