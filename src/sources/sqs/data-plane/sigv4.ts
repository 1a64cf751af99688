// AWS Signature Version 4 for the lean SQS client: header-based signing of one request. The
// signing key (four chained HMACs) depends only on the secret, day, region and service, so it is
// derived once per day and kept, as a KeyObject: createHmac with a Buffer key builds a KeyObject
// per call (measured 15 µs vs 2 µs per HMAC). Per request that leaves two one-shot SHA-256 and
// one HMAC.
import { createHmac, createSecretKey, hash, type KeyObject } from "node:crypto";

export interface SigningIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface SignableRequest {
  readonly method: string;
  /** Already URI-encoded path, e.g. "/". */
  readonly path: string;
  /** Canonical query string (sorted, encoded); "" for none. */
  readonly query?: string;
  /** Header names in lower case; every one given is signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";

const sha256Hex = (data: string): string => hash("sha256", data, "hex");

/** "20150830T123600Z" for a time in epoch ms. */
export function amzDate(epochMs: number): string {
  // toISOString: "2015-08-30T12:36:00.000Z" → drop "-", ":" and the milliseconds.
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

export class SigV4Signer {
  readonly #region: string;
  readonly #service: string;
  /** The last derived key, valid for one day and one secret. */
  #key: { readonly day: string; readonly secret: string; readonly key: KeyObject } | undefined;

  constructor(region: string, service: string) {
    this.#region = region;
    this.#service = service;
  }

  /**
   * The Authorization header value for `request` sent at `date` ("YYYYMMDD'T'HHMMSS'Z'", which
   * must also be the request's x-amz-date header, signed with the others).
   */
  authorization(request: SignableRequest, identity: SigningIdentity, date: string): string {
    const day = date.slice(0, 8);
    const names = Object.keys(request.headers).sort();
    let canonicalHeaders = "";
    for (const name of names) canonicalHeaders += `${name}:${request.headers[name]!.trim()}\n`;
    const signedHeaders = names.join(";");
    const canonicalRequest = `${request.method}\n${request.path}\n${request.query ?? ""}\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(request.body)}`;
    const scope = `${day}/${this.#region}/${this.#service}/aws4_request`;
    const stringToSign = `${ALGORITHM}\n${date}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac("sha256", this.#signingKey(day, identity.secretAccessKey))
      .update(stringToSign, "utf8")
      .digest("hex");
    return `${ALGORITHM} Credential=${identity.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  }

  #signingKey(day: string, secret: string): KeyObject {
    const cached = this.#key;
    if (cached !== undefined && cached.day === day && cached.secret === secret) return cached.key;
    const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();
    const key = createSecretKey(hmac(hmac(hmac(hmac(`AWS4${secret}`, day), this.#region), this.#service), "aws4_request"));
    this.#key = { day, secret, key };
    return key;
  }
}
