// A configuration with every section given, for the measurements.
export const sample = {
  catalog: { module: "@acme/orders-catalog" },
  kafka: {
    bootstrapBrokers: ["127.0.0.1:19092"],
    tls: true,
    sasl: { mechanism: "SCRAM-SHA-256", username: "user", password: "secret" },
  },
  registry: { url: "https://registry.example", username: "sr", password: { env: "SR_PASSWORD" } },
  aws: { region: "eu-central-1" },
  keys: { provider: "aws-kms", file: "/keys.json" },
  sources: {
    sqs: [{ queueUrl: "https://sqs.example/123/q", receivers: 8 }],
    pubsub: { project: "p", subscriptions: ["a"], discovery: [{ prefix: "legacy-" }, { label: "meshbridge=on" }] },
  },
  http: { port: 9464 },
  shutdownGraceSeconds: 25,
};
