// AWS client settings for the local mesh's simulators and tools (moto takes any credentials).
import { meshEndpoints } from "../../infra/stack/ports.ts";
import type { AwsClientConfig } from "../../src/sources/aws-clients.ts";

export function localAws(): AwsClientConfig {
  return {
    region: process.env.AWS_REGION ?? "us-east-1",
    endpoint: process.env.MB_AWS_ENDPOINT ?? meshEndpoints.awsEndpoint,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "test",
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "test",
    },
  };
}

/** The Pub/Sub emulator the simulators use: MB_PUBSUB_EMULATOR_HOST, as for `run`. */
export function localPubSubEmulator(): string {
  const host = process.env.MB_PUBSUB_EMULATOR_HOST;
  return host === undefined || host === "" ? meshEndpoints.pubsubEmulatorHost : host;
}
