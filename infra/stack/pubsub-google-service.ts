// The `pubsub-google` service: Google's own Pub/Sub emulator (Java, from the Debian package
// google-cloud-cli-pubsub-emulator), beside pstest. Unlike pstest it enforces the 10-600 s ack
// deadline and implements dead-letter policies and exactly-once subscriptions, so the
// delivery-semantics tests run against both. Optional: where the package is missing, `stack up`
// says so and its tests skip.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { meshEndpoints, ports, stackDir } from "./ports.ts";
import { startDetached } from "./process.ts";
import type { Service } from "./services.ts";

export const pubsubGoogleLauncher = "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator";
export const pubsubGooglePackage = "google-cloud-cli-pubsub-emulator";

/** Why Google's emulator cannot run on this machine; undefined when it can. */
export function pubsubGoogleMissing(): string | undefined {
  if (existsSync(pubsubGoogleLauncher)) return undefined;
  return `not installed (apt package ${pubsubGooglePackage}; no ${pubsubGoogleLauncher}); its tests are skipped`;
}

const workDir = join(stackDir, "pubsub-google-data");

export const pubsubGoogle: Service = {
  name: "pubsub-google",
  ports: [ports.pubsubGoogle],
  address: meshEndpoints.pubsubGoogleEmulatorHost,
  startTimeoutMs: 90_000,
  missing: pubsubGoogleMissing,
  prepare() {},
  start() {
    // It keeps nothing on disk that we want; its working directory starts empty like the rest.
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    startDetached("pubsub-google", pubsubGoogleLauncher, ["--host=127.0.0.1", `--port=${ports.pubsubGoogle}`], {
      cwd: workDir,
      env: { JAVA_OPTS: "-Xms64m -Xmx384m -XX:+UseSerialGC -Djava.awt.headless=true" },
    });
  },
  async healthy() {
    // A real call through gRPC: ListTopics.
    process.env.METADATA_SERVER_DETECTION ??= "none";
    const { PubSub } = await import("@google-cloud/pubsub");
    const client = new PubSub({
      projectId: "meshbridge-health",
      apiEndpoint: meshEndpoints.pubsubGoogleEmulatorHost,
      emulatorMode: true,
    });
    try {
      await client.getTopics({ gaxOpts: { timeout: 3000, retry: null } });
      return true;
    } finally {
      await client.close();
    }
  },
};
