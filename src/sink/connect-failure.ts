// Why a connection to Kafka failed, in words an operator can act on: the bootstrap address and
// security in use, and for SASL the mechanism and user, never the password. The client's own
// error ("Cannot connect to any broker.") hides the cause several levels down.

import { UNTRUSTED_CERTIFICATE_CODES } from "../ops/untrusted-certificate.ts";
import { clean, type KafkaConnectionOptions } from "./options.ts";

interface Found {
  readonly authentication?: string;
  readonly tlsCode?: string;
}

/** Walks causes and aggregated errors for a SASL refusal or a certificate error. */
function search(error: unknown, depth = 0): Found {
  if (typeof error !== "object" || error === null || depth > 8) return {};
  const { code, cause, errors, serverErrorMessage } = error as {
    code?: unknown;
    cause?: unknown;
    errors?: unknown;
    serverErrorMessage?: unknown;
  };
  if (typeof code === "string" && UNTRUSTED_CERTIFICATE_CODES.has(code)) return { tlsCode: code };
  if (code === "PLT_KFK_AUTHENTICATION" || (typeof serverErrorMessage === "string" && /authenticat/i.test(serverErrorMessage))) {
    return { authentication: typeof serverErrorMessage === "string" ? serverErrorMessage : "SASL authentication failed" };
  }
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const found = search(inner, depth + 1);
    if (found.authentication !== undefined || found.tlsCode !== undefined) return found;
  }
  return {};
}

/** The listener as the client sees it, e.g. "SASL_SSL 127.0.0.1:9094". */
export function listenerOf(options: Pick<KafkaConnectionOptions, "bootstrapBrokers" | "tls" | "sasl">): string {
  const protocol = options.tls === false ? (options.sasl ? "SASL_PLAINTEXT" : "PLAINTEXT") : options.sasl ? "SASL_SSL" : "SSL";
  return `${protocol} ${options.bootstrapBrokers.map(clean).join(",")}`;
}

/**
 * A message for a failed connection, or undefined when the failure is neither a refused login
 * nor an untrusted certificate (the caller keeps the original error then).
 */
export function describeConnectFailure(
  error: unknown,
  options: Pick<KafkaConnectionOptions, "bootstrapBrokers" | "tls" | "sasl">,
): string | undefined {
  const found = search(error);
  const listener = listenerOf(options);
  if (found.authentication !== undefined && options.sasl !== undefined) {
    const { mechanism, username } = options.sasl;
    // The broker's message names the mechanism, never the password; it is kept, cleaned.
    return `kafka: the broker refused the SASL login on listener ${listener} (mechanism ${mechanism}, user '${clean(username)}'): ${clean(found.authentication)}; check kafka.sasl.username and kafka.sasl.password`;
  }
  if (found.tlsCode !== undefined) {
    const trusted =
      typeof options.tls === "object" && options.tls.ca !== undefined ? "the CA bundle in kafka.tls.ca" : "the system CAs";
    return `kafka: TLS to listener ${listener} failed: the broker's certificate is not trusted by ${trusted} (${found.tlsCode}); set kafka.tls.ca to the PEM bundle of the CA that signed it${options.sasl === undefined ? "" : ` (SASL mechanism ${options.sasl.mechanism} not attempted)`}`;
  }
  return undefined;
}
