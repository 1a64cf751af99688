// The status page at / of the ops port in headless Chromium. First against an ops server fed
// hostile-looking metric labels and configuration: they show as text, run nothing, and the CSP
// holds. Then a real bridge on the mesh with the simulator feeding an SQS queue and two Pub/Sub
// subscriptions: the page shows each source, its numbers change, the configuration with its
// secret redacted, and the SQS source failing once its queue is deleted (Pub/Sub unaffected). Screenshots go to test-results/ (printed).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { DeleteQueueCommand } from "@aws-sdk/client-sqs";
import type { Browser, Page } from "playwright-core";
import { REDACTED } from "../../src/cli/config.ts";
import type { StaticKeyFile } from "../../src/crypto/static-keyring.ts";
import { startOpsServer } from "../../src/ops/http.ts";
import { BridgeMetrics, Counter } from "../../src/ops/metrics.ts";
import { deletePubSubWorld } from "../../tools/simulator/pubsub-world.ts";
import { pubsubSource, sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { collectPageErrors, launchBrowser, saveScreenshot } from "../support/browser.ts";
import { isolatedDeployment } from "../support/deployment.ts";
import { meshPubSub, meshQueueSqs, waitUntil } from "../support/mesh.ts";
import {
  legacyEvents,
  provisionPubSubWorld,
  provisionSqsWorld,
  publishToPubSubWorld,
  publishToSqsWorld,
} from "../support/worlds.ts";

const HOSTILE = 'sqs/<img src=x onerror="window.__pwned=1">"</td><script>window.__pwned=2</script>';

let browser: Browser | undefined;
let missing: string | undefined;
before(async () => {
  const launched = await launchBrowser();
  if ("browser" in launched) browser = launched.browser;
  else missing = launched.missing;
});
after(() => browser?.close());

// Rows found by their data-source attribute read back (no selector built from a hostile name);
// and no DOM types here: this project compiles for Node.
async function sourceRow(page: Page, source: string) {
  const rows = page.locator("#sources tbody tr");
  for (let i = 0, n = await rows.count(); i < n; i++)
    if ((await rows.nth(i).getAttribute("data-source")) === source) return rows.nth(i);
  return undefined;
}

/** The text of a source row's cell (data-field), or undefined while the row is not there. */
async function cellText(page: Page, source: string, field: string): Promise<string | undefined> {
  const row = await sourceRow(page, source);
  return row === undefined ? undefined : ((await row.locator(`td[data-field="${field}"]`).textContent()) ?? undefined);
}

async function rowState(page: Page, source: string): Promise<string | undefined> {
  return (await (await sourceRow(page, source))?.getAttribute("data-state")) ?? undefined;
}

async function sourceNames(page: Page): Promise<string[]> {
  const names = await page.locator("#sources tbody tr").evaluateAll((rows) => rows.map((row) => row.getAttribute("data-source")));
  return names.filter((name): name is string => name !== null);
}

const count = (text: string | undefined): number => Number((text ?? "").replaceAll(",", ""));

describe("status page in headless Chromium", () => {
  it("hostile label values and configuration are shown as text and run nothing", async (t) => {
    if (browser === undefined) return t.skip(`no browser: ${missing}`);
    const metrics = new BridgeMetrics();
    const perSource = new Counter("meshbridge_source_messages_received_total", "per source");
    perSource.inc({ source: HOSTILE }, 5);
    metrics.register(perSource);
    metrics.deadLettered.inc({ source: HOSTILE, stage: "map", error_class: "<b>Bold</b>" }, 2);
    const server = await startOpsServer(
      0,
      "127.0.0.1",
      metrics,
      { ready: () => false, reason: "<i>starting</i>" },
      { sources: { note: "</pre><script>window.__pwned=3</script>" } },
    );
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await waitUntil(async () => (await sourceNames(page)).includes(HOSTILE), 30_000, "the hostile source row", 200);
      assert.equal(await cellText(page, HOSTILE, "source"), HOSTILE, "the name shown exactly as it is");
      assert.equal(await cellText(page, HOSTILE, "received"), "5");
      await waitUntil(
        async () => (await page.textContent("#config"))?.includes("window.__pwned=3") === true,
        30_000,
        "config",
        200,
      );
      const injected = await page.evaluate(`({
        pwned: window.__pwned,
        images: document.querySelectorAll("img").length,
        bold: document.querySelectorAll("b, i").length,
        scripts: document.querySelectorAll("script").length,
        deadLetterClass: document.querySelector('#dead-letters td[data-field="error-class"]')?.textContent,
        reason: document.getElementById("ready-reason")?.textContent,
      })`);
      assert.deepEqual(injected, {
        pwned: undefined,
        images: 0,
        bold: 0,
        scripts: 1,
        deadLetterClass: "<b>Bold</b>",
        reason: "<i>starting</i>",
      });
      assert.deepEqual(errors, [], "no page error and no CSP violation");
      console.log(`status page screenshot (hostile labels): ${await saveScreenshot(page, "status-page-hostile")}`);
    } finally {
      await page.close();
      server.close();
    }
  });

  it("a bridge on the mesh: the source, changing numbers, redacted config, then the source failing", {
    timeout: 300_000,
  }, async (t) => {
    if (browser === undefined) return t.skip(`no browser: ${missing}`);
    const deployment = await isolatedDeployment("status-page");
    // Its own suffix: both worlds keep their seal-key files in the deployment directory.
    const world = await provisionSqsWorld(deployment, 4, { suffix: "-aws" });
    const gcp = await provisionPubSubWorld(deployment, { tenants: 2, keyVersions: 1, orderedEvery: 0, orderingKeysPerTenant: 1 });
    // Both backends' tenant keys given inline: a secret the page must show redacted, never itself.
    const read = (path: string): StaticKeyFile => JSON.parse(readFileSync(path, "utf8")) as StaticKeyFile;
    const keys: StaticKeyFile = {
      tenants: { ...read(world.keys.bridgeKeyFile).tenants, ...read(gcp.keys.bridgeKeyFile).tenants },
    };
    const keyMaterial = Object.values(keys.tenants)
      .flatMap((versions) => Object.values(versions))
      .filter((value) => value.length >= 16);
    assert.ok(keyMaterial.length > 0, "the worlds have keys to look for");
    const config = sqsBridgeConfig(deployment, world, { receivers: 2, waitTimeSeconds: 1 });
    config.sources = { ...(config.sources as object), pubsub: pubsubSource({ discovery: [{ label: gcp.pubsub.label }] }) };
    config.keys = { provider: "static", json: JSON.stringify(keys) };
    const bridge = await startBridgeProcess(deployment, config, "status-page");
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = collectPageErrors(page);
    const sqs = meshQueueSqs();
    const pubsub = meshPubSub();
    try {
      await page.goto(`http://127.0.0.1:${bridge.opsPort}/`);
      // Events keep arriving while the page is read: 40/s for about 20 s.
      const events = legacyEvents(world, 800, 23);
      const publishing = publishToSqsWorld(world, events, { rate: 40, concurrency: 4 });
      const publishingToPubSub = publishToPubSubWorld(gcp, { count: 200, seed: 24 });

      let source: string | undefined;
      await waitUntil(
        async () => {
          source = (await sourceNames(page)).find((name) => name.startsWith("sqs/") || name === "all sources");
          return source !== undefined && count(await cellText(page, source, "received")) > 0;
        },
        60_000,
        "a source row with messages received",
        250,
      );
      assert.ok(source !== undefined);
      const queueName = world.aws.queueUrl.split("/").pop()!;
      if (source !== "all sources") assert.equal(source, `sqs/${queueName}`, "the source is named after its queue");
      const first = count(await cellText(page, source, "received"));
      await waitUntil(async () => count(await cellText(page, source!, "received")) > first, 60_000, "received to grow", 250);
      const second = count(await cellText(page, source, "received"));
      t.diagnostic(`page read received ${first}, then ${second}`);
      assert.ok(second > first);
      assert.equal(await page.textContent("#ready"), "ready");
      await waitUntil(async () => (await page.locator("#chart polyline").count()) > 0, 30_000, "a line in the chart", 250);

      const shownConfig = (await page.textContent("#config")) ?? "";
      const configShown = JSON.parse(shownConfig) as { keys: { json: string }; sources: { sqs: { queueUrl: string }[] } };
      assert.equal(configShown.keys.json, REDACTED);
      assert.equal(configShown.sources.sqs[0]?.queueUrl, world.aws.queueUrl);
      const wholePage = (await page.textContent("body")) ?? "";
      for (const key of keyMaterial) assert.ok(!wholePage.includes(key), "a tenant key is on the page");
      assert.equal(await publishing, events.length);
      assert.equal(await publishingToPubSub, 200);
      // The Pub/Sub subscriptions: one row each, subscribed, with what they received.
      const subscriptions = Object.values(gcp.pubsub.tenants).map((route) => `pubsub/${route.subscription.split("/").pop()}`);
      await waitUntil(
        async () => {
          const names = await sourceNames(page);
          return subscriptions.every((name) => names.includes(name));
        },
        60_000,
        `rows for ${subscriptions.join(", ")}`,
        250,
      );
      for (const name of subscriptions) {
        assert.equal(await cellText(page, name, "kind"), "Pub/Sub subscription");
        await waitUntil(async () => (await rowState(page, name)) === "subscribed", 60_000, `${name} subscribed`, 250);
      }
      await waitUntil(
        async () => {
          let total = 0;
          for (const name of subscriptions) total += count(await cellText(page, name, "received"));
          return total >= 200;
        },
        90_000,
        "the Pub/Sub events received",
        250,
      );
      console.log(`status page screenshot (running): ${await saveScreenshot(page, "status-page")}`);

      // A source failure: its queue is deleted under it.
      await sqs.send(new DeleteQueueCommand({ QueueUrl: world.aws.queueUrl }));
      await waitUntil(async () => (await rowState(page, source!)) === "failing", 120_000, "the source shown failing", 500);
      assert.equal(await cellText(page, source, "state"), "failing");
      for (const name of subscriptions) assert.equal(await rowState(page, name), "subscribed", `${name} unaffected`);
      console.log(`status page screenshot (source failing): ${await saveScreenshot(page, "status-page-failing")}`);
      assert.deepEqual(errors, [], "no page error and no CSP violation");
    } finally {
      sqs.destroy();
      await page.close();
      const code = await bridge.stop();
      await deletePubSubWorld(pubsub, gcp.pubsub);
      await pubsub.close();
      assert.equal(code, 0, "graceful shutdown exits 0");
    }
  });
});
