import assert from "node:assert/strict";
import { test } from "node:test";
import {
  confluentCloudConnection,
  defaultKafkaSinkOptions,
  resolveKafkaSinkOptions,
  toClientConnectionOptions,
} from "../../../src/sink/options.ts";

test("defaults: lz4, idempotence-friendly timeouts, frozen", () => {
  const o = resolveKafkaSinkOptions();
  assert.equal(o.compression, "lz4");
  assert.ok(o.deliveryTimeoutMs >= o.requestTimeoutMs);
  assert.ok(Object.isFrozen(o));
  assert.deepEqual(o.bootstrapBrokers, defaultKafkaSinkOptions.bootstrapBrokers);
});

test("invalid settings are rejected with the setting's name", () => {
  assert.throws(() => resolveKafkaSinkOptions({ bootstrapBrokers: [] }), /bootstrapBrokers/);
  assert.throws(() => resolveKafkaSinkOptions({ bootstrapBrokers: ["no-port"] }), /host:port/);
  assert.throws(() => resolveKafkaSinkOptions({ compression: "brotli" as "lz4" }), /compression/);
  assert.throws(() => resolveKafkaSinkOptions({ requestTimeoutMs: 60_000, deliveryTimeoutMs: 30_000 }), /deliveryTimeoutMs/);
  assert.throws(() => resolveKafkaSinkOptions({ retries: 1 }), /retries/);
  assert.throws(() => resolveKafkaSinkOptions({ sasl: { mechanism: "PLAIN", username: "k", password: "s" } }), /TLS/);
  assert.throws(
    () => resolveKafkaSinkOptions({ bootstrapBrokers: ["a:1\r\nx"] }),
    (e: Error) => !/[\r\n]/.test(e.message),
  );
});

test("Confluent Cloud: SASL/PLAIN with key and secret over TLS with SNI", () => {
  const o = resolveKafkaSinkOptions({
    ...confluentCloudConnection("pkc-123.eu-west-1.aws.confluent.cloud:9092", "KEY", "SECRET"),
  });
  const client = toClientConnectionOptions(o);
  assert.deepEqual(client.bootstrapBrokers, ["pkc-123.eu-west-1.aws.confluent.cloud:9092"]);
  assert.deepEqual(client.sasl, { mechanism: "PLAIN", username: "KEY", password: "SECRET" });
  assert.deepEqual(client.tls, {});
  assert.equal(client.tlsServerName, true);
});

test("plaintext by default: no tls or sasl passed to the client", () => {
  const client = toClientConnectionOptions(resolveKafkaSinkOptions());
  assert.equal(client.tls, undefined);
  assert.equal(client.sasl, undefined);
});

test("a private CA: the bundle is passed on; SNI is the configured servername, or none for IP brokers", () => {
  const ca = "-----BEGIN CERTIFICATE-----";
  const named = toClientConnectionOptions(resolveKafkaSinkOptions({ bootstrapBrokers: ["kafka.internal:9094"], tls: { ca } }));
  assert.deepEqual(named.tls, { ca });
  assert.equal(named.tlsServerName, true);
  const ip = toClientConnectionOptions(resolveKafkaSinkOptions({ bootstrapBrokers: ["127.0.0.1:9094"], tls: { ca } }));
  assert.equal(ip.tlsServerName, undefined, "RFC 6066: no IP address as SNI");
  const overridden = toClientConnectionOptions(
    resolveKafkaSinkOptions({ bootstrapBrokers: ["127.0.0.1:9094"], tls: { ca, servername: "broker.internal" } }),
  );
  assert.equal(overridden.tlsServerName, "broker.internal");
});
