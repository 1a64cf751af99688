// The one gRPC channel the Pub/Sub source uses, built directly on grpc-js: plaintext to an
// emulator, TLS plus Application Default Credentials (OAuth tokens per call) to Google or to a
// configured endpoint (its own CA; tokens optional). Loading
// @google-cloud/pubsub and its generated clients for this cost ~30 MB of resident memory per
// process (docs/decisions/0006); the source needs five unary calls, written in
// ./subscriber-codec.ts.
import { type CallCredentials, type ChannelCredentials, Client, credentials } from "@grpc/grpc-js";
import { type PubSubClientConfig, pubsubEmulatorHost } from "./endpoint.ts";

export const PUBSUB_ENDPOINT = "pubsub.googleapis.com:443";
const PUBSUB_SCOPE = "https://www.googleapis.com/auth/pubsub";

// As the Pub/Sub library sets them: pull responses may be far above grpc-js's 4 MB default.
const CHANNEL_OPTIONS = {
  "grpc.max_receive_message_length": -1,
  "grpc.max_send_message_length": -1,
  "grpc.max_metadata_size": 4 * 1024 * 1024,
  "grpc.keepalive_time_ms": 300_000,
  "grpc.keepalive_timeout_ms": 20_000,
} as const;

/** OAuth2 call credentials from Application Default Credentials (loaded only off the emulator). */
async function googleCallCredentials(): Promise<CallCredentials> {
  const { GoogleAuth } = await import("google-auth-library");
  const auth = new GoogleAuth({ scopes: [PUBSUB_SCOPE] });
  const client = await auth.getClient();
  return credentials.createFromGoogleCredential({
    // grpc-js wants a plain object of headers.
    getRequestHeaders: async (url?: string) => Object.fromEntries((await client.getRequestHeaders(url)).entries()),
  });
}

export async function openSubscriberChannel(config: PubSubClientConfig): Promise<Client> {
  const emulator = pubsubEmulatorHost(config);
  if (emulator !== undefined) return new Client(emulator, credentials.createInsecure(), CHANNEL_OPTIONS);
  // The production channel: TLS, with Google's OAuth tokens unless the endpoint is told not to.
  const endpoint = config.endpoint;
  const tls = credentials.createSsl(endpoint?.ca ?? null);
  const channelCredentials: ChannelCredentials =
    endpoint?.callCredentials === "none" ? tls : credentials.combineChannelCredentials(tls, await googleCallCredentials());
  return new Client(endpoint?.host ?? PUBSUB_ENDPOINT, channelCredentials, CHANNEL_OPTIONS);
}
