// Property-based hostile input for the three stages that read untrusted bytes: the envelope
// readers (SQS raw and SNS notification text, Pub/Sub bytes), decrypt and parse. For every
// generated input the stage either decodes it or throws a PermanentError whose class is in the
// registry (permanent, raised at that stage) and whose message is one line; nothing else escapes.
// Afterwards Object.prototype is unchanged (no prototype pollution through `__proto__` keys).
// Seeds are random each run; fast-check prints the seed and the shrunk input on failure.
import assert from "node:assert/strict";
import { createSecretKey, randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { openLegacyEnvelope } from "../../../src/crypto/decrypt.ts";
import type { LegacyEnvelope } from "../../../src/envelope/legacy-envelope.ts";
import { parseLegacyEnvelope } from "../../../src/envelope/legacy-envelope.ts";
import { readEnvelope } from "../../../src/envelope/read.ts";
import { parseLegacyEvent } from "../../../src/mapping/parse.ts";
import { type ErrorClassName, errorClasses, type Stage } from "../../../src/pipeline/error-classes.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";
import { pubsubEnvelopeReader } from "../../../src/sources/pubsub/envelope-reader.ts";
import type { EnvelopeReader, SourceMessage } from "../../../src/sources/source.ts";
import { sqsEnvelopeReader } from "../../../src/sources/sqs/envelope-reader.ts";
import { sealLegacyEnvelope } from "../../../tools/legacy-crypto/seal.ts";

const RUNS = 10_000;
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();

after(() => {
  // Every generated input has gone through; nothing may have reached Object.prototype.
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeNames);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
});

const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;

type Outcome = "decoded" | ErrorClassName;

/** Runs one stage on one input: decoded, or the registry class of the PermanentError it threw. */
function classify(stages: readonly Stage[], run: () => unknown): Outcome {
  try {
    run();
    return "decoded";
  } catch (error) {
    if (!(error instanceof PermanentError)) throw new assert.AssertionError({ message: `not a PermanentError: ${error}` });
    const name: string = error.errorClass;
    assert.ok(Object.hasOwn(errorClasses, name), `class ${name} is not in the registry`);
    const spec: { kind: string } = errorClasses[name as ErrorClassName];
    assert.equal(spec.kind, "permanent", `${name} is not permanent`);
    assert.ok(stages.includes(error.stage), `${name} raised at stage ${error.stage}`);
    assert.ok(!LINE_BREAK.test(error.message), `${name}: message has a raw line break`);
    return name as ErrorClassName;
  }
}

function message(reader: EnvelopeReader, body: string | Buffer, attributes: Record<string, string>): SourceMessage {
  return { id: "m", source: "s", reader, body, attributes, receiveCount: 1, publishedAtMs: 0, ack() {}, nack() {} };
}

const key = createSecretKey(randomBytes(32));
const otherKey = createSecretKey(randomBytes(32));
const PLAINTEXT = Buffer.from('{"event_type":"system_ping","event_version":1,"event_id":"p-1"}');
const sealed = JSON.parse(sealLegacyEnvelope(PLAINTEXT, "tenant-a", 2, "p-1", key)) as Record<string, unknown>;

const hostileKey = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "Type");
/** Any code point, with line breaks, ESC, NUL and a lone surrogate much likelier than by chance. */
const anyText = fc.string({
  unit: fc.oneof(
    fc.constantFrom("\r", "\n", "\u0085", "\u2028", "\u2029", "\u001b", "\u0000", "\ud800", "t"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 64,
});
const base64ish = fc.string({ unit: fc.constantFrom(..."ABCDabcd0189+/=-_ \n\u0000é"), maxLength: 48 });
/** Any JSON value, hostile keys included; nested at most a few levels so runs stay fast. */
const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 31, Number.MAX_SAFE_INTEGER + 2),
    anyText,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileKey, anyText), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** A real envelope with some fields replaced, dropped or added (hostile keys, non-base64 iv/ct). */
