// KafkaSink against the real broker: start-up checks, ordered delivery, size limits, idempotence,
// and the transient-failure contract.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout } from "node:timers/promises";
import { ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from "@platformatic/kafka";
import { stackDir } from "../../infra/stack/ports.ts";
import { PermanentError } from "../../src/pipeline/errors.ts";
import { KafkaPermanentError, KafkaSendError } from "../../src/sink/errors.ts";
import { KafkaSink } from "../../src/sink/kafka-sink.ts";
import { partitionForKey } from "../../src/sink/murmur2.ts";
import { singleRecordBatchBytes } from "../../src/sink/record-size.ts";
import { ensureTopics } from "../../src/sink/topics.ts";
import type { KafkaRecord } from "../../src/sink/types.ts";
import { bootstrap, countRecords, newAdmin, readAll } from "../support/kafka.ts";
import { uniqueName, waitUntil } from "../support/mesh.ts";

const ordered = uniqueName("mb-sink-ordered");
const small = uniqueName("mb-sink-small");
const doomed = uniqueName("mb-sink-doomed");
const doomedDlq = uniqueName("mb-sink-doomed-dlq");
const admin = newAdmin();

before(async () => {
  await ensureTopics(bootstrap, [
    { name: ordered, partitions: 6 },
    { name: small, partitions: 2, config: { "max.message.bytes": "2000" } },
    { name: doomed, partitions: 1 },
    { name: doomedDlq, partitions: 1 },
  ]);
});

after(async () => {
  await admin.deleteTopics({ topics: [ordered, small] }).catch(() => undefined);
  await admin.deleteTopics({ topics: [doomed] }).catch(() => undefined);
  await admin.deleteTopics({ topics: [doomedDlq] }).catch(() => undefined);
  await admin.close();
});

function newSink(isolatedTopics: readonly string[] = []): KafkaSink {
  return new KafkaSink({
    isolatedTopics,
    bootstrapBrokers: [bootstrap],
    clientId: "meshbridge-test",
    retries: 2,
    retryDelayMs: 100,
    requestTimeoutMs: 5_000,
    deliveryTimeoutMs: 20_000,
  });
}

test("start fails naming every missing topic, and only those", { timeout: 30_000 }, async () => {
  const sink = newSink();
  const ghostA = uniqueName("mb-ghost-a");
  const ghostB = uniqueName("mb-ghost-b");
  try {
    await assert.rejects(sink.start([ordered, ghostA, ghostB]), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(
          `topic '${ghostA}' does not exist on ${bootstrap}; create it \\(meshbridge topics create\\) or fix the config`,
        ),
      );
      assert.match(error.message, new RegExp(`topic '${ghostB}' does not exist`));
      assert.doesNotMatch(error.message, new RegExp(ordered));
      return true;
    });
    await assert.rejects(sink.send([{ topic: ordered, key: "k", value: Buffer.from("v") }]), /not started/);
  } finally {
    await sink.close();
  }
});

