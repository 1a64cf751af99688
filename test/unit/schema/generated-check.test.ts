import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { StaleGeneratedCodeError } from "../../../src/schema/errors.ts";
import { assertGeneratedMatches, outlineFromDescriptor } from "../../../src/schema/generated-check.ts";
import { tokenizeProto } from "../../../src/schema/proto-canonical.ts";
import { fixtureProtoPath } from "../../fixtures/schema/entries.ts";
import { file_meshbridge_fixture_v1_order_placed as file } from "../../fixtures/schema/gen/meshbridge/fixture/v1/order_placed_pb.ts";

const fixture = readFileSync(fixtureProtoPath, "utf8");

describe("assertGeneratedMatches", () => {
  it("accepts the file the code was generated from", () => {
    assert.doesNotThrow(() => assertGeneratedMatches(file, tokenizeProto(fixture), "order_placed.proto"));
  });

  it("sees every field and enum value, map fields included, map entries excluded", () => {
    assert.deepEqual(outlineFromDescriptor(file).numbered, [
      "ORDER_STATUS_PAID=2",
      "ORDER_STATUS_PLACED=1",
      "ORDER_STATUS_UNSPECIFIED=0",
      "attributes=8",
      "card_token=10",
      "currency=5",
      "customer_id=2",
      "invoice_ref=11",
      "items=7",
      "order_id=1",
      "quantity=2",
      "sku=1",
      "status=6",
      "tenant=3",
      "total_minor=4",
      "unit_price_minor=3",
    ]);
  });

  it("names a field that exists only in the edited file", () => {
    const edited = fixture.replace("string currency = 5;", "string currency = 5;\n  string note = 9;");
    assert.throws(
      () => assertGeneratedMatches(file, tokenizeProto(edited), "order_placed.proto"),
      (error: unknown) =>
        error instanceof StaleGeneratedCodeError &&
        error.message.includes("only in the file: note=9") &&
        error.message.includes("order_placed.proto"),
    );
  });

  it("names a renamed field on both sides, a changed package and message order", () => {
    const renamed = fixture.replace("string customer_id = 2;", "string customer_ref = 2;");
    assert.throws(
      () => assertGeneratedMatches(file, tokenizeProto(renamed), "p"),
      /only in the file: customer_ref=2; only in the generated code: customer_id=2/,
    );
    const repackaged = fixture.replace("package meshbridge.fixture.v1;", "package other.v1;");
    assert.throws(() => assertGeneratedMatches(file, tokenizeProto(repackaged), "p"), /package "other.v1" in the file/);
    const reordered = fixture.replace("message OrderPlaced {", "message First { int32 x = 99; }\nmessage OrderPlaced {");
    assert.notEqual(reordered, fixture);
    assert.throws(() => assertGeneratedMatches(file, tokenizeProto(reordered), "p"), /top-level messages \[First, /);
  });
});
