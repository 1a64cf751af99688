// The secured side of the local mesh: Kafka's SASL_SSL listener (same broker), the registry
// over HTTPS with basic auth, and Pub/Sub over TLS (infra/stack/tls-front.ts). The users and
// passwords are test fixtures of this loopback-only mesh, not secrets.
import { ports } from "./ports.ts";
import { meshTls } from "./tls.ts";

export const meshSecured = {
  caFile: meshTls.caFile,
  kafkaSaslBootstrap: `127.0.0.1:${ports.kafkaSasl}`,
  /** SASL/PLAIN user, declared in the listener's JAAS configuration. */
  kafkaPlain: { mechanism: "PLAIN", username: "meshplain", password: "mesh-plain-pw-7f3a" },
  /** SCRAM-SHA-512 user, created when the storage is formatted. */
  kafkaScram: { mechanism: "SCRAM-SHA-512", username: "meshscram", password: "mesh-scram-pw-91c2" },
  registryUrl: `https://127.0.0.1:${ports.registryTls}/apis/ccompat/v7`,
  registryUser: { username: "meshregistry", password: "mesh-registry-pw-4d8e" },
  /** gRPC over TLS to pstest. */
  pubsubHost: `127.0.0.1:${ports.pubsubTls}`,
} as const;