describe("a started sink", () => {
  const sink = newSink();
  before(() => sink.start([ordered, small, doomed]));
  after(() => sink.close());

  test("idempotence is on: the broker assigned a producer id; max.message.bytes was read", () => {
    assert.equal(typeof sink.producerId, "bigint");
    assert.ok((sink.producerId as bigint) >= 0n);
    assert.equal(typeof sink.producerEpoch, "number");
    assert.equal(sink.maxMessageBytes(small), 2000);
    assert.equal(sink.maxMessageBytes(ordered), 1_048_588); // broker default, inherited
  });

  test("5,000 records, 50 keys, 6 partitions: each key in one partition, in order, none missing or duplicated", {
    timeout: 30_000,
  }, async () => {
    const keys = Array.from({ length: 50 }, (_, k) => `tenant-${k % 7}/entity-${k}`);
    const seq = new Array<number>(50).fill(0);
    const records: KafkaRecord[] = [];
    for (let i = 0; i < 5000; i++) {
      const k = (i * 13) % 50;
      const n = seq[k] ?? 0;
      seq[k] = n + 1;
      const value = Buffer.alloc(200, 0x61);
      value.writeUInt16BE(k, 0);
      value.writeUInt32BE(n, 2);
      records.push({
        topic: ordered,
        key: keys[k] as string,
        value,
        headers: new Map([
          ["ce_id", `${k}-${n}`],
          ["ce_type", "test.ordered"],
        ]),
      });
    }
    // Ten batches handed over at once, as a pipeline with several batches in flight would.
    const sends: Promise<void>[] = [];
    for (let b = 0; b < 10; b++) sends.push(sink.send(records.slice(b * 500, b * 500 + 500)));
    await Promise.all(sends);

    assert.equal(await countRecords(admin, ordered, 6), 5000);
    const received = await readAll(ordered, 5000);
    const partitionOfKey = new Map<number, number>();
    const next = new Array<number>(50).fill(0);
    let duplicates = 0;
    const seen = new Set<string>();
    for (const m of received) {
      const k = m.value.readUInt16BE(0);
      const n = m.value.readUInt32BE(2);
      const id = `${k}-${n}`;
      if (seen.has(id)) {
        duplicates++;
        continue;
      }
      seen.add(id);
      const p = partitionOfKey.get(k);
      if (p === undefined) partitionOfKey.set(k, m.partition);
      else assert.equal(m.partition, p, `key ${k} stays in partition ${p}`);
      assert.equal(n, next[k], `key ${k}: record ${n} arrives in order`);
      next[k] = n + 1;
    }
    assert.equal(duplicates, 0, "duplicates");
    assert.equal(seen.size, 5000, "none missing");
    // Same partition as the Java client's partitioner would choose.
    for (const [k, p] of partitionOfKey) assert.equal(p, partitionForKey(Buffer.from(keys[k] as string), 6), `key ${k}`);
    assert.equal(new Set(partitionOfKey.values()).size, 6, "50 keys spread over all 6 partitions");
  });

  test("checkRecordSize: RecordTooLarge above max.message.bytes, nothing sent; the exact limit is accepted", {
    timeout: 30_000,
  }, async () => {
    const tooBig: KafkaRecord = { topic: small, key: "k", value: Buffer.alloc(3000) };
    const error = sink.checkRecordSize(tooBig);
    assert.ok(error instanceof PermanentError);
    assert.equal(error.stage, "produce");
    assert.equal(error.errorClass, "RecordTooLarge");
    assert.equal(
      error.message,
      `record of ${singleRecordBatchBytes(tooBig)} bytes exceeds max.message.bytes 2000 of topic ${small}`,
    );

    // The size estimate is exact: uncompressed, a record of exactly 2000 bytes as a batch is
    // accepted. (With compression the broker checks the compressed batch: the estimate is then
    // conservative, except for incompressible data, where the broker's refusal is the backstop.)
    let exact: KafkaRecord = { topic: small, key: "exact", value: randomBytes(1900) };
    while (singleRecordBatchBytes(exact) < 2000) exact = { ...exact, value: randomBytes(exact.value.length + 1) };
    assert.equal(singleRecordBatchBytes(exact), 2000);
    assert.equal(sink.checkRecordSize(exact), undefined);
    const uncompressed = new KafkaSink({ bootstrapBrokers: [bootstrap], clientId: "meshbridge-test", compression: "none" });
    try {
      await uncompressed.start([small]);
      await uncompressed.send([exact]);
    } finally {
      await uncompressed.close();
    }

    const fine: KafkaRecord = { topic: small, key: "k", value: Buffer.alloc(10) };
    await assert.rejects(sink.send([fine, tooBig, fine]), (e: unknown) => {
      assert.ok(e instanceof KafkaPermanentError);
      assert.equal(e.nothingWritten, true);
      assert.deepEqual(
        e.rejected.map((r) => [r.index, r.error.errorClass]),
        [[1, "RecordTooLarge"]],
      );
      return true;
    });
    assert.equal(await countRecords(admin, small, 2), 1, "only the exact-limit record was written");
  });

  test("many small records for a 2000-byte topic are split into batches the broker accepts", { timeout: 30_000 }, async () => {
    const before = await countRecords(admin, small, 2);
    // Random values: lz4 cannot hide a missing split by shrinking 18 kB of one partition below 2000.
    const records = Array.from({ length: 60 }, (): KafkaRecord => ({ topic: small, key: "same-key", value: randomBytes(300) }));
    await sink.send(records);
    assert.equal((await countRecords(admin, small, 2)) - before, 60);
  });

  test("a broker refusal (limit lowered after start) is a KafkaPermanentError naming the record; the limit is re-read", {
    timeout: 30_000,
  }, async () => {
    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: small,
          configs: [{ name: "max.message.bytes", configOperation: IncrementalAlterConfigOperationTypes.SET, value: "1000" }],
        },
      ],
    });
    // Config changes reach the log asynchronously: wait until the broker reports the new value.
    for (let i = 0; i < 50; i++) {
      const [described] = await admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: small, configurationKeys: ["max.message.bytes"] }],
      });
      if (described?.configs[0]?.value === "1000") break;
      await setTimeout(100);
    }
    await setTimeout(500);
    // Random bytes: lz4 must not shrink the record below the new limit.
    const record: KafkaRecord = { topic: small, key: "k", value: randomBytes(1500) };
    assert.equal(sink.checkRecordSize(record), undefined, "the sink still knows the old limit");
    await assert.rejects(sink.send([record]), (e: unknown) => {
      assert.ok(e instanceof KafkaPermanentError);
      assert.equal(e.nothingWritten, false);
      assert.equal(e.rejected.length, 1);
      assert.equal(e.rejected[0]?.index, 0);
      assert.equal(e.rejected[0]?.error.errorClass, "RecordTooLarge");
      assert.match(e.rejected[0]?.error.message ?? "", /MESSAGE_TOO_LARGE/);
      return true;
    });
    assert.equal(sink.maxMessageBytes(small), 1000);
    assert.equal(sink.checkRecordSize(record)?.errorClass, "RecordTooLarge");
    // The producer recovers: the next send works.
    await sink.send([{ topic: small, key: "k", value: Buffer.alloc(10) }]);
  });

  test("transient failure rejects with KafkaSendError, and sends queued behind it are not sent", {
    timeout: 30_000,
  }, async () => {
    const doomedLog = join(stackDir, "kafka-data", `${doomed}-0`);
    assert.ok(existsSync(doomedLog), `the broker keeps ${doomed}'s log in ${doomedLog}`);
    await admin.deleteTopics({ topics: [doomed] });
    // The deletion has taken effect once the broker moved the partition's log aside (it stops
    // the partition first); a send before that could still be written. The mesh's broker runs
    // on this machine, so its log directory says so.
    await waitUntil(() => !existsSync(doomedLog), 20_000, `${doomedLog} moved aside`);
    const before = await countRecords(admin, ordered, 6);
    // Both outcomes are awaited from the start: a rejection must never be unhandled meanwhile.
    const first = assert.rejects(
      sink.send([{ topic: doomed, key: "a", value: Buffer.from("1") }]),
      (e: unknown) => e instanceof KafkaSendError && !(e instanceof KafkaPermanentError),
    );
    const queued = assert.rejects(
      sink.send([{ topic: ordered, key: "b", value: Buffer.from("2") }]),
      (e: unknown) => e instanceof KafkaSendError && /earlier send of this sink failed/.test((e as Error).message),
    );
    await Promise.all([first, queued]);
    assert.equal(await countRecords(admin, ordered, 6), before, "the queued send was not written");
    // Sent again after the failure was seen, it goes through.
    await sink.send([{ topic: ordered, key: "b", value: Buffer.from("2") }]);
    assert.equal(await countRecords(admin, ordered, 6), before + 1);
  });
});

