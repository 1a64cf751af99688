// Credentials for the lean SQS client, from the same provider the SDK client resolves (its
// default chain: env, SSO, web identity/IRSA, container, IMDS, ...; or the static keys given):
// asked once, kept, and asked again shortly before they expire. The SDK's provider memoizes and
// refreshes the same way; asking it per request would cost a promise chain each time.
import type { SigningIdentity } from "./sigv4.ts";

export interface ProvidedIdentity extends SigningIdentity {
  readonly expiration?: Date | undefined;
}

export type IdentityProvider = () => Promise<ProvidedIdentity>;

/**
 * Refreshed this long before expiry: the SDK's own memoization treats credentials within
 * 5 minutes of expiry as expired, so asking it then gets fresh ones.
 */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

export class CachedCredentials {
  readonly #provider: IdentityProvider;
  readonly #now: () => number;
  #identity: ProvidedIdentity | undefined;
  /** Refresh at (epoch ms); +Infinity for credentials that do not expire. */
  #refreshAtMs = 0;
  #pending: Promise<ProvidedIdentity> | undefined;

  constructor(provider: IdentityProvider, now: () => number = Date.now) {
    this.#provider = provider;
    this.#now = now;
  }

  /** Credentials now valid: the kept ones, or (near expiry, or none yet) fresh ones. */
  get(): ProvidedIdentity | Promise<ProvidedIdentity> {
    const identity = this.#identity;
    if (identity !== undefined && this.#now() < this.#refreshAtMs) return identity;
    return this.#refresh();
  }

  #refresh(): Promise<ProvidedIdentity> {
    this.#pending ??= this.#provider()
      .then((identity) => {
        this.#identity = identity;
        const expiresAt = identity.expiration?.getTime();
        this.#refreshAtMs = expiresAt === undefined ? Number.POSITIVE_INFINITY : expiresAt - REFRESH_BEFORE_EXPIRY_MS;
        return identity;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }
}
