import assert from "node:assert/strict";
import { test } from "node:test";
import { CLOUD_EVENT_ID_NAMESPACE, cloudEventId, uuidV5 } from "../../../src/mapping/identity.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("uuidV5 matches the RFC 9562 test vector (DNS namespace, www.example.com)", () => {
  const dns = Buffer.from("6ba7b8109dad11d180b400c04fd430c8", "hex");
  assert.equal(uuidV5(dns, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
});

test("cloudEventId is a deterministic UUIDv5 of tenant, legacy id and output index", () => {
  const id = cloudEventId("acme", "evt-1", 0);
  assert.match(id, uuidPattern);
  assert.equal(cloudEventId("acme", "evt-1", 0), id);
  const ns = Buffer.from(CLOUD_EVENT_ID_NAMESPACE.replaceAll("-", ""), "hex");
  assert.equal(id, uuidV5(ns, "acme\u0000evt-1\u00000"));
  // Pinned (cross-checked with Python uuid.uuid5): changing the namespace or the name layout would change every ce_id downstream.
  assert.equal(id, "64ef57e6-a5db-58de-98d8-24e957bb0ae3");
});

test("cloudEventId differs by tenant, legacy id and index, and is unambiguous", () => {
  const ids = new Set([
    cloudEventId("acme", "evt-1", 0),
    cloudEventId("acme", "evt-1", 1),
    cloudEventId("acme", "evt-2", 0),
    cloudEventId("globex", "evt-1", 0),
    cloudEventId("acme", "evt-10", 0),
    cloudEventId("acme", "evt-1\u00000", 0),
    cloudEventId("ac", "me\u0000evt-1", 0),
  ]);
  assert.equal(ids.size, 7);
});

test("cloudEventId handles non-ASCII ids", () => {
  assert.match(cloudEventId("ténant", "événement-✓", 3), uuidPattern);
});

test("cloudEventId equals uuidV5 of the documented name, ASCII or not, short or long", () => {
  const ns = Buffer.from(CLOUD_EVENT_ID_NAMESPACE.replaceAll("-", ""), "hex");
  const alphabet = ["a", "Z", "0", "-", "\u0000", "\u007f", "\u0080", "é", "€", "😀", "\ud800"];
  const randomText = (length: number): string =>
    Array.from({ length }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
  const cases: [string, string, number][] = [
    ["tenant-0001", "evt-1", 0],
    ["tenant-0001", "é", 1],
    ["é", "evt-1", 2],
    ["tenant-0001", "evt-1", 12345],
    ["tenant-0001", "x".repeat(5000), 0], // beyond the initial scratch buffer
    ["tenant-0001", "€".repeat(2000), 1],
  ];
  for (let i = 0; i < 2000; i++) cases.push([randomText(1 + (i % 13)), randomText(i % 40), i % 4]);
  for (const [tenant, id, index] of cases) {
    assert.equal(cloudEventId(tenant, id, index), uuidV5(ns, `${tenant}\u0000${id}\u0000${index}`), JSON.stringify([tenant, id]));
  }
});
