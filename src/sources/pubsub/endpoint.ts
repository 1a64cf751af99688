// Where the Pub/Sub source connects: an emulator (host:port) or Google. Kept apart from the
// client library so the bridge can decide without loading it.

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
