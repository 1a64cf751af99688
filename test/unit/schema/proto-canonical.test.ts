import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { canonicalLines, canonicalProto, ProtoSyntaxError, tokenizeProto } from "../../../src/schema/proto-canonical.ts";
import { confluentReprintPath, fixtureProtoPath } from "../../fixtures/schema/entries.ts";

const fixture = readFileSync(fixtureProtoPath, "utf8");

describe("canonicalLines", () => {
  it("renders one statement per line, indented by depth, without comments", () => {
    const text = `syntax = "proto3"; // trailing
/* block */ package a.b;
message M { string id = 1; map<string,int32> counts = 2 [deprecated = true]; enum E { E_X = 0; E_Y = -1; } }`;
    assert.deepEqual(canonicalLines(text), [
      'syntax = "proto3";',
      "package a.b;",
      "message M {",
      "  string id = 1;",
      "  map<string, int32> counts = 2 [deprecated = true];",
      "  enum E {",
      "    E_X = 0;",
      "    E_Y = -1;",
      "  }",
      "}",
    ]);
  });

  it("ignores formatting, comments and quote style", () => {
    const reformatted = fixture
      .replace(/\/\/[^\n]*/g, "")
      .replace(/\/\*[\s\S]*?\*\//g, "/* different comment */")
      .replace(/\s+/g, "\n\t ")
      .replace('"proto3"', "'proto3'");
    assert.notEqual(reformatted, fixture);
    assert.equal(canonicalProto(reformatted), canonicalProto(fixture));
  });

  it("keeps every change that alters the schema", () => {
    const base = canonicalProto(fixture);
    const changes: [string, string][] = [
      ["string customer_id = 2;", "string customer_ref = 2;"],
      ["string customer_id = 2;", "string customer_id = 12;"],
      ["int64 total_minor = 4;", "int32 total_minor = 4;"],
      ["package meshbridge.fixture.v1;", "package meshbridge.fixture.v2;"],
    ];
    for (const [from, to] of changes) {
      assert.ok(fixture.includes(from), from);
      assert.notEqual(canonicalProto(fixture.replace(from, to)), base, to);
    }
  });

  it("does not sort by name: reordering top-level messages is a difference", () => {
    const a = "message A { int32 x = 1; }\nmessage B { int32 y = 1; }";
    const b = "message B { int32 y = 1; }\nmessage A { int32 x = 1; }";
    assert.notEqual(canonicalProto(a), canonicalProto(b));
  });

  it("keeps a float exponent inside its literal and escaped quotes inside strings", () => {
    assert.deepEqual(tokenizeProto(`x = 1.5e-3; s = 'it\\'s "q"';`), ["x", "=", "1.5e-3", ";", "s", "=", '"it\'s \\"q\\""', ";"]);
  });

  it("reports broken text", () => {
    assert.throws(() => tokenizeProto("message A { /* never closed"), ProtoSyntaxError);
    assert.throws(() => tokenizeProto('option x = "open'), ProtoSyntaxError);
    assert.throws(() => tokenizeProto("message A { int32 x = 1; } #"), ProtoSyntaxError);
  });
});

describe("canonical form vs Confluent's re-printed schema", () => {
  // Confluent stores ProtobufSchema.canonicalString(): comments gone, enums after messages,
  // oneofs after fields, nested messages before nested enums, enum `reserved` dropped.
  const source = `// header comment
syntax = "proto3";
package demo.v1;

option java_package = 'com.demo';

enum Kind {
  reserved 5;
  KIND_UNSPECIFIED = 0;
  KIND_A = 1 [deprecated = true]; // old
}

/* the event */
message Event {
  string id = 1;
  oneof payload {
    string text = 2;
    bytes blob = 3;
  }
  Kind kind = 4;
  map<string,int64> counts = 5 [json_name = "cnt"];
  enum Level { LEVEL_UNSPECIFIED = 0; }
  message Part { string name = 1; }
  reserved 9, 10 to 12;
  Level level = 6;
  optional string note = 7 [default = "it\\x27s"];
  repeated Part parts = 8;
}
`;
  // Written by following ProtobufSchemaUtils.toString (confluentinc/schema-registry).
  const confluentReprint = `syntax = "proto3";
package demo.v1;

option java_package = "com.demo";

message Event {
  reserved 9, 10 to 12;

  string id = 1;
  Kind kind = 4;
  map<string, int64> counts = 5 [json_name = "cnt"];
  Level level = 6;
  optional string note = 7 [default = "it\\'s"];
  repeated Part parts = 8;

  oneof payload {
    string text = 2;
    bytes blob = 3;
  }

  message Part {
    string name = 1;
  }
  enum Level {
    LEVEL_UNSPECIFIED = 0;
  }
}
enum Kind {
  KIND_UNSPECIFIED = 0;
  KIND_A = 1 [deprecated = true];
}
`;

  it("equals the source's canonical form", () => {
    assert.deepEqual(canonicalLines(confluentReprint), canonicalLines(source));
    assert.deepEqual(canonicalLines(readFileSync(confluentReprintPath, "utf8")), canonicalLines(fixture));
  });

  it("still tells apart a reordering that matters: top-level message order", () => {
    const swapped = "message B { int32 y = 1; }\nmessage A { int32 x = 1; }\nenum E { E_0 = 0; }";
    const original = "message A { int32 x = 1; }\nenum E { E_0 = 0; }\nmessage B { int32 y = 1; }";
    assert.notDeepEqual(canonicalLines(swapped), canonicalLines(original));
    assert.deepEqual(
      canonicalLines("enum E { E_0 = 0; }\nmessage A { int32 x = 1; }\nmessage B { int32 y = 1; }"),
      canonicalLines(original),
    );
  });

  it("treats every spelling of the same string alike", () => {
    assert.equal(canonicalProto(`option x = "A\\x42\\103\\u0044'";`), canonicalProto(`option x = 'ABCD\\'';`));
    assert.notEqual(canonicalProto(`option x = "ABCD";`), canonicalProto(`option x = "ABCE";`));
  });

  it("rejects unbalanced braces and a missing semicolon", () => {
    assert.throws(() => canonicalLines("message A { int32 x = 1;"), ProtoSyntaxError);
    assert.throws(() => canonicalLines("message A { } }"), ProtoSyntaxError);
    assert.throws(() => canonicalLines('syntax = "proto3"'), ProtoSyntaxError);
  });
});
