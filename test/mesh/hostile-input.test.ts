// Hostile input against the real bridge process (`meshbridge run`, debug logs) on ElasticMQ:
// every hostile message lands in the dead-letter topic as one record with the expected stage,
// error class and source message id; the healthy events around it all reach Kafka; the process
// never crashes. With it, the telemetry canary: a string that exists only in encrypted payloads,
// and every tenant's data-key bytes (raw, hex, base64), appear nowhere in the bridge's logs, its
// /metrics, the dead-letter records (values and headers) or the error messages.
//
// ElasticMQ (sqs-limits = strict) accepts bodies of 1 MiB (AWS's current maximum) but refuses
// an attribute value with ESC (U+001B), as AWS does (InvalidMessageContents): ESC therefore
// arrives on SQS only inside an SNS notification's MessageAttributes and inside envelope fields;
// Pub/Sub takes it as an attribute value. Pub/Sub's limit is 10 MB per message, but the emulator
// (pstest, gRPC's default 4 MiB receive limit) refuses a publish above 4 MiB
// (RESOURCE_EXHAUSTED), so the Pub/Sub case here is the largest body it accepts; the bridge's
// own channel has no receive limit (src/sources/pubsub/grpc-unary.ts); the 10 MB body runs on
// Google's emulator in hostile-large-pubsub.test.ts, and the envelope stage takes 10 MB bodies in
// test/unit/security/hostile-properties.test.ts.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, it } from "node:test";
import { type MessageAttributeValue, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { repoRoot } from "../../infra/stack/ports.ts";
import { dlqHeader } from "../../src/pipeline/records.ts";
import { sealLegacyEnvelope } from "../../tools/legacy-crypto/seal.ts";
import { sealKeys } from "../../tools/simulator/world.ts";
import { bridgeConfig, pubsubSource, sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { meshPubSub, meshQueueSqs } from "../support/mesh.ts";
import { collectRecords, tally } from "../support/records.ts";
import { legacyEvents, provisionPubSubWorld, provisionSqsWorld } from "../support/worlds.ts";

const sqs = meshQueueSqs();
after(() => sqs.destroy());

/** Exists only inside encrypted payloads: every body that is not an envelope is free of it. */
const CANARY = "CANARY-9c1e-hostile-plaintext";
const MAX_SQS_BODY = 1024 * 1024;
const VALID_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/** Every kind of line break and the escape character, for attribute values. */
const BREAKS = "a\r\nb\rc\nd\u2028e\u2029f\u0085g";
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching raw control characters is the point
const RAW_BREAK_OR_ESCAPE = /[\r\n\u001b\u0085\u2028\u2029]/;

interface Hostile {
  readonly id: string;
  readonly body: string;
  readonly attributes?: Record<string, string>;
  readonly stage: string;
  readonly errorClass: string;
}

it("hostile messages are dead-lettered with context, neighbours are unaffected, nothing secret leaks", async (t) => {
  const deployment = await isolatedDeployment("hostile", {
    topicConfig: { "catalog.orders.order-placed.v1": { "max.message.bytes": "20000" } },
  });
  const world = await provisionSqsWorld(deployment, 3, { topology: "per-tenant", keys: "static" });
  const keyFor = sealKeys(world);
  const [tenantA, tenantB] = [world.tenants[0]!, world.tenants[1]!];
  const seal = (payload: unknown, tenant: string, version: number, eventId: string): string =>
    sealLegacyEnvelope(
      Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)),
      tenant,
      version,
      eventId,
      keyFor(tenant, version),
    );
  const ping = (eventId: string) => ({
    event_type: "system_ping",
    event_version: 1,
    event_id: eventId,
    sent_at_ms: 1,
    origin: CANARY,
    debug: {},
  });
  const golden = (name: string): Record<string, unknown> & { order: Record<string, unknown> } =>
    JSON.parse(readFileSync(join(repoRoot, "test", "golden", "mapping", `${name}.input.json`), "utf8")).payload;

  const sealedA = JSON.parse(seal(ping("a-1"), tenantA, 1, "a-1")) as Record<string, string | number>;
  const ct = Buffer.from(String(sealedA.ct), "base64");
  ct[Math.floor(ct.length / 2)]! ^= 0x04; // one flipped bit in the middle of the ciphertext

  // An order of ~770 KB plaintext (thousands of items, all mapped into its catalog record): its
  // envelope fills an SQS body of nearly 1 MiB; the record is far above the topic's
  // max.message.bytes (20000).
  const captured = golden("order_created.v1.captured");
  const bigOrder = (count: number) => ({
    ...captured,
    event_id: "big-1",
    order: {
      ...captured.order,
      items: Array.from({ length: count }, (_, index) => ({ sku: `SKU-${index}`, qty: "1", price: "1.00" })),
      total: `${count}.00`,
    },
  });
  const bodyOf = (count: number) => seal(bigOrder(count), tenantA, 1, "big-1");
  const perItem = (bodyOf(2000).length - bodyOf(1000).length) / 1000;
  let items = Math.floor((MAX_SQS_BODY - 2048 - bodyOf(1000).length) / perItem) + 1000;
  while (bodyOf(items).length > MAX_SQS_BODY - 256) items -= 50;
  const bigBody = bodyOf(items);
  assert.ok(bigBody.length > MAX_SQS_BODY - 4096 && bigBody.length <= MAX_SQS_BODY - 256, `${bigBody.length}`);

  const snsNotification = (message: string, attributes: Record<string, string>) =>
    JSON.stringify({
      Type: "Notification",
      MessageId: "0a1b2c3d-sns",
      TopicArn: "arn:aws:sns:eu-central-1:000000000000:legacy",
      Message: message,
      Timestamp: "2026-12-01T00:00:00.000Z",
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, { Type: "String", Value: value }]),
      ),
    });
  const badPrice = golden("order_created.v1.bad-price");
  const badPriceOrder = {
    ...badPrice,
    event_id: "bad-price-1",
    order: {
      ...badPrice.order,
      items: [{ sku: "SKU-1", qty: "1", price: `${CANARY}-19,99` }],
    },
  };

  const hostile: Hostile[] = [
    {
      id: "malformed-json",
      body: `{"v":1,"tenant":"${tenantA}","kver":1,"alg":"A256GCM","eid":"x\\u2028`,
      // fromEntries: "__proto__" becomes an own entry, as the SDK delivers it.
      attributes: Object.fromEntries([
        ["note", BREAKS],
        ["traceparent", `${VALID_TRACEPARENT}\r\nX-Injected: 1`],
        ["__proto__", "proto-attribute"],
      ]),
      stage: "envelope",
      errorClass: "MalformedEnvelope",
    },
    {
      id: "truncated-sns",
      body: snsNotification(JSON.stringify(sealedA), {}).slice(0, 180),
      stage: "envelope",
      errorClass: "MalformedEnvelope",
    },
    {
      id: "sns-escape-attributes",
      body: snsNotification(JSON.stringify({ ...sealedA, eid: "e\u001b[2J\u2028forged" }), {
        traceparent: "\u001b[31mnot-a-trace",
        note: `\u001b]0;${BREAKS}\u0007`,
      }),
      stage: "envelope",
      errorClass: "MalformedEnvelope",
    },
    {
      id: "not-base64",
      body: JSON.stringify({ ...sealedA, ct: "this is *not* base64!" }),
      stage: "envelope",
      errorClass: "MalformedEnvelope",
    },
    {
      id: "tenant-with-breaks",
      body: JSON.stringify({ ...sealedA, tenant: `${tenantA}\u2028{"level":60}` }),
      stage: "envelope",
      errorClass: "MalformedEnvelope",
    },
    {
      id: "flipped-bit",
      body: JSON.stringify({ ...sealedA, ct: ct.toString("base64") }),
      stage: "decrypt",
      errorClass: "AuthenticationFailed",
    },
    {
      id: "cross-tenant-replay",
      body: JSON.stringify({ ...sealedA, tenant: tenantB }),
      stage: "decrypt",
      errorClass: "AuthenticationFailed",
    },
    {
      id: "other-key-version",
      body: JSON.stringify({ ...sealedA, kver: 2 }),
      stage: "decrypt",
      errorClass: "AuthenticationFailed",
    },
    {
      id: "unknown-key-version",
      body: JSON.stringify({ ...sealedA, kver: 9 }),
      stage: "key",
      errorClass: "UnknownKeyVersion",
    },
    {
      id: "malformed-plaintext",
      body: seal(`{"event_type":"${CANARY}`, tenantB, 2, "mp-1"),
      stage: "parse",
      errorClass: "MalformedJson",
    },
    {
      id: "unknown-type",
      body: seal({ event_type: "loyalty_points_added", event_version: 1, event_id: "lp-1", points: CANARY }, tenantA, 1, "lp-1"),
      stage: "map",
      errorClass: "UnknownEventType",
    },
    {
      id: "mapper-throws",
      body: seal(badPriceOrder, tenantB, 1, "bad-price-1"),
      stage: "map",
      errorClass: "MapperFailed",
    },
    { id: "one-mebibyte-body", body: bigBody, stage: "produce", errorClass: "RecordTooLarge" },
  ];

  const healthy = legacyEvents(world, 150, Date.now() % 1e9);
  const { records: expected } = expectedRecords(healthy, deployment.prefix);
  const withRecords = healthy.filter((event) => [...expected.values()].some((record) => record.eventId === event.eventId));
  const validTraced = withRecords[3]!;
  const invalidTraced = withRecords[7]!;
  const traceAttributes = new Map<string, Record<string, string>>([
    [validTraced.eventId, { traceparent: VALID_TRACEPARENT, note: BREAKS }],
    [invalidTraced.eventId, { traceparent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01" }],
  ]);

  const bodies: { id: string; body: string; attributes?: Record<string, string> }[] = [];
  healthy.forEach((event, index) => {
    const attributes = traceAttributes.get(event.eventId);
    bodies.push({ id: `healthy-${index}`, body: event.envelope, ...(attributes === undefined ? {} : { attributes }) });
    const bad = index % 10 === 0 ? hostile[index / 10] : undefined;
    if (bad !== undefined) bodies.push(bad);
  });
  assert.equal(bodies.length, healthy.length + hostile.length);
  const messageIds = new Map<string, string>();
  const toAttributes = (attributes: Record<string, string> | undefined): Record<string, MessageAttributeValue> =>
    Object.fromEntries(
      Object.entries(attributes ?? {}).map(([name, value]) => [name, { DataType: "String", StringValue: value }]),
    );
  // The 1 MiB body alone (a batch is limited to 1 MiB in all), the others 10 per call.
  for (let offset = 0; offset < bodies.length; ) {
    const batch: typeof bodies = [];
    let bytes = 0;
    while (offset < bodies.length && batch.length < 10 && bytes + bodies[offset]!.body.length < 1000 * 1000) {
      bytes += bodies[offset]!.body.length;
      batch.push(bodies[offset++]!);
    }
    if (batch.length === 0) batch.push(bodies[offset++]!);
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: world.aws.queueUrl,
        Entries: batch.map((entry) => ({
          Id: entry.id,
          MessageBody: entry.body,
          MessageAttributes: toAttributes(entry.attributes),
        })),
      }),
    );
    assert.deepEqual(sent.Failed ?? [], [], "ElasticMQ refused a message");
    for (const ok of sent.Successful ?? []) messageIds.set(ok.Id!, ok.MessageId!);
  }

  const bridge = await startBridgeProcess(
    deployment,
    sqsBridgeConfig(deployment, world, {}, { logLevel: "debug", budget: { maxMessages: 200 } }),
  );
  const pid = bridge.child.pid;
  let exitedEarly: number | null | undefined;
  void bridge.exited.then((code) => {
    exitedEarly ??= code;
  });
  let metricsText = "";
  try {
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", bodies.length, 180_000);
    metricsText = await (await fetch(`http://127.0.0.1:${bridge.opsPort}/metrics`)).text();
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records, dead) => records.length >= expected.size && dead.length >= hostile.length,
      60_000,
    );
    t.diagnostic(`${healthy.length} healthy -> ${catalog.length} records; ${deadLetters.length} dead letters`);
    assert.equal(exitedEarly, undefined, "the bridge exited while processing");
    assert.equal(bridge.child.pid, pid);

    // Neighbours: every healthy event in Kafka, by id.
    assert.deepEqual(tally(expected, catalog).missing, [], "healthy events missing from Kafka");

    // Each hostile message: exactly one dead letter, with stage, class and source message id.
    const bySourceId = new Map(deadLetters.map((record) => [record.headers.get(dlqHeader.sourceMessageId), record]));
    const missing = hostile.filter((bad) => !bySourceId.has(messageIds.get(bad.id))).map((bad) => bad.id);
    assert.deepEqual(missing, [], "hostile messages without a dead letter");
    assert.equal(deadLetters.length, hostile.length, "exactly the hostile messages are dead-lettered");
    for (const bad of hostile) {
      const record = bySourceId.get(messageIds.get(bad.id));
      assert.ok(record, `${bad.id}: no dead-letter record`);
      assert.equal(record.headers.get(dlqHeader.stage), bad.stage, `${bad.id}: stage`);
      assert.equal(record.headers.get(dlqHeader.errorClass), bad.errorClass, `${bad.id}: error class`);
      assert.equal(record.value.toString("utf8"), bad.body, `${bad.id}: the original body, unchanged`);
      // Attributes are kept byte for byte (the replay re-sends them); the bridge's own headers
      // never carry a raw line break or escape, whatever the input held.
      // "__proto__" included: the AWS SDK delivered it without its value (it once crashed the
      // receive loop, and was then lost); the lean client (decision 0017) keeps it like any other.
      for (const [name, value] of Object.entries(bad.attributes ?? {})) {
        assert.equal(record.headers.get(`${dlqHeader.attributePrefix}${name}`), value, `${bad.id}: attribute ${name}`);
      }
      for (const name of Object.values(dlqHeader)) {
        const value = record.headers.get(name);
        assert.ok(value === undefined || !RAW_BREAK_OR_ESCAPE.test(value), `${bad.id}: header ${name} has a raw break`);
      }
    }

    // traceparent: a W3C-valid attribute is copied into the records, an invalid one is not.
    const recordsOf = (eventId: string) =>
      catalog.filter((record) => expected.get(record.ceId)?.eventId === eventId && record.headers.has("ce_id"));
    assert.ok(recordsOf(validTraced.eventId).length > 0 && recordsOf(invalidTraced.eventId).length > 0);
    for (const record of recordsOf(validTraced.eventId)) assert.equal(record.headers.get("traceparent"), VALID_TRACEPARENT);
    for (const record of recordsOf(invalidTraced.eventId)) assert.equal(record.headers.get("traceparent"), undefined);
  } finally {
    // Kept beside the deployment for a post-mortem of a failed run.
    writeFileSync(join(deployment.directory, "bridge-logs.jsonl"), bridge.logs.join("\n"));
    assert.equal(await bridge.stop(), 0, "the bridge exits with 0 at SIGTERM");
  }

  // Logs: one JSON object per physical line, none with a raw line break or escape character.
  assert.ok(bridge.logs.length > 0);
  for (const line of bridge.logs) {
    assert.ok(!RAW_BREAK_OR_ESCAPE.test(line), `log line with a raw break or escape: ${JSON.stringify(line)}`);
    const parsed: unknown = JSON.parse(line);
    assert.ok(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed), `not a JSON object: ${line}`);
  }
  assert.ok(
    bridge.logs.some((line) => line.includes('"level":"debug"')),
    "debug logging was on",
  );

  // The canary: plaintext and key bytes nowhere in logs, metrics, dead letters, error messages.
  const { deadLetters } = await collectRecords(deployment, (_records, dead) => dead.length >= hostile.length, 30_000);
  const keyBytes = world.tenants.flatMap((tenant) =>
    world.keyVersions.map((version) => ({ name: `${tenant} v${version}`, bytes: keyFor(tenant, version).export() })),
  );
  const needles: { name: string; text: string }[] = [{ name: "canary plaintext", text: CANARY }];
  for (const key of keyBytes) {
    needles.push({ name: `${key.name} hex`, text: key.bytes.toString("hex") });
    needles.push({ name: `${key.name} HEX`, text: key.bytes.toString("hex").toUpperCase() });
    needles.push({ name: `${key.name} base64`, text: key.bytes.toString("base64").replace(/=+$/, "") });
    needles.push({ name: `${key.name} base64url`, text: key.bytes.toString("base64url") });
  }
  const haystacks: { name: string; bytes: Buffer }[] = [
    { name: "bridge logs", bytes: Buffer.from(bridge.logs.join("\n"), "utf8") },
    { name: "/metrics", bytes: Buffer.from(metricsText, "utf8") },
    ...deadLetters.flatMap((record) => [
      { name: `dead letter ${record.offset} value`, bytes: record.value },
      { name: `dead letter ${record.offset} headers`, bytes: Buffer.from([...record.headers].flat().join("\n"), "utf8") },
    ]),
  ];
  assert.ok(metricsText.includes("meshbridge_dead_lettered_total"), "the scrape has the bridge's metrics");
  let hits = 0;
  for (const haystack of haystacks) {
    for (const needle of needles) {
      if (haystack.bytes.includes(needle.text)) {
        hits++;
        t.diagnostic(`${needle.name} found in ${haystack.name}`);
      }
    }
    for (const key of keyBytes) {
      if (haystack.bytes.includes(key.bytes) || haystack.bytes.toString("latin1").includes(key.bytes.toString("latin1"))) {
        hits++;
        t.diagnostic(`${key.name} raw bytes found in ${haystack.name}`);
      }
    }
  }
  assert.equal(hits, 0, "canary plaintext or key bytes leaked");
  // The scan can find what it looks for: the canary is in the plaintext the test sealed.
  assert.ok(Buffer.from(JSON.stringify(ping("x"))).includes(CANARY));
});

