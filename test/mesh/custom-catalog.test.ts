// A team's own catalog through the real bridge, without touching src/: the minimal example
// catalog (examples/minimal-catalog) has its schema registered and topic created by the same
// functions `schemas register` and `topics create` run, then `meshbridge run` (a child process)
// loads it from `catalog.module` — a path relative to the configuration file — and maps
// encrypted legacy events from a Pub/Sub subscription on the emulator into its topic. Every
// record is read back and decoded by the registered schema; the bad one is dead-lettered with
// the catalog's own LegacyDataError message.
import assert from "node:assert/strict";
import { createSecretKey } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { registerCatalogSchemas } from "../../src/cli/commands/schemas.ts";
import { createBridgeTopics } from "../../src/cli/commands/topics.ts";
import { deployedCatalog } from "../../src/cli/deployed-catalog.ts";
import { loadCatalogModule } from "../../src/cli/load-catalog.ts";
import { dlqHeader } from "../../src/pipeline/records.ts";
import { generateStaticKeys } from "../../tools/legacy-crypto/provision.ts";
import { sealLegacyEnvelope } from "../../tools/legacy-crypto/seal.ts";
import { type BridgeProcess, pubsubSource, startBridgeProcess } from "../support/bridge.ts";
import type { Deployment } from "../support/deployment.ts";
import { createPubSubPair, deletePubSubPair, meshPubSub, type TestPubSub, uniqueName } from "../support/mesh.ts";
import { type DecodedRecord, RecordCollector } from "../support/records.ts";

const exampleModule = join(repoRoot, "examples", "minimal-catalog", "index.ts");
const tenant = "tenant-0001";
const tickets = Array.from({ length: 6 }, (_, index) => `T-${1000 + index}`);

const pubsub = meshPubSub();
let deployment: Deployment;
let pair: TestPubSub;
let collector: RecordCollector;
let bridge: BridgeProcess | undefined;
let decoded: DecodedRecord[] = [];

before(async () => {
  const catalog = await loadCatalogModule(exampleModule);
  const prefix = `${uniqueName("custom-catalog")}.`;
  const directory = join(repoRoot, ".cache", "test-runs", prefix.slice(0, -1));
  mkdirSync(directory, { recursive: true });
  deployment = { prefix, deadLetterTopic: `${prefix}dlq`, catalog: deployedCatalog(catalog.topics, prefix), directory };
  await registerCatalogSchemas(catalog.topics, meshEndpoints.registryUrl, () => {}, prefix);
  await createBridgeTopics(catalog.topics, [meshEndpoints.kafkaBootstrap], deployment.deadLetterTopic, 2, () => {}, prefix);
  collector = await RecordCollector.open(deployment);

  const keys = generateStaticKeys([tenant], [1]);
  const keyFile = join(directory, "keys.json");
  writeFileSync(keyFile, JSON.stringify(keys), { mode: 0o600 });
  const key = createSecretKey(Buffer.from(keys.tenants[tenant]!["1"]!, "base64"));
  pair = await createPubSubPair(pubsub, { prefix: "custom-catalog" });

  // Relative to the configuration file, which startBridgeProcess writes into `directory`.
  const catalogFromConfigFile = relative(directory, exampleModule);
  assert.match(catalogFromConfigFile, /^\.\.\//);
  bridge = await startBridgeProcess(deployment, {
    catalog: { module: catalogFromConfigFile },
    kafka: { bootstrapBrokers: [meshEndpoints.kafkaBootstrap], deadLetterTopic: deployment.deadLetterTopic, topicPrefix: prefix },
    registry: { url: meshEndpoints.registryUrl },
    keys: { provider: "static", file: keyFile },
    sources: { pubsub: pubsubSource({ subscriptions: [pair.subscription.name] }) },
    http: { port: 0, host: "127.0.0.1" },
    log: { level: "info" },
    shutdownGraceSeconds: 10,
  });

  const events = [
    ...tickets.map((id, index) => ({
      event_type: "ticket_created",
      event_version: 1,
      event_id: `evt-${id}`,
      ticket: { id, title: `ticket ${index}`, opened_ms: 1767225600000 + index * 1000 },
      prio: index % 6,
    })),
    // Out of range: the example's mapper throws its LegacyDataError.
    {
      event_type: "ticket_created",
      event_version: 1,
      event_id: "evt-bad",
      ticket: { id: "T-bad", title: "x", opened_ms: 1767225600000 },
      prio: 9,
    },
  ];
  for (const event of events) {
    const envelope = sealLegacyEnvelope(Buffer.from(JSON.stringify(event)), tenant, 1, event.event_id, key);
    await pair.topic.publishMessage({ data: Buffer.from(envelope) });
  }
  const done = await collector.waitFor(
    () => collector.records.length >= tickets.length && collector.deadLetters.length >= 1,
    60_000,
  );
  assert.ok(done, `got ${collector.records.length} records and ${collector.deadLetters.length} dead letters`);
  decoded = await collector.decoded();
});

after(async () => {
  const code = await bridge?.stop();
  await collector?.close();
  if (pair !== undefined) await deletePubSubPair(pair);
  await pubsub.close();
  assert.equal(code, 0, "the bridge stops cleanly");
});

test("the bridge logs the catalog it loaded from catalog.module", () => {
  const line = bridge?.logs.find((entry) => entry.includes('"catalog loaded"'));
  assert.ok(line, bridge?.logs.join("\n"));
  assert.equal(JSON.parse(line).catalog, "minimal-catalog");
});

test("every ticket is in the catalog's topic, decoded by its registered schema", () => {
  const topic = `${deployment.prefix}acme.support.ticket-opened.v1`;
  const byTicket = new Map(decoded.map((record) => [(record.json as { ticketId: string }).ticketId, record]));
  assert.deepEqual([...byTicket.keys()].sort(), tickets);
  for (const [index, id] of tickets.entries()) {
    const record = byTicket.get(id)!;
    assert.equal(record.topic, topic);
    assert.equal(record.typeName, "acme.support.v1.TicketOpened");
    assert.equal(record.key, `${tenant}/${id}`);
    assert.equal(record.headers.get("ce_type"), "com.acme.support.ticket.opened.v1");
    assert.deepEqual(record.json, {
      tenantId: tenant,
      ticketId: id,
      openedAt: new Date(1767225600000 + index * 1000).toISOString(),
      subject: `ticket ${index}`,
      ...(index % 6 === 0 ? {} : { priority: index % 6 }),
    });
  }
});

test("the event the catalog's mapper refuses is dead-lettered with the mapper's own message", () => {
  assert.equal(collector.deadLetters.length, 1);
  const headers = collector.deadLetters[0]!.headers;
  assert.equal(headers.get(dlqHeader.errorClass), "MapperFailed");
  assert.match(headers.get(dlqHeader.errorMessage) ?? "", /LegacyDataError: prio must be from 0 to 5/);
});