const mutatedEnvelope = fc
  .record({
    replace: fc.dictionary(
      fc.constantFrom("v", "tenant", "kver", "alg", "eid", "iv", "ct", "__proto__", "polluted"),
      fc.oneof(jsonValue, base64ish),
      { maxKeys: 3 },
    ),
    drop: fc.subarray(["v", "tenant", "kver", "alg", "eid", "iv", "ct"], { maxLength: 2 }),
  })
  .map(({ replace, drop }) => {
    const envelope: Record<string, unknown> = { ...sealed };
    for (const name of drop) delete envelope[name];
    let text = JSON.stringify({ ...envelope, ...replace });
    // A "__proto__" key written in JSON text is an own property to JSON.parse: the nastier case.
    if (Object.hasOwn(replace, "__proto__")) text = text.replace(/^\{/, '{"__proto__":{"polluted":"yes"},');
    return text;
  });

/** An SQS body: the envelope text raw, inside an SNS notification (maybe hostile), or truncated. */
const sqsBody = fc
  .record({
    envelope: fc.oneof(mutatedEnvelope, anyText),
    wrap: fc.constantFrom("raw", "sns", "sns-hostile", "truncated"),
    extra: fc.dictionary(fc.oneof(hostileKey, fc.constantFrom("Message", "MessageId", "TopicArn")), jsonValue, {
      maxKeys: 3,
    }),
    attributes: fc.oneof(fc.constant(undefined), jsonValue),
    cut: fc.nat(),
  })
  .map(({ envelope, wrap, extra, attributes, cut }) => {
    if (wrap === "raw") return envelope;
    const notification: Record<string, unknown> = {
      Type: "Notification",
      MessageId: "sns-1",
      TopicArn: "arn:aws:sns:eu-central-1:1:t",
      Message: envelope,
      ...(attributes === undefined ? {} : { MessageAttributes: attributes }),
      ...(wrap === "sns-hostile" ? extra : {}),
    };
    const text = JSON.stringify(notification);
    return wrap === "truncated" ? text.slice(0, cut % text.length) : text;
  });

const attributes = fc.dictionary(
  fc.oneof(fc.constantFrom("traceparent", "googclient_traceparent", "__proto__"), anyText),
  fc.oneof(anyText, fc.constant("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")),
  { maxKeys: 3 },
);

describe("hostile input, property-based", () => {
  it(`SQS envelope reader: ${RUNS} bodies (raw, SNS, truncated, junk) are decoded or classified`, () => {
    const seen = new Set<Outcome>();
    fc.assert(
      fc.property(sqsBody, attributes, (body, attrs) => {
        seen.add(
          classify(["envelope"], () => {
            const read = readEnvelope(message(sqsEnvelopeReader, body, attrs));
            // A traceparent is either absent or W3C-shaped, never arbitrary text.
            if (read.traceparent !== undefined) assert.match(read.traceparent, /^[0-9a-f]{2}(-[0-9a-f]+){3}$/);
          }),
        );
      }),
      { numRuns: RUNS },
    );
    // The generators reach both outcomes (a test whose inputs all fail the same way proves little).
    assert.ok(seen.has("decoded") && seen.has("MalformedEnvelope"), [...seen].join(", "));
  });

  it(`Pub/Sub envelope reader: ${RUNS} data payloads (envelopes, random bytes) are decoded or classified`, () => {
    const data = fc.oneof(
      mutatedEnvelope.map((text) => Buffer.from(text)),
      fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    );
    const seen = new Set<Outcome>();
    fc.assert(
      fc.property(data, attributes, (body, attrs) => {
        seen.add(classify(["envelope"], () => readEnvelope(message(pubsubEnvelopeReader, body, attrs))));
      }),
      { numRuns: RUNS },
    );
    assert.ok(seen.has("decoded") && seen.has("MalformedEnvelope"), [...seen].join(", "));
  });

  it(`decrypt: ${RUNS} envelopes with flipped bits, other tenants, versions or keys all fail authentication`, () => {
    const genuine = parseLegacyEnvelope(JSON.stringify(sealed));
    const mutation = fc.record({
      field: fc.constantFrom("iv", "ciphertext", "tag", "tenant", "keyVersion", "key", "none"),
      bit: fc.nat(),
      tenant: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
      keyVersion: fc.integer({ min: 1, max: 0x7fffffff }),
    });
    const flip = (bytes: Buffer, bit: number): Buffer => {
      const copy = Buffer.from(bytes);
      if (copy.length > 0) copy[(bit >> 3) % copy.length]! ^= 1 << (bit & 7);
      return copy;
    };
    let authenticated = 0;
    fc.assert(
      fc.property(mutation, ({ field, bit, tenant, keyVersion }) => {
        const envelope: LegacyEnvelope = {
          ...genuine,
          iv: field === "iv" ? flip(genuine.iv, bit) : genuine.iv,
          ciphertext: field === "ciphertext" ? flip(genuine.ciphertext, bit) : genuine.ciphertext,
          tag: field === "tag" ? flip(genuine.tag, bit) : genuine.tag,
          tenant: field === "tenant" ? tenant : genuine.tenant,
          keyVersion: field === "keyVersion" ? keyVersion : genuine.keyVersion,
        };
        const unchanged =
          field === "none" ||
          (field === "tenant" && tenant === genuine.tenant) ||
          (field === "keyVersion" && keyVersion === genuine.keyVersion);
        let plaintext: Buffer | undefined;
        const outcome = classify(["decrypt"], () => {
          plaintext = openLegacyEnvelope(envelope, field === "key" ? otherKey : key);
        });
        if (unchanged) {
          assert.equal(outcome, "decoded");
          assert.deepEqual(plaintext, PLAINTEXT);
          authenticated++;
        } else {
          assert.equal(outcome, "AuthenticationFailed", `${field} changed, yet it authenticated`);
        }
      }),
      { numRuns: RUNS },
    );
    assert.ok(authenticated > 0, "no genuine envelope was generated");
  });

  it(`parse: ${RUNS} payloads (JSON, non-JSON bytes, deep nesting, __proto__ keys) are decoded or classified`, () => {
    const event = fc
      .record({
        event_type: fc.oneof(fc.constantFrom("order_created", "system_ping"), jsonValue),
        event_version: fc.oneof(fc.constantFrom(1, 2), jsonValue),
        event_id: fc.oneof(fc.constantFrom("e-1"), jsonValue),
        rest: fc.dictionary(fc.oneof(hostileKey, anyText), jsonValue, { maxKeys: 4 }),
      })
      .map(({ rest, ...fields }) => {
        const text = JSON.stringify({ ...rest, ...fields });
        // As JSON text, "__proto__" / "constructor" keys are own properties after JSON.parse.
        return Buffer.from(text.replace(/^\{/, '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},'));
      });
    const nesting = fc
      .record({ depth: fc.integer({ min: 1, max: 20_000 }), open: fc.constantFrom("[", '{"a":') })
      .map(({ depth, open }) => Buffer.from(open.repeat(depth)));
    const payload = fc.oneof(
      { weight: 4, arbitrary: event },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 128 }).map((bytes) => Buffer.from(bytes)) },
      { weight: 1, arbitrary: jsonValue.map((value) => Buffer.from(JSON.stringify(value) ?? "")) },
      { weight: 1, arbitrary: nesting },
    );
    const seen = new Set<Outcome>();
    fc.assert(
      fc.property(payload, (plaintext) => {
        seen.add(
          classify(["parse"], () => {
            const parsed = parseLegacyEvent(plaintext, "tenant-a");
            assert.equal(typeof parsed.type, "string");
          }),
        );
      }),
      { numRuns: RUNS },
    );
    assert.ok(seen.has("decoded") && seen.has("MalformedJson") && seen.has("MalformedLegacyEvent"), [...seen].join(", "));
  });
});

