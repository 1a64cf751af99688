// The few Confluent Schema Registry REST calls meshbridge needs, over plain fetch.
// Works with Confluent Platform/Cloud and with Apicurio's ccompat API (…/apis/ccompat/v7).
// Why not @confluentinc/schemaregistry's client: docs/decisions/0002-schema-registry-client.md.
import type { Agent } from "node:https";
import { UNTRUSTED_CERTIFICATE_CODES } from "../ops/untrusted-certificate.ts";
import { RegistryRequestError, RegistryTlsError, RegistryUnavailableError } from "./errors.ts";
import { caAgent, requestText, type TextAnswer } from "./https-with-ca.ts";

export const CompatibilityLevel = {
  NONE: "NONE",
  BACKWARD: "BACKWARD",
  BACKWARD_TRANSITIVE: "BACKWARD_TRANSITIVE",
  FORWARD: "FORWARD",
  FORWARD_TRANSITIVE: "FORWARD_TRANSITIVE",
  FULL: "FULL",
  FULL_TRANSITIVE: "FULL_TRANSITIVE",
} as const;
export type CompatibilityLevel = (typeof CompatibilityLevel)[keyof typeof CompatibilityLevel];

export interface RegistryClientConfig {
  /** Base URL, e.g. https://psrc-xxxx.confluent.cloud or http://127.0.0.1:18081/apis/ccompat/v7. */
  readonly url: string;
  /** Confluent Cloud: the Schema Registry API key and secret. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  /** PEM CA bundle trusted for an https URL instead of the system CAs. */
  readonly ca?: Buffer | string;
}

export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** One version of a subject, as the registry stores it. */
export interface SubjectVersion {
  readonly subject: string;
  readonly id: number;
  readonly version: number;
  /** For Protobuf: the .proto text (unless asked for another format). */
  readonly schema: string;
  /** The registry omits it for AVRO. */
  readonly schemaType: string;
  readonly references: readonly SchemaReference[];
}

export type SchemaType = "PROTOBUF" | "AVRO" | "JSON";

const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
/** Confluent error codes that mean "no such subject / version / schema / subject config". */
const NOT_FOUND_CODES = new Set([40401, 40402, 40403, 40408]);

export class RegistryClient {
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #agent: Agent | undefined;

  constructor(config: RegistryClientConfig) {
    // Credentials written into the URL (https://key:secret@host) move to the header, so the
    // URL that appears in error messages never carries them.
    const url = new URL(config.url);
    let auth = config.basicAuth;
    if (auth === undefined && url.username !== "") {
      auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    }
    url.username = "";
    url.password = "";
    this.url = url.toString().replace(/\/+$/, "");
    this.#timeoutMs = config.timeoutMs ?? 10_000;
    if (config.ca !== undefined && url.protocol !== "https:") {
      throw new Error(`schema registry: a CA bundle is given but the URL ${this.url} is not https`);
    }
    this.#agent = config.ca === undefined ? undefined : caAgent(config.ca);
    this.#headers = { accept: CONTENT_TYPE, "content-type": CONTENT_TYPE };
    if (auth !== undefined) {
      this.#headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
    }
  }

  /** The latest version of `subject`, or undefined when the subject does not exist. */
  async getLatest(subject: string): Promise<SubjectVersion | undefined> {
    const body = await this.#request("GET", `/subjects/${encodeURIComponent(subject)}/versions/latest`, undefined, true);
    return body === undefined ? undefined : toSubjectVersion(body, subject);
  }

  /** The schema with this id, or undefined when there is none. */
  async getById(id: number): Promise<Omit<SubjectVersion, "subject" | "version" | "id"> | undefined> {
    const body = await this.#request("GET", `/schemas/ids/${id}`, undefined, true);
    if (body === undefined) return undefined;
    return { schema: stringField(body, "schema"), schemaType: schemaTypeOf(body), references: referencesOf(body) };
  }

  /** The version of `subject` whose schema equals `schema`, or undefined. */
  async lookup(subject: string, schema: string, schemaType: SchemaType): Promise<SubjectVersion | undefined> {
    const body = await this.#request("POST", `/subjects/${encodeURIComponent(subject)}`, { schema, schemaType }, true);
    return body === undefined ? undefined : toSubjectVersion(body, subject);
  }

  /** Registers `schema` under `subject`; the same schema again returns the same id. */
  async register(subject: string, schema: string, schemaType: SchemaType): Promise<number> {
    const body = await this.#call("POST", `/subjects/${encodeURIComponent(subject)}/versions`, { schema, schemaType });
    return numberField(body, "id");
  }

  /** Whether `schema` may become the next version of `subject` under its compatibility rule. */
  async isCompatible(subject: string, schema: string, schemaType: SchemaType): Promise<boolean> {
    const path = `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`;
    const body = await this.#request("POST", path, { schema, schemaType }, true);
    if (body === undefined) return true; // no version yet: anything is compatible
    return body.is_compatible === true;
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    const path = `/config/${encodeURIComponent(subject)}`;
    // Apicurio maps NONE to "delete the subject's rule" and answers 404 when there is none
    // (the global default then applies, as on Confluent for a subject without config).
    const notFoundIsFine = level === CompatibilityLevel.NONE;
    await this.#request("PUT", path, { compatibility: level }, notFoundIsFine);
  }

