// A Keyring over a DataKeyProvider, caching data keys the way the AWS Encryption SDK does:
// a required maximum age and a maximum use count per fetched key.
//
// Cost on the hot path (peek hit): two Map lookups, one clock read, a decrement and three
// comparisons; no allocation. Every key handed out (by peek or load) counts as one use.
// Refresh-ahead: once `refreshAhead` of the age or of the uses is spent, one background load
// fetches the successor while the current key keeps serving, so a busy tenant never stalls
// on expiry. Expiry itself is hard: an expired or used-up key is never returned.
import type { KeyObject } from "node:crypto";
import type { PermanentClassName } from "../pipeline/error-classes.ts";
import { isPermanent, PermanentError } from "../pipeline/errors.ts";
import { DATA_KEY_BYTES, importDataKey } from "./data-key.ts";
import type { DataKeyProvider, Keyring } from "./keyring.ts";

export interface KeyCacheLimits {
  /** Required: a cached key is dropped this long after it was fetched. */
  readonly maxAgeMs: number;
  /** Required: a cached key is dropped after it was handed out this many times. */
  readonly maxUses: number;
  /** Fraction of age or uses after which a background refresh starts; 1 disables. Default 0.8. */
  readonly refreshAhead?: number;
  /** How long a permanent unwrap failure is remembered (so bad messages don't hammer KMS). Default 30 s. */
  readonly permanentErrorTtlMs?: number;
  /** Pause before a failed background refresh is tried again. Default 1 s. */
  readonly refreshRetryMs?: number;
  /** Clock in ms (tests). Default Date.now. */
  readonly now?: () => number;
}

interface Entry {
  readonly tenant: string;
  readonly keyVersion: number;
  key: KeyObject | undefined;
  expiresAt: number;
  refreshAt: number;
  usesLeft: number;
  refreshWhenUsesLeft: number;
  nextRefreshTry: number;
  pending: Promise<KeyObject> | undefined;
  /** load() calls waiting on `pending`; each is one use of the fetched key. */
  pendingWaiters: number;
  failure: PermanentError | undefined;
  failureUntil: number;
}

// Failures decided locally (no remote call) are not remembered: remembering them would only
// let envelopes with made-up tenant ids grow the cache.
const LOCAL_FAILURES: ReadonlySet<PermanentClassName> = new Set(["UnknownTenant", "UnknownKeyVersion"]);

export class CachingKeyring implements Keyring {
  readonly #provider: DataKeyProvider;
  readonly #maxAgeMs: number;
  readonly #maxUses: number;
  readonly #refreshAhead: number;
  readonly #permanentErrorTtlMs: number;
  readonly #refreshRetryMs: number;
  readonly #now: () => number;
  readonly #tenants = new Map<string, Map<number, Entry>>();

  constructor(provider: DataKeyProvider, limits: KeyCacheLimits) {
    const { maxAgeMs, maxUses, refreshAhead = 0.8, permanentErrorTtlMs = 30_000, refreshRetryMs = 1000 } = limits;
    if (!(Number.isFinite(maxAgeMs) && maxAgeMs > 0)) throw new RangeError(`key cache maxAgeMs must be > 0, got ${maxAgeMs}`);
    if (!(Number.isSafeInteger(maxUses) && maxUses > 0)) {
      throw new RangeError(`key cache maxUses must be a positive integer, got ${maxUses}`);
    }
    if (!(refreshAhead > 0 && refreshAhead <= 1))
      throw new RangeError(`key cache refreshAhead must be in (0, 1], got ${refreshAhead}`);
    this.#provider = provider;
    this.#maxAgeMs = maxAgeMs;
    this.#maxUses = maxUses;
    this.#refreshAhead = refreshAhead;
    this.#permanentErrorTtlMs = permanentErrorTtlMs;
    this.#refreshRetryMs = refreshRetryMs;
    this.#now = limits.now ?? Date.now;
  }

  peek(tenant: string, keyVersion: number): KeyObject | undefined {
    const entry = this.#tenants.get(tenant)?.get(keyVersion);
    return entry === undefined ? undefined : this.#take(entry);
  }

