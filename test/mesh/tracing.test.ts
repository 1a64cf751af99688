// Traces on the local mesh, configured as a user would (`tracing.endpoint`): the bridge's OTLP
// exporter posts to a collector stand-in here (an HTTP server keeping what it receives). Each
// catalog record's traceparent continues its source message's trace with the bridge's create
// span; records without one continue the bridge's own trace; the collector got those spans.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { it } from "node:test";
import { sqsBridgeConfig, startBridgeInProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { collectRecords, tally } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: readonly { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}
interface OtlpExport {
  readonly resourceSpans: readonly { scopeSpans: readonly { spans: readonly OtlpSpan[] }[] }[];
}

/** Receives OTLP/HTTP JSON exports, as a collector would, and keeps the spans. */
async function collectorStandIn() {
  const spans: OtlpSpan[] = [];
  const contentTypes = new Set<string>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      contentTypes.add(`${request.method} ${request.url} ${request.headers["content-type"]}`);
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpExport;
      for (const resource of body.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { spans, contentTypes, url: `http://127.0.0.1:${port}/v1/traces`, close: () => server.close() };
}

const attribute = (span: OtlpSpan, key: string) => span.attributes.find((entry) => entry.key === key)?.value.stringValue;

it("SQS on ElasticMQ with tracing on: records continue their source traces; the spans reach the OTLP endpoint", async (t) => {
  const collector = await collectorStandIn();
  const deployment = await isolatedDeployment("tracing");
  const world = await provisionSqsWorld(deployment, 3, { keys: "static" });
  const config = {
    ...sqsBridgeConfig(deployment, world),
    tracing: { endpoint: collector.url, serviceName: "meshbridge-mesh-test" },
  };
  const running = await startBridgeInProcess(config);
  try {
    const sent = legacyEvents(world, 60, Date.now() % 1e9);
    const expected = expectedRecords(sent, deployment.prefix);
    assert.equal(await publishToSqsWorld(world, sent, { rate: 500, concurrency: 4 }), sent.length);
    const { catalog } = await collectRecords(
      deployment,
      (records) => tally(expected.records, records).missing.length === 0,
      120_000,
    );
    assert.deepEqual(tally(expected.records, catalog).missing, [], "every expected record arrived");

    let continued = 0;
    let own = 0;
    for (const record of catalog) {
      const traceparent = record.headers.get("traceparent");
      assert.match(traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, `record ${record.ceId} carries a traceparent`);
      const upstream = expected.records.get(record.ceId)?.traceparent;
      if (upstream === undefined) {
        own++;
        continue;
      }
      continued++;
      assert.equal(traceparent!.slice(3, 35), upstream.slice(3, 35), "same trace as its source message");
      assert.notEqual(traceparent!.slice(36, 52), upstream.slice(36, 52), "the bridge's own span, not the upstream's");
    }
    t.diagnostic(`${continued} records continued a source trace, ${own} the bridge's own`);
    assert.ok(continued > 0 && own > 0, "the simulator sends both kinds");
  } finally {
    await running.bridge.stop(); // flushes the exporter
  }
  collector.close();
  const processes = collector.spans.filter((span) => span.name.startsWith("process "));
  const creates = collector.spans.filter((span) => span.name.startsWith("create "));
  const sends = collector.spans.filter((span) => span.name.startsWith("send"));
  const receives = collector.spans.filter((span) => span.name.startsWith("receive "));
  assert.ok(receives.length > 0, "receive spans exported");
  assert.ok(receives.every((span) => attribute(span, "messaging.system") === "aws_sqs"));
  t.diagnostic(
    `collector got ${collector.spans.length} spans: ${processes.length} process, ${sends.length} send, ${creates.length} create; ${[...collector.contentTypes].join(", ")}`,
  );
  assert.ok(processes.length > 0, "process spans exported");
  assert.ok(processes.every((span) => attribute(span, "messaging.system") === "aws_sqs"));
  assert.ok(
    processes.every((span) => (attribute(span, "messaging.destination.name") ?? "").length > 0),
    "the queue names each",
  );
  assert.ok(sends.every((span) => attribute(span, "messaging.system") === "kafka"));
  assert.ok(creates.length > 0, "create spans exported");
  const processIds = new Set(processes.map((span) => span.spanId));
  assert.ok(
    sends.every((span) => span.parentSpanId !== undefined && processIds.has(span.parentSpanId)),
    "send spans are children of a batch's process span",
  );
});
