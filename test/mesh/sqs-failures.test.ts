// Every permanent failure, injected on purpose among healthy events: each bad message lands in
// the dead-letter topic with its original (still encrypted) body and the context headers, the
// source message is deleted, the healthy events around it are unaffected, and no decrypted
// byte reaches the DLQ.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, it } from "node:test";
import { GetQueueAttributesCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { repoRoot } from "../../infra/stack/ports.ts";
import { dlqHeader } from "../../src/pipeline/records.ts";
import { sealLegacyEnvelope } from "../../tools/legacy-crypto/seal.ts";
import { sealKeys } from "../../tools/simulator/world.ts";
import { sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { meshQueueSqs, waitUntil } from "../support/mesh.ts";
import { collectRecords, tally } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld } from "../support/worlds.ts";

const sqs = meshQueueSqs();
after(() => sqs.destroy());

/** A string that exists only inside encrypted payloads: it must never appear in the DLQ. */
const PLAINTEXT_MARKER = "PLAINTEXT-MARKER-7f3a";

interface Injected {
  readonly id: string;
  readonly body: string;
  readonly stage: string;
  readonly errorClass: string;
  readonly tenant: string;
  /** A fragment the error message must contain (what was wrong, and where). */
  readonly says: string;
}

it("each permanent failure goes to the DLQ with context; healthy events around it are unaffected", async (t) => {
  const deployment = await isolatedDeployment("sqs-dlq", {
    topicConfig: { "catalog.orders.order-placed.v1": { "max.message.bytes": "20000" } },
  });
  const world = await provisionSqsWorld(deployment, 4, { topology: "per-tenant", keys: "static" });
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

  const golden = (name: string): Record<string, unknown> =>
    JSON.parse(readFileSync(join(repoRoot, "test", "golden", "mapping", `${name}.input.json`), "utf8")).payload;
  const badPrice = { ...golden("order_created.v1.bad-price"), event_id: "bad-price-1", note: PLAINTEXT_MARKER };
  const hugeOrder = golden("order_created.v1.captured") as { order: { items: unknown[] } } & Record<string, unknown>;
  const items = Array.from({ length: 1500 }, (_, index) => ({ sku: `SKU-${index}`, qty: "1", price: "1.00" }));
  const huge = { ...hugeOrder, event_id: "huge-1", order: { ...hugeOrder.order, items, total: "1500.00" } };
  const good = seal(
    { event_type: "system_ping", event_version: 1, event_id: "x", sent_at_ms: 1, origin: PLAINTEXT_MARKER, debug: {} },
    tenantA,
    1,
    "x",
  );
  const goodEnvelope = JSON.parse(good) as Record<string, unknown>;
  const tampered = { ...goodEnvelope, ct: `${String(goodEnvelope.ct).slice(0, -4)}AAAA` };
  const otherTenants = JSON.parse(
    seal({ event_type: "system_ping", event_version: 1, event_id: "y", origin: PLAINTEXT_MARKER }, tenantB, 1, "y"),
  );

  const injected: Injected[] = [
    {
      id: "malformed-json",
      body: "{not json",
      stage: "envelope",
      errorClass: "MalformedEnvelope",
      tenant: "",
      says: "not valid JSON",
    },
    {
      id: "malformed-envelope",
      body: JSON.stringify({ ...goodEnvelope, iv: undefined }),
      stage: "envelope",
      errorClass: "MalformedEnvelope",
      tenant: tenantA,
      says: "iv",
    },
    {
      id: "unknown-tenant",
      body: JSON.stringify({ ...goodEnvelope, tenant: "tenant-nobody" }),
      stage: "key",
      errorClass: "UnknownTenant",
      tenant: "tenant-nobody",
      says: "tenant-nobody",
    },
    {
      id: "unknown-key-version",
      body: JSON.stringify({ ...goodEnvelope, kver: 9 }),
      stage: "key",
      errorClass: "UnknownKeyVersion",
      tenant: tenantA,
      says: "9",
    },
    {
      id: "tampered",
      body: JSON.stringify(tampered),
      stage: "decrypt",
      errorClass: "AuthenticationFailed",
      tenant: tenantA,
      says: tenantA,
    },
    {
      id: "other-tenants-payload",
      body: JSON.stringify({ ...otherTenants, tenant: tenantA }),
      stage: "decrypt",
      errorClass: "AuthenticationFailed",
      tenant: tenantA,
      says: "another tenant",
    },
    {
      id: "malformed-plaintext",
      body: seal(`{"event_type": ${PLAINTEXT_MARKER}`, tenantA, 2, "mp-1"),
      stage: "parse",
      errorClass: "MalformedJson",
      tenant: tenantA,
      says: "not valid JSON",
    },
    {
      id: "unknown-type",
      body: seal(
        { event_type: "loyalty_points_added", event_version: 1, event_id: "lp-1", points: PLAINTEXT_MARKER },
        tenantA,
        1,
        "lp-1",
      ),
      stage: "map",
      errorClass: "UnknownEventType",
      tenant: tenantA,
      says: "loyalty_points_added@1",
    },
    {
      id: "mapper-throws",
      body: seal(badPrice, tenantB, 2, "bad-price-1"),
      stage: "map",
      errorClass: "MapperFailed",
      tenant: tenantB,
      says: "price",
    },
    {
      id: "too-large",
      body: seal(huge, tenantA, 1, "huge-1"),
      stage: "produce",
      errorClass: "RecordTooLarge",
      tenant: tenantA,
      says: "max.message.bytes",
    },
  ];

  const healthy = legacyEvents(world, 200, Date.now() % 1e9);
  // Bad messages interleaved with healthy ones, in the same receive batches.
  const bodies: { id: string; body: string }[] = [];
  healthy.forEach((event, index) => {
    bodies.push({ id: `healthy-${index}`, body: event.envelope });
    const bad = injected[index % 20 === 0 ? index / 20 : -1];
    if (bad !== undefined) bodies.push(bad);
  });
  assert.equal(bodies.length, healthy.length + injected.length);
  const messageIds = new Map<string, string>();
  for (let offset = 0; offset < bodies.length; offset += 10) {
    const batch = bodies.slice(offset, offset + 10);
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: world.aws.queueUrl,
        Entries: batch.map((entry) => ({ Id: entry.id, MessageBody: entry.body })),
      }),
    );
    assert.equal(sent.Failed?.length ?? 0, 0);
    for (const ok of sent.Successful ?? []) messageIds.set(ok.Id!, ok.MessageId!);
  }

  const bridge = await startBridgeProcess(deployment, sqsBridgeConfig(deployment, world));
  try {
    const { records: expected } = expectedRecords(healthy, deployment.prefix);
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", bodies.length, 120_000);
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records, dead) => records.length >= expected.size && dead.length >= injected.length,
      60_000,
    );
    t.diagnostic(
      `${healthy.length} healthy -> ${catalog.length} catalog records (${expected.size} expected); ${deadLetters.length} dead letters`,
    );

    // Healthy events: all there, unaffected.
    assert.deepEqual(tally(expected, catalog).missing, [], "healthy events missing from Kafka");

    // Bad ones: one DLQ record each, with the original body and the context headers.
    const bySourceId = new Map(deadLetters.map((record) => [record.headers.get(dlqHeader.sourceMessageId), record]));
    assert.equal(deadLetters.length, injected.length, "exactly the injected messages are dead-lettered");
    for (const bad of injected) {
      const record = bySourceId.get(messageIds.get(bad.id));
      assert.ok(record, `${bad.id}: no dead-letter record`);
      const h = record.headers;
      assert.equal(h.get(dlqHeader.stage), bad.stage, `${bad.id}: stage`);
      assert.equal(h.get(dlqHeader.errorClass), bad.errorClass, `${bad.id}: error class`);
      assert.ok(
        h.get(dlqHeader.errorMessage)?.includes(bad.says),
        `${bad.id}: message '${h.get(dlqHeader.errorMessage)}' lacks '${bad.says}'`,
      );
      assert.equal(h.get(dlqHeader.source), `sqs:${world.aws.queueUrl.split("/").pop()}`, `${bad.id}: source`);
      assert.equal(h.get(dlqHeader.receiveCount), "1", `${bad.id}: receive count`);
      assert.equal(h.get(dlqHeader.tenant), bad.tenant, `${bad.id}: tenant`);
      assert.equal(record.value.toString("utf8"), bad.body, `${bad.id}: the original body, unchanged`);
      const everything = [...h.values()].join("\n");
      assert.ok(!everything.includes(PLAINTEXT_MARKER), `${bad.id}: decrypted data in DLQ headers`);
    }
    // Nothing decrypted in the values either (the bodies are ciphertext; only the two bodies
    // that never were encrypted, malformed JSON, can carry plain text — and they carry none).
    for (const record of deadLetters) assert.ok(!record.value.toString("utf8").includes(PLAINTEXT_MARKER));
    // Bad input does not leave the process: the logs say what happened without payloads.
    assert.ok(!bridge.logs.join("\n").includes(PLAINTEXT_MARKER), "decrypted data in logs");

    // Every source message settled: the queue is empty.
    await waitUntil(
      async () => {
        const attributes = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: world.aws.queueUrl,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
          }),
        );
        return (
          attributes.Attributes?.ApproximateNumberOfMessages === "0" &&
          attributes.Attributes?.ApproximateNumberOfMessagesNotVisible === "0"
        );
      },
      30_000,
      "queue empty",
      200,
    );
  } finally {
    assert.equal(await bridge.stop(), 0);
  }
});
