// The broker round trip the sink relies on: create a topic, produce with acks=all, read it back.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Producer } from "@platformatic/kafka";
import { ensureTopics, listMissingTopics } from "../../src/sink/topics.ts";
import { bootstrap, countRecords, newAdmin, readAll } from "../support/kafka.ts";
import { uniqueName } from "../support/mesh.ts";

const topic = uniqueName("mb-kafka-roundtrip");
const admin = newAdmin();

before(async () => {
  const result = await ensureTopics(bootstrap, [{ name: topic, partitions: 3 }]);
  assert.deepEqual(result.created, [topic]);
});

after(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.close();
});

test("ensureTopics is idempotent and listMissingTopics names only missing topics", async () => {
  const again = await ensureTopics(bootstrap, [{ name: topic, partitions: 3 }]);
  assert.deepEqual(again, { created: [], existing: [topic] });
  const ghost = uniqueName("mb-ghost");
  assert.deepEqual(await listMissingTopics(bootstrap, [topic, ghost]), [ghost]);
});

test("records produced with acks=all come back with equal keys, values and headers, count exact", {
  timeout: 30_000,
}, async () => {
  const producer = new Producer({ clientId: "meshbridge-test", bootstrapBrokers: [bootstrap], idempotent: true, acks: -1 });
  const sent = Array.from({ length: 300 }, (_, i) => ({
    topic,
    key: Buffer.from(`key-${i % 17}`),
    value: Buffer.from(JSON.stringify({ i, pad: "x".repeat(i % 50) })),
    headers: new Map([
      [Buffer.from("ce_id"), Buffer.from(`id-${i}`)],
      [Buffer.from("ce_type"), Buffer.from("test.event")],
    ]),
  }));
  try {
    const result = await producer.send({ messages: sent });
    assert.ok((result.offsets?.length ?? 0) > 0, "acks=all returns offsets");
    assert.notEqual(producer.producerId, undefined, "idempotent producer got an id");
  } finally {
    await producer.close();
  }

  assert.equal(await countRecords(admin, topic, 3), 300);
  const received = await readAll(topic, 300);
  assert.equal(received.length, 300);
  // Header keys come back as Buffers (no identity for Map lookups): index by the decoded ce_id.
  const decoded = new Map<string, (typeof received)[number]>();
  for (const m of received) {
    const id = m.headerEntries.find(([k]) => Buffer.from(k as Buffer).toString() === "ce_id")?.[1];
    assert.ok(id !== undefined, "every record has ce_id");
    decoded.set(Buffer.from(id as Buffer).toString(), m);
  }
  assert.equal(decoded.size, 300, "no duplicates");
  for (const [i, s] of sent.entries()) {
    const m = decoded.get(`id-${i}`);
    assert.ok(m !== undefined, `record ${i} came back`);
    assert.deepEqual(m.key, s.key);
    assert.deepEqual(m.value, s.value);
    assert.deepEqual(
      m.headerEntries.map(([k, v]) => [Buffer.from(k as Buffer).toString(), Buffer.from(v as Buffer).toString()]),
      [...s.headers].map(([k, v]) => [k.toString(), v.toString()]),
    );
  }
});
