// Where the Pub/Sub source connects: an emulator (host:port) or Google. Kept apart from the
// client library so the bridge can decide without loading it.

/** The production (TLS) channel to an endpoint other than Google's default one. */
export interface PubSubTlsEndpoint {
  /** host:port */
  readonly host: string;
  /** PEM CA bundle trusted instead of the system CAs. */
  readonly ca?: Buffer;
  /** "google": ADC OAuth tokens on every call; "none": TLS alone (no Google token is sent). */
  readonly callCredentials: "google" | "none";
}

export interface PubSubClientConfig {
  readonly projectId: string;
  /**
   * host:port of an emulator. Google's PUBSUB_EMULATOR_HOST is deliberately not read: meshbridge
   * has one name for it, MB_PUBSUB_EMULATOR_HOST, applied to the configuration (src/cli/config/load.ts).
   */
  readonly emulatorHost?: string;
  /** TLS to this endpoint instead of Google's; an emulator (even from the environment) is then ignored. */
  readonly endpoint?: PubSubTlsEndpoint;
}

/** The emulator address in effect for this config, or undefined for the real service. */
export function pubsubEmulatorHost(config: PubSubClientConfig): string | undefined {
  if (config.endpoint !== undefined) return undefined;
  const host = config.emulatorHost;
  return host === undefined || host === "" ? undefined : host;
}
