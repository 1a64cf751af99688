// Which subscriptions of a project the bridge consumes besides the configured ones: those whose
// id starts with a prefix and/or that carry a label (key, or key=value). Re-scanned on an
// interval by the source, so a new tenant's subscription is picked up without a restart.
import { type SubscriberApi, type SubscriptionInfo, subscriptionId } from "./subscriber-api.ts";

export interface DiscoveryRule {
  readonly project: string;
  /** Subscription id prefix; empty or absent: any id. */
  readonly prefix?: string;
  /** "key" (any value) or "key=value"; absent: no label condition. */
  readonly label?: string;
}

export function matchesRule(info: SubscriptionInfo, rule: DiscoveryRule): boolean {
  if (rule.prefix !== undefined && rule.prefix !== "" && !subscriptionId(info.name).startsWith(rule.prefix)) return false;
  if (rule.label !== undefined && rule.label !== "") {
    const at = rule.label.indexOf("=");
    const key = at < 0 ? rule.label : rule.label.slice(0, at);
    const value = info.labels[key];
    if (value === undefined) return false;
    if (at >= 0 && value !== rule.label.slice(at + 1)) return false;
  }
  return true;
}

/** Every subscription the rules select, by full path. */
export async function discoverSubscriptions(
  api: SubscriberApi,
  rules: readonly DiscoveryRule[],
): Promise<Map<string, SubscriptionInfo>> {
  const found = new Map<string, SubscriptionInfo>();
  const byProject = new Map<string, DiscoveryRule[]>();
  for (const rule of rules) byProject.set(rule.project, [...(byProject.get(rule.project) ?? []), rule]);
  for (const [project, projectRules] of byProject) {
    for (const info of await api.listSubscriptions(project)) {
      if (projectRules.some((rule) => matchesRule(info, rule))) found.set(info.name, info);
    }
  }
  return found;
}