  load(tenant: string, keyVersion: number): Promise<KeyObject> {
    let versions = this.#tenants.get(tenant);
    let entry = versions?.get(keyVersion);
    if (entry !== undefined) {
      const key = this.#take(entry);
      if (key !== undefined) return Promise.resolve(key);
      if (entry.pending !== undefined) {
        entry.pendingWaiters++;
        return entry.pending;
      }
      if (entry.failure !== undefined && this.#now() < entry.failureUntil) return Promise.reject(entry.failure);
    } else {
      if (versions === undefined) {
        versions = new Map();
        this.#tenants.set(tenant, versions);
      }
      entry = {
        tenant,
        keyVersion,
        key: undefined,
        expiresAt: 0,
        refreshAt: 0,
        usesLeft: 0,
        refreshWhenUsesLeft: 0,
        nextRefreshTry: 0,
        pending: undefined,
        pendingWaiters: 0,
        failure: undefined,
        failureUntil: 0,
      };
      versions.set(keyVersion, entry);
    }
    entry.pendingWaiters = 1;
    return this.#fetch(entry);
  }

  async close(): Promise<void> {
    this.#tenants.clear();
    await this.#provider.close?.();
  }

  #take(entry: Entry): KeyObject | undefined {
    const key = entry.key;
    if (key === undefined) return undefined;
    const now = this.#now();
    if (now >= entry.expiresAt || entry.usesLeft <= 0) {
      entry.key = undefined;
      return undefined;
    }
    entry.usesLeft--;
    if (
      (entry.usesLeft <= entry.refreshWhenUsesLeft || now >= entry.refreshAt) &&
      entry.pending === undefined &&
      now >= entry.nextRefreshTry
    ) {
      entry.pendingWaiters = 0;
      this.#fetch(entry).catch(() => {
        // The current key keeps serving until it expires; then load() surfaces the error.
        entry.nextRefreshTry = this.#now() + this.#refreshRetryMs;
      });
    }
    return key;
  }

  #fetch(entry: Entry): Promise<KeyObject> {
    const { tenant, keyVersion } = entry;
    let resolved: Promise<Uint8Array>;
    try {
      resolved = this.#provider.resolve(tenant, keyVersion);
    } catch (error) {
      resolved = Promise.reject(error);
    }
    const pending = resolved.then(
      (bytes) => {
        if (bytes.length !== DATA_KEY_BYTES) {
          bytes.fill(0);
          throw new PermanentError(
            "InvalidDataKey",
            `${this.#provider.description}: data key of tenant ${tenant} version ${keyVersion} has ${bytes.length} bytes; AES-256 needs ${DATA_KEY_BYTES}`,
            { tenant },
          );
        }
        const key = importDataKey(bytes, tenant, keyVersion, this.#provider.description);
        const now = this.#now();
        entry.key = key;
        entry.expiresAt = now + this.#maxAgeMs;
        entry.refreshAt = this.#refreshAhead < 1 ? now + this.#maxAgeMs * this.#refreshAhead : Number.POSITIVE_INFINITY;
        entry.usesLeft = this.#maxUses - entry.pendingWaiters;
        entry.refreshWhenUsesLeft = this.#refreshAhead < 1 ? Math.floor(this.#maxUses * (1 - this.#refreshAhead)) : -1;
        entry.nextRefreshTry = 0;
        entry.pending = undefined;
        entry.pendingWaiters = 0;
        entry.failure = undefined;
        return key;
      },
      (error: unknown) => {
        entry.pending = undefined;
        entry.pendingWaiters = 0;
        if (isPermanent(error) && !LOCAL_FAILURES.has(error.errorClass)) {
          entry.failure = error;
          entry.failureUntil = this.#now() + this.#permanentErrorTtlMs;
        } else if (entry.key === undefined) {
          this.#forget(entry);
        }
        throw error;
      },
    );
    entry.pending = pending;
    return pending;
  }

  #forget(entry: Entry): void {
    const versions = this.#tenants.get(entry.tenant);
    if (versions?.get(entry.keyVersion) !== entry) return;
    versions.delete(entry.keyVersion);
    if (versions.size === 0) this.#tenants.delete(entry.tenant);
  }
}
