// Tenant ids appear in Kafka headers, metrics labels, KMS encryption contexts and file names,
// so they are restricted to a small, safe alphabet.

export const TENANT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function isTenantId(value: unknown): value is string {
  return typeof value === "string" && TENANT_ID_PATTERN.test(value);
}
