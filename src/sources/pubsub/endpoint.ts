// Where the Pub/Sub source connects: an emulator (host:port) or Google. Kept apart from the
// client library so the bridge can decide without loading it.

export interface PubSubClientConfig {
  readonly projectId: string;
  /**
   * host:port of an emulator. Google's PUBSUB_EMULATOR_HOST is deliberately not read: meshbridge
   * has one name for it, MB_PUBSUB_EMULATOR_HOST, applied to the configuration (src/cli/config/load.ts).
   */
  readonly emulatorHost?: string;
}

/** The emulator address in effect for this config, or undefined for the real service. */
export function pubsubEmulatorHost(config: PubSubClientConfig): string | undefined {
  const host = config.emulatorHost;
  return host === undefined || host === "" ? undefined : host;
}
