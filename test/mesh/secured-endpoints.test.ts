// The bridge against the mesh's secured endpoints, as production reaches Confluent Cloud and
// Google: Kafka over SASL_SSL (PLAIN and SCRAM-SHA-512) with a private CA, the registry over
// HTTPS with basic auth, and Pub/Sub over the production TLS channel (pstest behind TLS).
// Refusals (wrong password, untrusted certificate) stop the start with a message naming the
// listener and mechanism, never the password.
import assert from "node:assert/strict";
import { test } from "node:test";
import { meshSecured } from "../../infra/stack/secured.ts";
import { bridgeConfig, pubsubSource, runBridgeToExit, startBridgeInProcess } from "../support/bridge.ts";
import { expectedRecords } from "../support/expected.ts";
import { provisionPubSubTestWorld } from "../support/pubsub-test-world.ts";
import { compareRecords, distinctCeIds } from "../support/records.ts";
import { legacyEvents } from "../support/worlds.ts";

const COUNT = 100;
const run = provisionPubSubTestWorld("secured", { tenants: 2, keyVersions: 1, orderedEvery: 0, orderingKeysPerTenant: 1 });

type Sasl = { readonly mechanism: string; readonly username: string; readonly password: string };
type Json = Record<string, unknown>;

/** The deployment's bridge configuration with every endpoint secured (each part replaceable). */
function securedConfig(overrides: { sasl?: Sasl; kafkaTls?: unknown; registry?: Json } = {}): Json {
  const base = bridgeConfig(run.deployment, run.world, {
    sources: {
      pubsub: {
        ...pubsubSource({ discovery: [{ label: run.world.pubsub.label }] }),
        emulatorHost: undefined,
        endpoint: { host: meshSecured.pubsubHost, ca: meshSecured.caFile, callCredentials: "none" },
      },
    },
    budget: { maxMessages: 500 },
  });
  const sasl = overrides.sasl ?? meshSecured.kafkaScram;
  return {
    ...base,
    kafka: {
      ...(base.kafka as Json),
      bootstrapBrokers: [meshSecured.kafkaSaslBootstrap],
      tls: overrides.kafkaTls ?? { ca: meshSecured.caFile },
      sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password },
    },
    registry: overrides.registry ?? {
      url: meshSecured.registryUrl,
      username: meshSecured.registryUser.username,
      password: meshSecured.registryUser.password,
      ca: meshSecured.caFile,
    },
  };
}

/** Runs the bridge with all three endpoints secured and counts what arrived by ce_id. */
async function endToEnd(sasl: Sasl, seed: number): Promise<void> {
  const { collector } = run;
  const running = await startBridgeInProcess(securedConfig({ sasl }));
  try {
    const expected = expectedRecords(legacyEvents(run.world, COUNT, seed), run.deployment.prefix);
    await run.publish({ count: COUNT, seed });
    const arrived = await collector.waitFor(
      () => [...expected.records.keys()].every((ceId) => collector.records.some((record) => record.ceId === ceId)),
      60_000,
    );
    const result = compareRecords(await collector.decoded(), expected, new Set(run.world.tenants));
    console.log(
      `${sasl.mechanism} over SASL_SSL, registry over HTTPS, Pub/Sub over TLS: ${result.matched}/${expected.records.size} matched (${result.duplicates} dup; ${distinctCeIds(collector.records)} ids on the topics so far)`,
    );
    if (!arrived) console.log("first warnings", running.warnings.slice(0, 3));
    assert.ok(arrived, "not every record arrived");
    assert.deepEqual(result.missing, []);
    assert.deepEqual(result.mismatched, []);
    assert.deepEqual(running.errors(), []);
  } finally {
    await running.bridge.stop();
  }
}

test(
  "end to end over SASL_SSL with SCRAM-SHA-512, the registry over HTTPS + basic auth, Pub/Sub over TLS",
  { timeout: 120_000 },
  () => endToEnd(meshSecured.kafkaScram, 21),
);

