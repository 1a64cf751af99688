// Start-up probe of the Pub/Sub source: every configured subscription must exist (GetSubscription)
// and every discovery rule's project must be listable (ListSubscriptions). This is also where
// missing Google credentials surface. A discovery rule that matches nothing yet is fine: its
// subscriptions may appear later, and discovery picks them up.

import { describeProbeError, type ProbeResult } from "../probe.ts";
import { matchesRule } from "./discovery.ts";
import { exactlyOnceRefusal } from "./exactly-once.ts";
import { grpcCode, grpcCodeOf, type SubscriberApi, subscriptionPath } from "./subscriber-api.ts";

export interface PubSubProbeConfig {
  readonly project: string;
  /** Calls in flight at once (one channel carries ~100): the source's pull concurrency. */
  readonly pullConcurrency: number;
  readonly subscriptions: readonly string[];
  readonly discovery: readonly { readonly project: string; readonly prefix?: string; readonly label?: string }[];
}

function problemOf(error: unknown): string {
  return grpcCodeOf(error) === grpcCode.notFound ? "does not exist" : `cannot be read: ${describeProbeError(error)}`;
}

export async function probePubSub(api: SubscriberApi, config: PubSubProbeConfig): Promise<ProbeResult[]> {
  const probeOne = async (id: string): Promise<ProbeResult> => {
    const path = subscriptionPath(config.project, id);
    const subject = `sources.pubsub subscription ${path}`;
    try {
      const info = await api.getSubscription(path);
      const refusal = exactlyOnceRefusal(info);
      if (refusal !== undefined) return { subject, problem: refusal };
      return { subject, detail: "exists" };
    } catch (error) {
      const problem = problemOf(error);
      return {
        subject,
        problem: problem === "does not exist" ? "does not exist; create it or fix sources.pubsub.subscriptions" : problem,
      };
    }
  };
  // Hundreds of configured subscriptions: a bounded number of calls at a time.
  const pending = [...config.subscriptions];
  const byId = new Map<string, ProbeResult>();
  const worker = async (): Promise<void> => {
    for (let id = pending.shift(); id !== undefined; id = pending.shift()) byId.set(id, await probeOne(id));
  };
  const probed = Promise.all(Array.from({ length: Math.max(1, Math.min(config.pullConcurrency, pending.length)) }, worker));
  const rules = config.discovery.map(async (rule, index): Promise<ProbeResult> => {
    const what = [rule.prefix === undefined ? "" : `prefix ${rule.prefix}`, rule.label === undefined ? "" : `label ${rule.label}`]
      .filter((part) => part !== "")
      .join(", ");
    const subject = `sources.pubsub.discovery[${index}] (project ${rule.project}${what === "" ? "" : `, ${what}`})`;
    try {
      const listed = await api.listSubscriptions(rule.project);
      const matching = listed.filter((info) => matchesRule(info, rule)).length;
      return { subject, detail: `${listed.length} subscriptions listed, ${matching} match` };
    } catch (error) {
      return { subject, problem: `project ${problemOf(error)}` };
    }
  });
  const ruleResults = await Promise.all(rules);
  await probed;
  return [...config.subscriptions.map((id) => byId.get(id)!), ...ruleResults];
}
