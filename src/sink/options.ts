// Settings of the Kafka sink: defaults, validation (once, at construction), and the mapping onto
// @platformatic/kafka's client options. See docs/decisions/0001-kafka-client.md.
import { isIP } from "node:net";
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";

export const kafkaCompressions = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type KafkaCompression = (typeof kafkaCompressions)[number];

/** SASL over TLS. Confluent Cloud: mechanism "PLAIN", username = API key, password = API secret. */
export interface KafkaSaslOptions {
  readonly mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
  readonly username: string;
  readonly password: string;
}

/** What any meshbridge Kafka client (sink, admin, tests) needs to reach the cluster. */
export interface KafkaConnectionOptions {
  /** "host:port" strings. */
  readonly bootstrapBrokers: readonly string[];
  readonly clientId: string;
  /** true = TLS with the system CAs; an object = Node TLS options (CA, servername, ...). */
  readonly tls: boolean | TlsConnectionOptions;
  readonly sasl: KafkaSaslOptions | undefined;
  readonly connectTimeoutMs: number;
  /** Time to wait for one broker response. */
  readonly requestTimeoutMs: number;
}

export interface KafkaSinkOptions extends KafkaConnectionOptions {
  /** Chosen by measurement (docs/decisions/0001-kafka-client.md): lz4. */
  readonly compression: KafkaCompression;
  /** Retries of retriable broker errors inside the client before send() rejects. */
  readonly retries: number;
  readonly retryDelayMs: number;
  /**
   * Upper bound from send() to its outcome, retries included (Java's delivery.timeout.ms).
   * Must be at least requestTimeoutMs.
   */
  readonly deliveryTimeoutMs: number;
  /**
   * Upper bound of one produce request. A send() larger than this, or whose records for one
   * partition would exceed the topic's max.message.bytes as one batch, is split into several
   * requests sent one after the other (order kept). The client has no linger: batching is the
   * caller's send(records[]).
   */
  readonly maxRequestBytes: number;
  /** How long cached topic metadata (partition counts, leaders) is trusted. */
  readonly metadataMaxAgeMs: number;
  /**
   * Topics whose records travel in produce requests of their own, after the others (the bridge
   * puts its dead-letter topic here): when only such a request fails (the topic deleted, its ACL
   * revoked), the others are known written and are not sent again.
   */
  readonly isolatedTopics: readonly string[];
}

export const defaultKafkaSinkOptions: KafkaSinkOptions = Object.freeze({
  bootstrapBrokers: Object.freeze(["127.0.0.1:19092"]),
  clientId: "meshbridge",
  tls: false,
  sasl: undefined,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  compression: "lz4",
  retries: 5,
  retryDelayMs: 500,
  deliveryTimeoutMs: 120_000,
  maxRequestBytes: 8 * 1024 * 1024,
  metadataMaxAgeMs: 60_000,
  isolatedTopics: Object.freeze([]),
});

/** Fills in defaults, validates, freezes. Throws an Error naming the bad setting. */
export function resolveKafkaSinkOptions(partial: Partial<KafkaSinkOptions> = {}): Readonly<KafkaSinkOptions> {
  const options: KafkaSinkOptions = { ...defaultKafkaSinkOptions, ...stripUndefined(partial) };
  if (options.bootstrapBrokers.length === 0) throw new Error("kafka: bootstrapBrokers is empty");
  for (const broker of options.bootstrapBrokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker)) throw new Error(`kafka: bootstrap broker '${clean(broker)}' is not host:port`);
  }
  if (!/^\S+$/.test(options.clientId)) throw new Error("kafka: clientId must be non-empty without spaces");
  if (!kafkaCompressions.includes(options.compression)) {
    throw new Error(`kafka: compression '${clean(String(options.compression))}' is not one of ${kafkaCompressions.join(", ")}`);
  }
  for (const name of [
    "connectTimeoutMs",
    "requestTimeoutMs",
    "retryDelayMs",
    "deliveryTimeoutMs",
    "maxRequestBytes",
    "metadataMaxAgeMs",
  ] as const) {
    const value = options[name];
    if (!Number.isFinite(value) || value <= 0) throw new Error(`kafka: ${name} must be a positive number, got ${value}`);
  }
  // The client reads 1 as "retry forever" for idempotent producers, so 1 cannot be honoured.
  if (!Number.isInteger(options.retries) || options.retries < 0 || options.retries === 1) {
    throw new Error(`kafka: retries must be 0 or an integer >= 2, got ${options.retries}`);
  }
  if (options.deliveryTimeoutMs < options.requestTimeoutMs) {
    throw new Error(
      `kafka: deliveryTimeoutMs (${options.deliveryTimeoutMs}) must be >= requestTimeoutMs (${options.requestTimeoutMs})`,
    );
  }
  if (options.sasl !== undefined) {
    if (options.sasl.username === "" || options.sasl.password === "")
      throw new Error("kafka: sasl username and password must be set");
    if (options.tls === false) throw new Error("kafka: SASL without TLS would send credentials in clear text; set tls");
  }
  return Object.freeze({
    ...options,
    bootstrapBrokers: Object.freeze([...options.bootstrapBrokers]),
    isolatedTopics: Object.freeze([...options.isolatedTopics]),
  });
}

/** Confluent Cloud: SASL/PLAIN with an API key and secret, over TLS. Not testable locally. */
export function confluentCloudConnection(
  bootstrap: string,
  apiKey: string,
  apiSecret: string,
): Pick<KafkaConnectionOptions, "bootstrapBrokers" | "tls" | "sasl"> {
  return {
    bootstrapBrokers: bootstrap.split(",").map((b) => b.trim()),
    tls: true,
    sasl: { mechanism: "PLAIN", username: apiKey, password: apiSecret },
  };
}

/** The connection part of @platformatic/kafka's BaseOptions. */
export function toClientConnectionOptions(options: KafkaConnectionOptions): {
  clientId: string;
  bootstrapBrokers: string[];
  connectTimeout: number;
  timeout: number;
  requestTimeout: number;
  tls?: TlsConnectionOptions;
  tlsServerName?: boolean | string;
  sasl?: { mechanism: KafkaSaslOptions["mechanism"]; username: string; password: string };
} {
  const tls = options.tls === true ? {} : options.tls === false ? undefined : options.tls;
  return {
    clientId: options.clientId,
    bootstrapBrokers: [...options.bootstrapBrokers],
    connectTimeout: options.connectTimeoutMs,
    timeout: options.requestTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    ...(tls === undefined ? {} : { tls, ...serverNameOption(tls, options.bootstrapBrokers) }),
    ...(options.sasl === undefined
      ? {}
      : { sasl: { mechanism: options.sasl.mechanism, username: options.sasl.username, password: options.sasl.password } }),
  };
}

/**
 * SNI with the broker's host name: Confluent Cloud routes on it. A configured servername wins
 * (and is also the name the certificate is checked against); IP-literal brokers get none (RFC 6066).
 */
function serverNameOption(tls: TlsConnectionOptions, brokers: readonly string[]): { tlsServerName?: boolean | string } {
  if (tls.servername !== undefined) return { tlsServerName: tls.servername };
  const allIps = brokers.every((broker) => isIP(broker.slice(0, broker.lastIndexOf(":"))) !== 0);
  return allIps ? {} : { tlsServerName: true };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Values from configuration go into error messages: no CR/LF (log injection). */
export function clean(value: string): string {
  return value.replace(/[\r\n]+/g, " ");
}