test("end to end over SASL_SSL with SASL/PLAIN", { timeout: 120_000 }, () => endToEnd(meshSecured.kafkaPlain, 22));

/** The bridge started as deployed; resolves once it exited, with everything it wrote. */
async function refusedStart(config: Json): Promise<string> {
  const { code, stderr, stdout } = await runBridgeToExit(run.deployment, config);
  assert.equal(code, 1, `expected the start to be refused with exit code 1:\n${stderr}`);
  assert.doesNotMatch(stderr, /bridge running/);
  return stdout + stderr;
}

for (const user of [meshSecured.kafkaPlain, meshSecured.kafkaScram]) {
  test(`a wrong Kafka password (${user.mechanism}) stops the start, naming listener and mechanism, not the password`, async () => {
    const wrong = `wrong-${user.password}-x`;
    const output = await refusedStart(securedConfig({ sasl: { ...user, password: wrong } }));
    assert.match(
      output,
      new RegExp(
        `refused the SASL login on listener SASL_SSL ${meshSecured.kafkaSaslBootstrap.replaceAll(".", "\\.")} \\(mechanism ${user.mechanism}, user '${user.username}'\\)`,
      ),
    );
    assert.ok(!output.includes(wrong), "the wrong password is printed");
    assert.ok(!output.includes(user.password), "the right password is printed");
  });
}

test("an untrusted broker certificate (no CA given: the system CAs) stops the start with a clear message", async () => {
  const output = await refusedStart(securedConfig({ kafkaTls: true }));
  assert.match(
    output,
    new RegExp(
      `TLS to listener SASL_SSL ${meshSecured.kafkaSaslBootstrap.replaceAll(".", "\\.")} failed: the broker's certificate is not trusted by the system CAs \\(SELF_SIGNED_CERT_IN_CHAIN\\); set kafka\\.tls\\.ca`,
    ),
  );
  assert.match(output, /SASL mechanism SCRAM-SHA-512 not attempted/);
  assert.ok(!output.includes(meshSecured.kafkaScram.password));
});

test("a wrong registry password stops the start with a clear message, not the password", async () => {
  const wrong = "wrong-registry-password-x";
  const output = await refusedStart(
    securedConfig({
      registry: {
        url: meshSecured.registryUrl,
        username: meshSecured.registryUser.username,
        password: wrong,
        ca: meshSecured.caFile,
      },
    }),
  );
  assert.match(
    output,
    new RegExp(
      `schema registry refused the credentials \\(HTTP 401\\) for GET ${meshSecured.registryUrl.replaceAll(".", "\\.")}/`,
    ),
  );
  assert.ok(!output.includes(wrong));
});

test("an untrusted registry certificate (no registry.ca) stops the start at once, not retried as an outage", async () => {
  const began = Date.now();
  const output = await refusedStart(
    securedConfig({
      registry: { url: meshSecured.registryUrl, ...meshSecured.registryUser },
    }),
  );
  assert.match(
    output,
    /schema registry's certificate is not trusted by the system CAs \([A-Z_]+\) for GET https:\/\/127\.0\.0\.1:\d+\/.*set registry\.ca/,
  );
  assert.doesNotMatch(output, /schema registry unreachable at start-up; retrying/);
  assert.ok(Date.now() - began < 30_000, "refused without retrying");
  assert.ok(!output.includes(meshSecured.registryUser.password));
});

test("an untrusted Pub/Sub certificate (no endpoint.ca) stops the start, naming the endpoint and the setting", async () => {
  const config = securedConfig();
  const pubsub = (config.sources as Json).pubsub as Json;
  pubsub.endpoint = { host: meshSecured.pubsubHost, callCredentials: "none" };
  const output = await refusedStart(config);
  assert.match(
    output,
    new RegExp(
      `Pub/Sub at ${meshSecured.pubsubHost.replaceAll(".", "\\.")}: TLS failed, the server's certificate is not trusted by the system CAs; set sources\\.pubsub\\.endpoint\\.ca`,
    ),
  );
});