/** The largest body pstest accepts: 4 MiB minus the publish request's own framing. */
const PSTEST_MAX_BODY = 4 * 1024 * 1024 - 1024;

it("Pub/Sub: a 4 MiB junk body and ESC/line breaks in attributes are dead-lettered; neighbours unaffected", async (t) => {
  // The dead-letter topic must take the largest body a source can deliver (see docs/security.md).
  const deployment = await isolatedDeployment("hostile-ps", {
    topicConfig: { dlq: { "max.message.bytes": String(12 * 1024 * 1024) } },
  });
  const world = await provisionPubSubWorld(deployment, {
    tenants: 2,
    keyVersions: 2,
    orderedEvery: 0,
    orderingKeysPerTenant: 1,
  });
  const pubsub = meshPubSub();
  after(() => pubsub.close());
  const tenant = world.tenants[0]!;
  const topicOf = (name: string) => pubsub.topic(world.pubsub.tenants[name]!.topic);
  const hostile = [
    {
      id: "four-mebibyte-junk",
      data: Buffer.alloc(PSTEST_MAX_BODY, "A"),
      attributes: {} as Record<string, string>,
      errorClass: "MalformedEnvelope",
    },
    {
      id: "escape-attributes",
      data: Buffer.from("{not json"),
      attributes: { note: `\u001b]0;${BREAKS}\u0007`, traceparent: "\u001b[31m00-x" },
      errorClass: "MalformedEnvelope",
    },
  ];
  const messageIds = new Map<string, string>();
  for (const bad of hostile) {
    messageIds.set(bad.id, await topicOf(tenant).publishMessage({ data: bad.data, attributes: bad.attributes }));
  }
  const healthy = legacyEvents(world, 40, Date.now() % 1e9);
  const { records: expected } = expectedRecords(healthy, deployment.prefix);
  // One that maps to catalog records (a system_ping maps to none).
  const tracedEventId = [...expected.values()][0]!.eventId;
  for (const event of healthy) {
    const attributes: Record<string, string> =
      event.eventId === tracedEventId ? { googclient_traceparent: VALID_TRACEPARENT, traceparent: "00-zz" } : {};
    await topicOf(event.tenant).publishMessage({ data: Buffer.from(event.envelope), attributes });
  }

  const subscriptions = world.tenants.map((name) => world.pubsub.tenants[name]!.subscription);
  const bridge = await startBridgeProcess(
    deployment,
    bridgeConfig(deployment, world, { sources: { pubsub: pubsubSource({ subscriptions }) }, logLevel: "debug" }),
  );
  const pid = bridge.child.pid;
  try {
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records, dead) => records.length >= expected.size && dead.length >= hostile.length,
      120_000,
    );
    t.diagnostic(`${healthy.length} healthy -> ${catalog.length} records; ${deadLetters.length} dead letters`);
    assert.equal(bridge.child.exitCode, null, "the bridge is still running");
    assert.equal(bridge.child.pid, pid);
    assert.deepEqual(tally(expected, catalog).missing, [], "healthy events missing from Kafka");
    assert.equal(deadLetters.length, hostile.length);
    for (const bad of hostile) {
      const record = deadLetters.find((dead) => dead.headers.get(dlqHeader.sourceMessageId) === messageIds.get(bad.id));
      assert.ok(record, `${bad.id}: no dead-letter record`);
      assert.equal(record.headers.get(dlqHeader.stage), "envelope");
      assert.equal(record.headers.get(dlqHeader.errorClass), bad.errorClass);
      assert.equal(record.headers.get(dlqHeader.bodyKind), "pubsub");
      assert.ok(record.value.equals(bad.data), `${bad.id}: the original body, unchanged`);
      for (const [name, value] of Object.entries(bad.attributes)) {
        assert.equal(record.headers.get(`${dlqHeader.attributePrefix}${name}`), value, `${bad.id}: attribute ${name}`);
      }
      for (const name of Object.values(dlqHeader)) {
        const value = record.headers.get(name);
        assert.ok(value === undefined || !RAW_BREAK_OR_ESCAPE.test(value), `${bad.id}: header ${name} has a raw break`);
      }
    }
    // The first valid trace attribute wins; the malformed "traceparent" is skipped, not copied.
    const traced = catalog.filter((record) => expected.get(record.ceId)?.eventId === tracedEventId);
    assert.ok(traced.length > 0);
    for (const record of traced) assert.equal(record.headers.get("traceparent"), VALID_TRACEPARENT);
  } finally {
    writeFileSync(join(deployment.directory, "bridge-logs.jsonl"), bridge.logs.join("\n"));
    assert.equal(await bridge.stop(), 0, "the bridge exits with 0 at SIGTERM");
  }
  for (const line of bridge.logs) {
    assert.ok(!RAW_BREAK_OR_ESCAPE.test(line), `log line with a raw break or escape: ${JSON.stringify(line)}`);
    assert.equal(typeof JSON.parse(line), "object");
  }
});
