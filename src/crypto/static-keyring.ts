// Plain data keys from a JSON file or a secret string (env var, mounted secret, Vault KV):
//   {"tenants": {"tenant-0001": {"1": "<base64 of 32 bytes>", "2": "…"}}}
// Keys never expire here: rotation means a new version in the file and a restart.
import type { KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { importDataKey } from "./data-key.ts";
import { decodeTenantKeys, parseJsonObject } from "./key-file.ts";
import type { Keyring } from "./keyring.ts";
import { unknownKeyVersion, unknownTenant } from "./unknown-key.ts";

export interface StaticKeyFile {
  readonly tenants: Record<string, Record<string, string>>;
}

export class StaticKeyring implements Keyring {
  readonly #keys: Map<string, Map<number, KeyObject>>;
  readonly #origin: string;

  private constructor(keys: Map<string, Map<number, KeyObject>>, origin: string) {
    this.#keys = keys;
    this.#origin = origin;
  }

  /** `origin` names the source in errors, e.g. "static key file /etc/mb/keys.json" or "env MB_KEYS". */
  static fromObject(file: unknown, origin: string): StaticKeyring {
    const tenants = typeof file === "object" && file !== null ? (file as { tenants?: unknown }).tenants : undefined;
    if (tenants === undefined) throw new Error(`${origin}: "tenants" is missing`);
    const decoded = decodeTenantKeys(tenants, origin, "data key");
    const keys = new Map<string, Map<number, KeyObject>>();
    try {
      for (const [tenant, versions] of decoded) {
        const byVersion = new Map<number, KeyObject>();
        for (const [version, bytes] of versions) byVersion.set(version, importDataKey(bytes, tenant, version, origin));
        keys.set(tenant, byVersion);
      }
    } finally {
      for (const versions of decoded.values()) for (const bytes of versions.values()) bytes.fill(0);
    }
    return new StaticKeyring(keys, origin);
  }

  static fromJson(text: string, origin: string): StaticKeyring {
    return StaticKeyring.fromObject(parseJsonObject(text, origin), origin);
  }

  static async fromFile(path: string): Promise<StaticKeyring> {
    const origin = `static key file ${path}`;
    return StaticKeyring.fromJson(await readFile(path, "utf8"), origin);
  }

  /** Reads the key JSON from an environment variable (e.g. injected from a secret manager). */
  static fromEnv(name: string, env: NodeJS.ProcessEnv = process.env): StaticKeyring {
    const text = env[name];
    if (text === undefined || text === "") throw new Error(`environment variable ${name} (static keys) is not set`);
    return StaticKeyring.fromJson(text, `environment variable ${name}`);
  }

  peek(tenant: string, keyVersion: number): KeyObject | undefined {
    return this.#keys.get(tenant)?.get(keyVersion);
  }

  load(tenant: string, keyVersion: number): Promise<KeyObject> {
    const versions = this.#keys.get(tenant);
    if (versions === undefined) return Promise.reject(unknownTenant(tenant, this.#origin));
    const key = versions.get(keyVersion);
    if (key === undefined) return Promise.reject(unknownKeyVersion(tenant, keyVersion, this.#origin));
    return Promise.resolve(key);
  }

  /** Tenants and their key versions (for start-up logs and readiness checks). */
  tenants(): ReadonlyMap<string, readonly number[]> {
    return new Map([...this.#keys].map(([tenant, versions]) => [tenant, [...versions.keys()]]));
  }
}
