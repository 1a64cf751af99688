// Addresses of the local event mesh. Every port can be moved with an environment variable,
// so two checkouts (or CI beside a developer) can run side by side.
import { join } from "node:path";

export const repoRoot = join(import.meta.dirname, "..", "..");
export const cacheDir = process.env.MB_CACHE_DIR ?? join(repoRoot, ".cache");
/** Pid files, logs and server state of one stack: a second stack (the fault tests') needs its own. */
export const stackDir = process.env.MB_STACK_DIR || join(cacheDir, "stack");

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port (1-65535)`);
  }
  return value;
}

export const ports = {
  kafka: port("MB_KAFKA_PORT", 19092),
  kafkaController: port("MB_KAFKA_CONTROLLER_PORT", 19093),
  registry: port("MB_REGISTRY_PORT", 18081),
  moto: port("MB_MOTO_PORT", 15000),
  elasticmq: port("MB_ELASTICMQ_PORT", 19324),
  pubsub: port("MB_PUBSUB_PORT", 18085),
  /** The broker's SASL_SSL listener (see secured.ts). */
  kafkaSasl: port("MB_KAFKA_SASL_PORT", 19094),
  /** HTTPS + basic auth in front of the registry, and TLS in front of pstest (tls-front.ts). */
  registryTls: port("MB_REGISTRY_TLS_PORT", 18443),
  pubsubTls: port("MB_PUBSUB_TLS_PORT", 18086),
  /** Google's own Pub/Sub emulator (optional; see pubsub-google-service.ts). */
  pubsubGoogle: port("MB_PUBSUB_GOOGLE_PORT", 18087),
} as const;

/** What clients of the mesh (tests, bench, demo) use to reach it. */
export const meshEndpoints = {
  kafkaBootstrap: `127.0.0.1:${ports.kafka}`,
  registryUrl: `http://127.0.0.1:${ports.registry}/apis/ccompat/v7`,
  /** moto: SNS (fanning in to its own SQS queues) and KMS. */
  awsEndpoint: `http://127.0.0.1:${ports.moto}`,
  /** ElasticMQ: SQS alone, fast enough for throughput, crash and fault tests. */
  sqsEndpoint: `http://127.0.0.1:${ports.elasticmq}`,
  pubsubEmulatorHost: `127.0.0.1:${ports.pubsub}`,
  /** Google's emulator: enforces ack deadlines, dead-letter policies, exactly-once delivery. */
  pubsubGoogleEmulatorHost: `127.0.0.1:${ports.pubsubGoogle}`,
} as const;
