// The two permanent "no such key" errors, shared by every keyring.
import { PermanentError } from "../pipeline/errors.ts";

export function unknownTenant(tenant: string, origin: string): PermanentError {
  return new PermanentError("UnknownTenant", `tenant ${tenant} has no keys in ${origin}`, { tenant });
}

export function unknownKeyVersion(tenant: string, keyVersion: number, origin: string): PermanentError {
  return new PermanentError("UnknownKeyVersion", `tenant ${tenant} has no key version ${keyVersion} in ${origin}`, {
    tenant,
  });
}
