// Factory for the Pub/Sub library's client, used by the simulator, the tests and the benchmark
// (topics, subscriptions, publishing). Locally it talks to the emulator (pstest) over plaintext
// gRPC; in production it uses pubsub.googleapis.com and Application Default Credentials. The
// bridge's source does not use it: see pubsub/grpc-unary.ts.
import { PubSub } from "@google-cloud/pubsub";
import { type PubSubClientConfig, pubsubEmulatorHost } from "../../src/sources/pubsub/endpoint.ts";

export { type PubSubClientConfig, pubsubEmulatorHost } from "../../src/sources/pubsub/endpoint.ts";

export function createPubSubClient(config: PubSubClientConfig): PubSub {
  const emulatorHost = pubsubEmulatorHost(config);
  if (emulatorHost === undefined) return new PubSub({ projectId: config.projectId });
  // No GCE metadata server next to an emulator: skip google-auth's probe (a delay and a warning).
  process.env.METADATA_SERVER_DETECTION ??= "none";
  return new PubSub({ projectId: config.projectId, apiEndpoint: emulatorHost, emulatorMode: true });
}
