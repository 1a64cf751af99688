// A failed TLS handshake reaches a call only as UNAVAILABLE with Node's text in its details (as
// grpc-js reported it, and ./grpc-unary.ts does the same); this names the endpoint and the
// setting to fix. The gRPC code is kept, so callers
// that retry UNAVAILABLE still do.

// Node's messages for the certificate errors of node:tls (UNTRUSTED_CERTIFICATE_CODES).
const CERTIFICATE_TROUBLE =
  /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate has expired|certificate is not yet valid|does not match certificate's altnames/i;

export function withTlsHint(error: Error & { code?: unknown; details?: unknown }, target: string, customCa: boolean): Error {
  const details = typeof error.details === "string" ? error.details : error.message;
  if (!CERTIFICATE_TROUBLE.test(details)) return error;
  const trusted = customCa ? "the CA bundle in sources.pubsub.endpoint.ca" : "the system CAs";
  const hint = new Error(
    `Pub/Sub at ${target}: TLS failed, the server's certificate is not trusted by ${trusted}; set sources.pubsub.endpoint.ca to the PEM bundle of the CA that signed it (${details.replace(/[\r\n]+/g, " ")})`,
    { cause: error },
  );
  return Object.assign(hint, { code: error.code, details });
}