  /** The subject's own level, or undefined when only the global default applies. */
  async getCompatibility(subject: string): Promise<string | undefined> {
    const body = await this.#request("GET", `/config/${encodeURIComponent(subject)}`, undefined, true);
    if (body === undefined) return undefined;
    // Confluent answers {compatibilityLevel}; some versions and Apicurio's PUT answer {compatibility}.
    const level = body.compatibilityLevel ?? body.compatibility;
    return typeof level === "string" ? level : undefined;
  }

  async #call(method: "POST" | "PUT", path: string, payload: unknown): Promise<Record<string, unknown>> {
    return (await this.#request(method, path, payload, false)) as Record<string, unknown>;
  }

  async #send(method: string, url: string, body: string | undefined): Promise<TextAnswer> {
    if (this.#agent !== undefined) {
      return requestText(url, { method, headers: this.#headers, body, timeoutMs: this.#timeoutMs, agent: this.#agent });
    }
    const response = await fetch(url, { method, headers: this.#headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
    return { status: response.status, text: await response.text().catch(() => "") };
  }

  async #request(
    method: "GET" | "POST" | "PUT",
    path: string,
    payload: unknown,
    notFoundIsUndefined: boolean,
  ): Promise<Record<string, unknown> | undefined> {
    const where = `${method} ${this.url}${path}`;
    let response: TextAnswer;
    try {
      response = await this.#send(method, this.url + path, payload === undefined ? undefined : JSON.stringify(payload));
    } catch (error) {
      const code = socketErrorCode(error);
      if (code !== undefined && UNTRUSTED_CERTIFICATE_CODES.has(code)) {
        const trusted = this.#agent === undefined ? "the system CAs" : "the CA bundle in registry.ca";
        throw new RegistryTlsError(
          `schema registry's certificate is not trusted by ${trusted} (${code}) for ${where}; set registry.ca to the PEM bundle of the CA that signed it`,
          { cause: error },
        );
      }
      throw new RegistryUnavailableError(`schema registry unreachable: ${where}: ${describeFetchError(error)}`, {
        cause: error,
      });
    }
    const text = response.text;
    const body = parseJsonObject(text);
    if (response.status >= 200 && response.status < 300) {
      if (body === undefined) {
        throw new RegistryRequestError(`schema registry answered ${where} with non-JSON`, response.status, undefined);
      }
      return body;
    }
    const errorCode = typeof body?.error_code === "number" ? body.error_code : undefined;
    const message = oneLine(typeof body?.message === "string" ? body.message : text.slice(0, 200));
    if (response.status === 404 && notFoundIsUndefined && (errorCode === undefined || NOT_FOUND_CODES.has(errorCode))) {
      return undefined;
    }
    if (response.status === 429 || response.status >= 500) {
      throw new RegistryUnavailableError(`schema registry failed: ${where}: HTTP ${response.status} ${message}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new RegistryRequestError(
        `schema registry refused the credentials (HTTP ${response.status}) for ${where}; check the API key and secret`,
        response.status,
        errorCode,
      );
    }
    throw new RegistryRequestError(
      `schema registry rejected ${where}: HTTP ${response.status}${errorCode === undefined ? "" : ` (error_code ${errorCode})`} ${message}`,
      response.status,
      errorCode,
    );
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function toSubjectVersion(body: Record<string, unknown>, subject: string): SubjectVersion {
  return {
    subject: typeof body.subject === "string" ? body.subject : subject,
    id: numberField(body, "id"),
    version: numberField(body, "version"),
    schema: stringField(body, "schema"),
    schemaType: schemaTypeOf(body),
    references: referencesOf(body),
  };
}

function schemaTypeOf(body: Record<string, unknown>): string {
  return typeof body.schemaType === "string" ? body.schemaType : "AVRO";
}

function referencesOf(body: Record<string, unknown>): SchemaReference[] {
  return Array.isArray(body.references) ? (body.references as SchemaReference[]) : [];
}

function numberField(body: Record<string, unknown>, name: string): number {
  const value = body[name];
  if (typeof value !== "number") throw new RegistryRequestError(`schema registry answer lacks "${name}"`, 200, undefined);
  return value;
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== "string") throw new RegistryRequestError(`schema registry answer lacks "${name}"`, 200, undefined);
  return value;
}

/** The socket's error code: fetch wraps the socket's error in cause; node:https rejects with it. */
function socketErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = "code" in error ? error : error.cause;
  return typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined;
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError") return "timed out";
    const code = socketErrorCode(error);
    return oneLine(code === undefined ? error.message : `${error.message} (${code})`);
  }
  return "unknown error";
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").trim();
}
