// Rules that tie several keys together, checked once the schema holds.
import type { ConfigIssue } from "./errors.ts";
import type { RawConfig } from "./types.ts";

export function checkRules(config: RawConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { kafka, registry, keys, sources } = config;
  if (kafka.sasl !== undefined && !kafka.tls) {
    issues.push({
      path: "kafka.tls",
      message: "expected true when kafka.sasl is set (SASL would send the credentials in clear text), got false",
    });
  }
  if (kafka.deliveryTimeoutSeconds < kafka.requestTimeoutSeconds) {
    issues.push({
      path: "kafka.deliveryTimeoutSeconds",
      message: `expected at least kafka.requestTimeoutSeconds (${kafka.requestTimeoutSeconds}), got ${kafka.deliveryTimeoutSeconds}`,
    });
  }
  if ((registry.username === undefined) !== (registry.password === undefined)) {
    const missing = registry.username === undefined ? "username" : "password";
    const given = missing === "username" ? "password" : "username";
    issues.push({ path: `registry.${missing}`, message: `expected a value when registry.${given} is set, got nothing` });
  }
  if ((keys.file === undefined) === (keys.json === undefined)) {
    issues.push({
      path: "keys",
      message: `expected exactly one of keys.file and keys.json, got ${keys.file === undefined ? "neither" : "both"}`,
    });
  }
  const pubsub = sources.pubsub;
  if (sources.sqs.length === 0 && sources.sqsDiscovery === undefined && pubsub === undefined) {
    issues.push({
      path: "sources",
      message: "configure at least one source; expected sources.sqs, sources.sqsDiscovery or sources.pubsub, got none",
    });
  }
  sources.sqsDiscovery?.rules.forEach((rule, index) => {
    if (rule.prefix === undefined && rule.tag === undefined) {
      issues.push({
        path: `sources.sqsDiscovery.rules[${index}]`,
        message: "give a prefix and/or a tag; expected at least one, got neither",
      });
    }
  });
  const queues = new Set<string>();
  sources.sqs.forEach((queue, index) => {
    if (queues.has(queue.queueUrl)) {
      issues.push({ path: `sources.sqs[${index}].queueUrl`, message: "expected a queue not listed before, got a duplicate" });
    }
    queues.add(queue.queueUrl);
  });
  if (pubsub?.endpoint !== undefined && pubsub.emulatorHost !== undefined) {
    issues.push({
      path: "sources.pubsub.endpoint",
      message: "expected either endpoint (TLS) or emulatorHost (plaintext), got both",
    });
  }
  if (pubsub !== undefined) {
    if (pubsub.subscriptions.length === 0 && pubsub.discovery.length === 0) {
      issues.push({
        path: "sources.pubsub",
        message: "give subscriptions and/or discovery rules; expected at least one, got none",
      });
    }
    pubsub.discovery.forEach((rule, index) => {
      if (rule.prefix === undefined && rule.label === undefined) {
        issues.push({
          path: `sources.pubsub.discovery[${index}]`,
          message: "give a prefix and/or a label; expected at least one, got neither",
        });
      }
    });
    if (pubsub.idleMaxMs < pubsub.idleMinMs) {
      issues.push({
        path: "sources.pubsub.idleMaxMs",
        message: `expected at least sources.pubsub.idleMinMs (${pubsub.idleMinMs}), got ${pubsub.idleMaxMs}`,
      });
    }
  }
  return issues;
}