describe("the largest bodies the sources allow", () => {
  const PUBSUB_MAX = 10_000_000; // Pub/Sub: 10 MB per message
  const SQS_MAX = 1024 * 1024; // SQS: 1 MiB per message

  it("a 10 MB Pub/Sub body: junk is MalformedEnvelope (named by size, not content); an envelope opens", () => {
    const junk = Buffer.alloc(PUBSUB_MAX, "{");
    assert.equal(
      classify(["envelope"], () => readEnvelope(message(pubsubEnvelopeReader, junk, {}))),
      "MalformedEnvelope",
    );
    // 7.4 MB of plaintext: its envelope is just under 10 MB.
    const plaintext = Buffer.from(JSON.stringify({ event_type: "x", pad: "p".repeat(7_400_000) }));
    const body = Buffer.from(sealLegacyEnvelope(plaintext, "tenant-a", 2, "big", key));
    assert.ok(body.length > 9_800_000 && body.length <= PUBSUB_MAX, String(body.length));
    const read = readEnvelope(message(pubsubEnvelopeReader, body, {}));
    assert.ok(openLegacyEnvelope(read.envelope, key).equals(plaintext));
  });

  it("a 1 MiB SQS body inside an SNS notification is read; 1 MiB of junk is MalformedEnvelope", () => {
    const plaintext = Buffer.from(JSON.stringify({ event_type: "x", pad: "p".repeat(770_000) }));
    const sealedText = sealLegacyEnvelope(plaintext, "tenant-a", 2, "big", key);
    const body = JSON.stringify({ Type: "Notification", MessageId: "m", Message: sealedText });
    assert.ok(body.length > 1_000_000 && body.length <= SQS_MAX, String(body.length));
    const read = readEnvelope(message(sqsEnvelopeReader, body, {}));
    assert.ok(openLegacyEnvelope(read.envelope, key).equals(plaintext));
    const junk = `{"Type":"Notification","Message":${"[".repeat(SQS_MAX - 40)}`;
    assert.equal(
      classify(["envelope"], () => readEnvelope(message(sqsEnvelopeReader, junk, {}))),
      "MalformedEnvelope",
    );
  });
});
