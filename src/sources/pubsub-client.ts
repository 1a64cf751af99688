// Factory for the Pub/Sub client. Locally it talks to the emulator (pstest) over plaintext
// gRPC; in production it uses pubsub.googleapis.com and Application Default Credentials.
import { PubSub } from "@google-cloud/pubsub";

export interface PubSubClientConfig {
  readonly projectId: string;
  /** host:port of an emulator; when unset, PUBSUB_EMULATOR_HOST (if set) is honoured. */
  readonly emulatorHost?: string;
}

/** The emulator address in effect for this config, or undefined for the real service. */
export function pubsubEmulatorHost(config: PubSubClientConfig): string | undefined {
  const host = config.emulatorHost ?? process.env.PUBSUB_EMULATOR_HOST;
  return host === undefined || host === "" ? undefined : host;
}

export function createPubSubClient(config: PubSubClientConfig): PubSub {
  const emulatorHost = pubsubEmulatorHost(config);
  if (emulatorHost === undefined) return new PubSub({ projectId: config.projectId });
  // No GCE metadata server next to an emulator: skip google-auth's probe (a delay and a warning).
  process.env.METADATA_SERVER_DETECTION ??= "none";
  return new PubSub({ projectId: config.projectId, apiEndpoint: emulatorHost, emulatorMode: true });
}
