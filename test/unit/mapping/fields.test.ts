import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decimalToMinor, requireCountry, requireCurrency } from "../../../catalog/mappers/common.ts";
import {
  flag,
  optionalArray,
  optionalInteger,
  optionalObject,
  optionalString,
  requireArray,
  requireInteger,
  requireObject,
  requireString,
} from "../../../src/mapping/fields.ts";
import { LegacyDataError } from "../../../src/mapping/legacy-data-error.ts";
import { parseEpochMillis, parseRfc3339, requireInstant, toRfc3339 } from "../../../src/mapping/time.ts";

const SECRET = "SECRET-VALUE";

function dataError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof LegacyDataError);
    assert.match(error.message, message);
    assert.ok(!error.message.includes(SECRET), "never quotes the value");
    return true;
  });
}

describe("field readers", () => {
  const o = {
    s: "x",
    e: "",
    n: 3,
    ns: "-12",
    np: "+7",
    f: 1.5,
    big: "1234567890123456",
    obj: { a: 1 },
    arr: [1],
    nul: null,
    secret: SECRET,
  };

  test("strings", () => {
    assert.equal(requireString(o, "s", "root"), "x");
    dataError(() => requireString(o, "e", "root"), /^root\.e must be a non-empty string \(got string\)$/);
    dataError(() => requireString(o, "missing", ""), /^missing must be a non-empty string \(missing\)$/);
    dataError(() => requireString(o, "n", "a.b[]"), /^a\.b\[\]\.n .*\(got number\)$/);
    assert.equal(optionalString(o, "e", ""), undefined);
    assert.equal(optionalString(o, "nul", ""), undefined);
    assert.equal(optionalString(o, "missing", ""), undefined);
    dataError(() => optionalString(o, "obj", ""), /got object/);
  });

  test("integers accept numbers and integer strings", () => {
    assert.equal(requireInteger(o, "n", ""), 3);
    assert.equal(requireInteger(o, "ns", ""), -12);
    assert.equal(requireInteger(o, "np", ""), 7);
    dataError(() => requireInteger(o, "f", ""), /must be an integer/);
    dataError(() => requireInteger(o, "big", ""), /must be an integer/);
    dataError(() => requireInteger(o, "secret", ""), /^secret must be an integer or an integer string \(got string\)$/);
    assert.equal(optionalInteger(o, "e", ""), undefined);
    assert.equal(optionalInteger(o, "ns", ""), -12);
  });

  test("objects and arrays", () => {
    assert.deepEqual(requireObject(o, "obj", ""), { a: 1 });
    dataError(() => requireObject(o, "arr", "x"), /^x\.arr must be an object \(got array\)$/);
    dataError(() => requireObject(o, "nul", ""), /got null/);
    assert.equal(optionalObject(o, "nul", ""), undefined);
    assert.deepEqual(requireArray(o, "arr", ""), [1]);
    dataError(() => requireArray(o, "obj", ""), /must be an array \(got object\)/);
    assert.deepEqual(optionalArray(o, "missing", ""), []);
  });

  test("flags in every legacy spelling", () => {
    for (const yes of [true, 1, "Y", "y", "1", "true"]) assert.equal(flag({ v: yes }, "v", "", false), true);
    for (const no of [false, 0, "N", "n", "0", "false"]) assert.equal(flag({ v: no }, "v", "", true), false);
    assert.equal(flag({}, "v", "", true), true);
    dataError(() => flag({ v: SECRET }, "v", "", false), /^v must be a flag/);
  });
});

describe("time", () => {
  test("RFC 3339 with offsets and fractions → UTC", () => {
    assert.equal(toRfc3339(parseRfc3339("2024-03-14T11:00:00+01:00", "t")), "2024-03-14T10:00:00.000Z");
    assert.equal(toRfc3339(parseRfc3339("2024-03-14T10:00:00.5Z", "t")), "2024-03-14T10:00:00.500Z");
    assert.equal(toRfc3339(parseRfc3339("2024-03-14T10:00:00.123456Z", "t")), "2024-03-14T10:00:00.123Z");
  });

  test("rejects zoneless, malformed and implausible timestamps", () => {
    dataError(() => parseRfc3339("2024-03-14 10:00:00", "a.t"), /^a\.t must be an RFC 3339 timestamp with a zone$/);
    dataError(() => parseRfc3339("2024-03-14T10:00:00", "t"), /RFC 3339/);
    dataError(() => parseRfc3339("2024-13-45T10:00:00Z", "t"), /RFC 3339/);
    dataError(() => parseRfc3339("1970-01-01T00:00:00Z", "t"), /outside 2000\.\.2100/);
  });

  test("epoch millis as number or string; seconds are rejected", () => {
    assert.equal(parseEpochMillis(1700000000000, "t"), 1700000000000);
    assert.equal(parseEpochMillis("1700000000000", "t"), 1700000000000);
    dataError(() => parseEpochMillis(1700000000, "t"), /outside 2000\.\.2100/);
    dataError(() => parseEpochMillis("17e11", "t"), /must be epoch milliseconds \(got string\)/);
    dataError(() => parseEpochMillis(undefined, "t"), /got undefined/);
  });

  test("requireInstant prefers millis, falls back to text", () => {
    assert.equal(requireInstant({ ms: 1700000000000, at: "2030-01-01T00:00:00Z" }, "ms", "at", ""), 1700000000000);
    assert.equal(requireInstant({ ms: null, at: "2023-11-14T22:13:20Z" }, "ms", "at", ""), 1700000000000);
    dataError(() => requireInstant({}, "ms", "at", "x"), /^x\.ms or x\.at is required \(missing\)$/);
    dataError(() => requireInstant({ at: 5 }, "ms", "at", ""), /^at must be an RFC 3339 string \(got number\)$/);
  });
});

describe("money and codes", () => {
  const minor = (text: string, currency: string): bigint => decimalToMinor({ v: text }, "v", "p", currency);

  test("decimal major units → minor units by currency exponent", () => {
    assert.equal(minor("19.99", "EUR"), 1999n);
    assert.equal(minor("5.5", "EUR"), 550n);
    assert.equal(minor("40", "EUR"), 4000n);
    assert.equal(minor("0.07", "USD"), 7n);
    assert.equal(minor("-3.10", "EUR"), -310n);
    assert.equal(minor("1200", "JPY"), 1200n);
    assert.equal(minor("1.234", "KWD"), 1234n);
    assert.equal(minor("19.990", "EUR"), 1999n);
    assert.equal(minor("999999999999.99", "EUR"), 99999999999999n);
  });

  test("rejects bad amounts without quoting them", () => {
    dataError(() => minor("19,99", "EUR"), /^p\.v must be a decimal amount like "19\.99"$/);
    dataError(() => minor("1.5", "JPY"), /more decimals than JPY allows \(0\)/);
    dataError(() => minor("19.999", "EUR"), /more decimals than EUR allows \(2\)/);
    dataError(() => minor("1e3", "EUR"), /decimal amount/);
    dataError(() => decimalToMinor({ v: 12 }, "v", "", "EUR"), /must be a non-empty string \(got number\)/);
  });

  test("currency and country codes are upper-cased and validated", () => {
    assert.equal(requireCurrency({ c: "eur" }, "c", ""), "EUR");
    dataError(() => requireCurrency({ c: "EURO" }, "c", "x"), /^x\.c must be a three-letter currency code \(got string\)$/);
    assert.equal(requireCountry({ c: "de" }, "c", ""), "DE");
    dataError(() => requireCountry({ c: 49 }, "c", ""), /got number/);
  });
});
