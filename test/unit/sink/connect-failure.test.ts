// A refused SASL login and an untrusted certificate, as @platformatic/kafka reports them (the
// cause several levels down, seen against the mesh's SASL_SSL listener), become one message
// naming the listener and the mechanism, never the password.
import assert from "node:assert/strict";
import { test } from "node:test";
import { describeConnectFailure, listenerOf } from "../../../src/sink/connect-failure.ts";

const PASSWORD = "hunter2-do-not-print";
const options = {
  bootstrapBrokers: ["broker-1.internal:9094", "broker-2.internal:9094"],
  tls: { ca: "-----BEGIN CERTIFICATE-----" },
  sasl: { mechanism: "SCRAM-SHA-512", username: "svc-bridge", password: PASSWORD },
} as const;

/** The shape of "Cannot connect to any broker." with its cause inside. */
function clientError(innermost: object): Error {
  const network = Object.assign(new Error("Connection to broker-1.internal:9094 failed."), {
    code: "PLT_KFK_NETWORK",
    cause: innermost,
  });
  return Object.assign(new AggregateError([network], "Cannot connect to any broker."), { code: "PLT_KFK_MULTIPLE" });
}

test("a refused SASL login names the listener, mechanism and user, not the password", () => {
  const refused = Object.assign(new Error("SASL authentication failed."), {
    code: "PLT_KFK_AUTHENTICATION",
    cause: Object.assign(new AggregateError([], "Received response with error while executing API SaslAuthenticate(v2)"), {
      errors: [
        {
          code: "PLT_KFK_PROTOCOL",
          serverErrorMessage:
            "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512",
        },
      ],
    }),
  });
  const message = describeConnectFailure(clientError(refused), options);
  assert.ok(message !== undefined);
  assert.match(message, /refused the SASL login on listener SASL_SSL broker-1\.internal:9094,broker-2\.internal:9094/);
  assert.match(message, /mechanism SCRAM-SHA-512, user 'svc-bridge'/);
  assert.match(message, /check kafka\.sasl\.username and kafka\.sasl\.password/);
  assert.ok(!message.includes(PASSWORD));
});

test("an untrusted broker certificate says which trust store and what to set", () => {
  const tls = Object.assign(new Error("self-signed certificate in certificate chain"), { code: "SELF_SIGNED_CERT_IN_CHAIN" });
  const withCa = describeConnectFailure(clientError(tls), options);
  assert.match(
    withCa ?? "",
    /TLS to listener SASL_SSL broker-1\.internal:9094.* not trusted by the CA bundle in kafka\.tls\.ca \(SELF_SIGNED_CERT_IN_CHAIN\)/,
  );
  const systemCas = describeConnectFailure(clientError(tls), { ...options, tls: true });
  assert.match(systemCas ?? "", /not trusted by the system CAs .*set kafka\.tls\.ca/);
  assert.match(systemCas ?? "", /SASL mechanism SCRAM-SHA-512 not attempted/);
  assert.ok(!(systemCas ?? "").includes(PASSWORD));
});

test("any other failure is left to the original error", () => {
  const refusedConnection = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  assert.equal(describeConnectFailure(clientError(refusedConnection), options), undefined);
  assert.equal(describeConnectFailure("not an error", options), undefined);
});

test("the listener's protocol follows tls and sasl", () => {
  const brokers = ["b:1"];
  assert.equal(listenerOf({ bootstrapBrokers: brokers, tls: false, sasl: undefined }), "PLAINTEXT b:1");
  assert.equal(listenerOf({ bootstrapBrokers: brokers, tls: true, sasl: undefined }), "SSL b:1");
  assert.equal(listenerOf({ bootstrapBrokers: brokers, tls: true, sasl: options.sasl }), "SASL_SSL b:1");
});
