// What every Pub/Sub bridge test file sets up and tears down: a deployment of its own, a
// Pub/Sub world on the emulator (tenants named after it), a collector reading the deployment's
// topics from the start, and the bridge in this process; provisioned in `before`, removed in
// `after` (the bridge stopped first).
import { after, before } from "node:test";
import type { PubSub } from "@google-cloud/pubsub";
import { meshEndpoints } from "../../infra/stack/ports.ts";
import { deletePubSubWorld, type PubSubWorldFile } from "../../tools/simulator/pubsub-world.ts";
import { type BridgeSettings, bridgeConfig, type InProcessBridge, startBridgeInProcess } from "./bridge.ts";
import { type Deployment, isolatedDeployment } from "./deployment.ts";
import { meshPubSub, meshPubSubProject } from "./mesh.ts";
import { RecordCollector } from "./records.ts";
import { type PubSubPublish, type PubSubWorldOptions, provisionPubSubWorld, publishToPubSubWorld } from "./worlds.ts";

export interface PubSubTestWorld {
  readonly deployment: Deployment;
  readonly world: PubSubWorldFile;
  readonly collector: RecordCollector;
  /** An emulator client for the test's own admin calls (closed after the file). */
  readonly pubsub: PubSub;
  /** The bridge in this process on the deployment (budget 2000 messages unless given; grace 20 s). */
  startBridge(settings: BridgeSettings): Promise<InProcessBridge>;
  /** Stops the bridge now (otherwise `after` does). */
  stopBridge(): Promise<void>;
  /** Publishes events of a seed to the world's tenants; resolves with how many the emulator took. */
  publish(publish: PubSubPublish): Promise<number>;
}

class PubSubTestRun implements PubSubTestWorld {
  readonly pubsub: PubSub;
  readonly #emulatorHost: string;
  #deployment: Deployment | undefined;
  #world: PubSubWorldFile | undefined;
  #collector: RecordCollector | undefined;
  #bridge: InProcessBridge | undefined;

  constructor(emulatorHost: string) {
    this.#emulatorHost = emulatorHost;
    this.pubsub = meshPubSub(meshPubSubProject, emulatorHost);
  }

  get deployment(): Deployment {
    return provisioned(this.#deployment);
  }

  get world(): PubSubWorldFile {
    return provisioned(this.#world);
  }

  get collector(): RecordCollector {
    return provisioned(this.#collector);
  }

  async provision(label: string, options: PubSubWorldOptions): Promise<void> {
    this.#deployment = await isolatedDeployment(label);
    this.#world = await provisionPubSubWorld(this.#deployment, options);
    this.#collector = await RecordCollector.open(this.#deployment);
  }

  async startBridge(settings: BridgeSettings): Promise<InProcessBridge> {
    if (this.#bridge !== undefined) throw new Error("the bridge is already running");
    // The bridge reads the server the world lives on.
    const pubsub = settings.sources.pubsub as Record<string, unknown> | undefined;
    const sources =
      pubsub === undefined ? settings.sources : { ...settings.sources, pubsub: { ...pubsub, emulatorHost: this.#emulatorHost } };
    const config = bridgeConfig(this.deployment, this.world, {
      budget: { maxMessages: 2000 },
      shutdownGraceSeconds: 20,
      ...settings,
      sources,
    });
    this.#bridge = await startBridgeInProcess(config);
    return this.#bridge;
  }

  async stopBridge(): Promise<void> {
    const running = this.#bridge;
    this.#bridge = undefined;
    await running?.bridge.stop();
  }

  publish(publish: PubSubPublish): Promise<number> {
    return publishToPubSubWorld(this.world, publish, this.#emulatorHost);
  }

  async teardown(): Promise<void> {
    try {
      await this.stopBridge();
      await this.#collector?.close();
    } finally {
      if (this.#world !== undefined) await deletePubSubWorld(this.pubsub, this.#world.pubsub);
      await this.pubsub.close();
    }
  }
}

function provisioned<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the Pub/Sub test world is provisioned in before(): use it inside a test");
  return value;
}

/**
 * Registers the file's `before` (provision, then `setUp`) and `after` (stop, delete) hooks; use
 * the world in tests. Top-level hooks start as they are registered, not one after the other:
 * what else the file provisions goes in `setUp`, not in a `before` of its own.
 */
export function provisionPubSubTestWorld(
  label: string,
  options: PubSubWorldOptions,
  setUp?: (run: PubSubTestWorld) => Promise<void>,
): PubSubTestWorld {
  const run = new PubSubTestRun(options.emulatorHost ?? meshEndpoints.pubsubEmulatorHost);
  before(async () => {
    await run.provision(label, options);
    await setUp?.(run);
  });
  after(() => run.teardown());
  return run;
}
