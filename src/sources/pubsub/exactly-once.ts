// Exactly-once subscriptions are refused. On them an ack or a deadline change can fail and must
// be retried or dropped as the service says (acknowledgement results), which this source does
// not read: it would report messages settled that the service redelivers, or lose leases. A
// configured one stops the start with this message; a discovered one is skipped with a warning.
import type { SubscriptionInfo } from "./subscriber-api.ts";

export function exactlyOnceRefusal(info: SubscriptionInfo): string | undefined {
  if (!info.exactlyOnceDelivery) return undefined;
  return `Pub/Sub subscription ${info.name} has exactly-once delivery enabled (enable_exactly_once_delivery), which meshbridge does not support; consume a subscription without it (delivery stays at least once, with a deterministic ce_id for downstream dedup)`;
}
