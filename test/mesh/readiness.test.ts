// /readyz and the per-source metrics against the shared mesh, without stopping any shared server:
// a queue deleted under a running bridge makes every source fail (not ready, naming the queue and
// its error class; one "source failing" line), and recreating it makes the bridge ready again by
// itself ("source recovered"); a registry on a port nobody listens on keeps it not ready, naming
// the check, until a proxy to the real registry opens that port.
import assert from "node:assert/strict";
import { createServer, type Server, connect as tcpConnect } from "node:net";
import { it } from "node:test";
import { DeleteQueueCommand } from "@aws-sdk/client-sqs";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { queueName } from "../../src/sources/sqs/discovery.ts";
import { spawnStartingBridge, sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { createQueue, meshQueueSqs, waitUntil } from "../support/mesh.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

async function readyz(port: number): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** A free TCP port on 127.0.0.1 (nobody listens on it once this resolves). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Forwards every connection on `port` to `target` (host:port). */
async function proxy(port: number, target: URL): Promise<Server> {
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

it("every source failing (its queue deleted) -> not ready, naming it; recreated -> ready again by itself", async () => {
  const deployment = await isolatedDeployment("readyz-sources");
  const world = await provisionSqsWorld(deployment, 1);
  const name = queueName(world.aws.queueUrl);
  const label = `sqs/${name}`;
  const config = { ...sqsBridgeConfig(deployment, world), ops: { metrics: { backlogIntervalSeconds: 1 } } };
  const bridge = await startBridgeProcess(deployment, config, "readyz-sources");
  const sqs = meshQueueSqs();
  try {
    assert.equal((await readyz(bridge.opsPort)).status, 200);
    const events = legacyEvents(world, 20, 13);
    assert.equal(await publishToSqsWorld(world, events, { rate: 0, concurrency: 4 }), events.length);
    await bridge.waitForMetric("meshbridge_source_messages_acked_total", events.length, 60_000);
    let text = await metricsText(bridge.opsPort);
    assert.match(text, new RegExp(`^meshbridge_source_messages_received_total\\{source="${label}"\\} ${events.length}$`, "m"));
    assert.match(text, new RegExp(`^meshbridge_source_state\\{source="${label}",state="subscribed"\\} 1$`, "m"));
    assert.match(text, /^meshbridge_ready 1$/m);
    assert.match(text, /^meshbridge_kafka_producer_state\{state="connected"\} 1$/m);
    assert.match(text, /^meshbridge_kafka_batch_records_count [1-9]/m);
    // Drained: SQS says nothing is visible or in flight (polled every second).
    await waitUntil(
      async () =>
        new RegExp(`^meshbridge_source_backlog_messages\\{source="${label}"\\} 0$`, "m").test(await metricsText(bridge.opsPort)),
      30_000,
      "backlog 0 once drained",
      200,
    );

    await sqs.send(new DeleteQueueCommand({ QueueUrl: world.aws.queueUrl }));
    let answer = { status: 0, body: "" };
    await waitUntil(
      async () => {
        answer = await readyz(bridge.opsPort);
        return answer.status === 503;
      },
      30_000,
      "not ready once the queue is gone",
      200,
    );
    assert.match(
      answer.body,
      new RegExp(
        `^not ready: all 1 source failing: ${label} \\((QueueDoesNotExist|AWS\\.SimpleQueueService\\.NonExistentQueue)\\)\\n$`,
      ),
    );
    text = await metricsText(bridge.opsPort);
    assert.match(text, new RegExp(`^meshbridge_source_state\\{source="${label}",state="failing"\\} 1$`, "m"));
    assert.match(text, /^meshbridge_ready 0$/m);

    await createQueue(sqs, name);
    await waitUntil(
      async () => (await readyz(bridge.opsPort)).status === 200,
      60_000,
      "ready again after the queue is back",
      200,
    );
    assert.match(
      await metricsText(bridge.opsPort),
      new RegExp(`^meshbridge_source_state\\{source="${label}",state="subscribed"\\} 1$`, "m"),
    );
    const transitions = bridge.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.source === label && typeof line.msg === "string" && line.msg.startsWith("source "));
    assert.deepEqual(
      transitions.map((line) => line.msg),
      ["source subscribed", "source failing", "source recovered"],
      "one line per state change, however many receives failed",
    );
    assert.match(String(transitions[1]!.errorClass), /QueueDoesNotExist|NonExistentQueue/);
  } finally {
    assert.equal(await bridge.stop(), 0);
    sqs.destroy();
  }
});

it("a registry that cannot be reached -> not ready, naming the registry check; reachable -> ready by itself", async () => {
  const deployment = await isolatedDeployment("readyz-registry");
  const world = await provisionSqsWorld(deployment, 1);
  const opsPort = await freePort();
  const registryPort = await freePort();
  const real = new URL(meshEndpoints.registryUrl);
  const base = sqsBridgeConfig(deployment, world);
  const config = {
    ...base,
    registry: { url: `http://127.0.0.1:${registryPort}${real.pathname}` },
    http: { port: opsPort, host: "127.0.0.1" },
  };
  const bridge = spawnStartingBridge(deployment, config, "readyz-registry");
  let registry: Server | undefined;
  try {
    await bridge.waitForLog("schema registry unreachable at start-up", 60_000);
    const answer = await readyz(opsPort);
    assert.equal(answer.status, 503);
    assert.match(answer.body, /^not ready: registry check not passed: .+/);
    assert.match(await metricsText(opsPort), /^meshbridge_ready 0$/m);

    registry = await proxy(registryPort, real);
    await waitUntil(async () => (await readyz(opsPort)).status === 200, 60_000, "ready once the registry answers", 200);
    assert.match(await metricsText(opsPort), /^meshbridge_ready 1$/m);
  } finally {
    bridge.child.kill("SIGTERM");
    assert.equal(await bridge.exited, 0);
    await new Promise<void>((resolve) => (registry === undefined ? resolve() : registry.close(() => resolve())));
  }
});
