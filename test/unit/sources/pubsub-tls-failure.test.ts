// An untrusted certificate behind grpc-js's UNAVAILABLE gets the endpoint and the setting named;
// every other error passes through unchanged, and the gRPC code is kept for the retry logic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { grpcCodeOf } from "../../../src/sources/pubsub/subscriber-api.ts";
import { withTlsHint } from "../../../src/sources/pubsub/tls-failure.ts";

/** As grpc-js rejects a call whose TLS handshake failed (seen against the mesh's TLS front). */
function unavailable(details: string): Error & { code: number; details: string } {
  return Object.assign(new Error(`14 UNAVAILABLE: ${details}`), { code: 14, details });
}

test("an untrusted certificate names the endpoint, the trust store and the setting, keeping the code", () => {
  const error = unavailable("No connection established. Last error: Error: unable to verify the first certificate");
  const hinted = withTlsHint(error, "pubsub.internal:443", false);
  assert.match(
    hinted.message,
    /^Pub\/Sub at pubsub\.internal:443: TLS failed, the server's certificate is not trusted by the system CAs; set sources\.pubsub\.endpoint\.ca/,
  );
  assert.equal(grpcCodeOf(hinted), 14);
  assert.equal(hinted.cause, error);
  const withCa = withTlsHint(unavailable("self-signed certificate in certificate chain"), "h:1", true);
  assert.match(withCa.message, /the CA bundle in sources\.pubsub\.endpoint\.ca/);
});

test("other failures pass through unchanged", () => {
  const refused = unavailable("No connection established. Last error: connect ECONNREFUSED 127.0.0.1:443");
  assert.equal(withTlsHint(refused, "h:1", false), refused);
  const notFound = Object.assign(new Error("5 NOT_FOUND: Subscription does not exist"), {
    code: 5,
    details: "Subscription does not exist",
  });
  assert.equal(withTlsHint(notFound, "h:1", false), notFound);
});