test("an isolated topic that fails: the others' records of the same send are listed as written, and are", {
  timeout: 30_000,
}, async () => {
  const sink = newSink([doomedDlq]);
  try {
    await sink.start([ordered, doomedDlq]);
    const doomedLog = join(stackDir, "kafka-data", `${doomedDlq}-0`);
    assert.ok(existsSync(doomedLog), `the broker keeps ${doomedDlq}'s log in ${doomedLog}`);
    await admin.deleteTopics({ topics: [doomedDlq] });
    await waitUntil(() => !existsSync(doomedLog), 20_000, `${doomedLog} moved aside`);
    const before = await countRecords(admin, ordered, 6);
    // The dead letter in the middle: it goes last, in a request of its own, which fails.
    const error = await sink
      .send([
        { topic: ordered, key: "w1", value: Buffer.from("1") },
        { topic: doomedDlq, key: "d", value: Buffer.from("2") },
        { topic: ordered, key: "w2", value: Buffer.from("3") },
      ])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof KafkaSendError, `a transient failure, got ${String(error)}`);
    assert.deepEqual([...error.written].sort(), [0, 2], "the two catalog records were written");
    assert.match(error.message, new RegExp(`topic '${doomedDlq}' does not exist`), "names the missing topic");
    assert.doesNotMatch(error.message, new RegExp(ordered), "and not the live one");
    assert.equal(await countRecords(admin, ordered, 6), before + 2, "and they are in Kafka, once each");
  } finally {
    await sink.close();
  }
});
