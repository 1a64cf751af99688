// docs/operations.md, run as written: every ```sh block of the guide carries a step marker, and
// each step runs its block with bash in a directory laid out as a user's (meshbridge installed
// as a dependency, bridge.yaml and keys.json beside it) against the local mesh, then checks
// that the block did what the guide says — a rotated key and a new tenant decrypt events after
// the rollout, a schema registered by the guide's commands leaves no drift.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createSecretKey } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { demoCatalogModule } from "../../catalog/index.ts";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { deployTools, missingTools } from "../../tools/deploy/tools.ts";
import { legacyStream, type SealedEvent } from "../../tools/simulator/legacy-stream.ts";
import type { WorldFile } from "../../tools/simulator/world.ts";
import { type BridgeProcess, sqsBridgeConfig, startBridgeProcess } from "../support/bridge.ts";
import { type Deployment, isolatedDeployment } from "../support/deployment.ts";
import { expectedRecords } from "../support/expected.ts";
import { uniqueName } from "../support/mesh.ts";
import { collectRecords, tally } from "../support/records.ts";
import { legacyEvents, provisionSqsWorld, publishToSqsWorld } from "../support/worlds.ts";

const GUIDE = join(repoRoot, "docs", "operations.md");
const THIS_TEST = "test/mesh/operations-guide.test.ts";

/** The guide's sh blocks by step; throws when a block has no marker (an untested command). */
function guideSteps(): Map<string, string> {
  const text = readFileSync(GUIDE, "utf8");
  const all = [...text.matchAll(/```sh\n/g)].length;
  const steps = new Map<string, string>();
  for (const match of text.matchAll(/<!-- tested: (\S+) step=([a-z-]+) -->\n```sh\n([\s\S]*?)\n```/g)) {
    assert.equal(match[1], THIS_TEST, `step ${match[2]} names another test`);
    assert.ok(!steps.has(match[2]!), `step ${match[2]} marked twice`);
    steps.set(match[2]!, match[3]!);
  }
  assert.equal(steps.size, all, `${all - steps.size} sh block(s) of docs/operations.md carry no step marker`);
  return steps;
}

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

describe("docs/operations.md, every command as written", () => {
  const steps = guideSteps();
  const ran = new Set<string>();
  let work = "";
  let env: NodeJS.ProcessEnv = {};
  let deployment: Deployment;
  let world: WorldFile;
  let config: Record<string, unknown>;
  let bridge: BridgeProcess | undefined;

  const run = (step: string, extraEnv: NodeJS.ProcessEnv = {}): Ran => {
    const block = steps.get(step);
    assert.ok(block !== undefined, `the guide has no step ${step}`);
    ran.add(step);
    const result = spawnSync("bash", ["-euo", "pipefail", "-c", block], {
      cwd: work,
      env: { ...env, ...extraEnv },
      encoding: "utf8",
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const succeeded = (step: string, result: Ran) =>
    assert.equal(
      result.status,
      0,
      `step ${step} failed:\n${steps.get(step)}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );

  before(async () => {
    // A user's directory: meshbridge installed as a dependency, its bin linked as npm links it.
    work = mkdtempSync(join(tmpdir(), "mb-ops-guide-"));
    writeFileSync(join(work, "package.json"), JSON.stringify({ name: "ops", private: true, dependencies: { meshbridge: "*" } }));
    mkdirSync(join(work, "node_modules", ".bin"), { recursive: true });
    symlinkSync(repoRoot, join(work, "node_modules", "meshbridge"));
    symlinkSync(join(repoRoot, "bin", "meshbridge.js"), join(work, "node_modules", ".bin", "meshbridge"));

    deployment = await isolatedDeployment("ops-guide");
    world = await provisionSqsWorld(deployment, 2, { topology: "per-type" });
    copyFileSync(world.keys.bridgeKeyFile, join(work, "keys.json"));
    config = sqsBridgeConfig(deployment, world, {}, { keyFile: join(work, "keys.json") });
    writeFileSync(join(work, "bridge.yaml"), JSON.stringify(config, null, 2)); // JSON is YAML
    env = {
      ...process.env,
      // Node 24 first (the launcher's shebang asks `env node`), and the deployment tools.
      PATH: [dirname(process.execPath), dirname(deployTools.helm), process.env.PATH].join(":"),
      MB_KAFKA_BOOTSTRAP: meshEndpoints.kafkaBootstrap,
      MB_REGISTRY_URL: meshEndpoints.registryUrl,
      MB_CATALOG: demoCatalogModule,
      PREFIX: deployment.prefix,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      npm_config_yes: "false", // npx must find the local bin, never download
    };
  });

  after(async () => {
    await bridge?.stop();
    assert.deepEqual(
      [...steps.keys()].filter((step) => !ran.has(step)),
      [],
      "every step of the guide ran",
    );
  });

  it("Deploy: the example values lint and render to the chart's objects", () => {
    assert.deepEqual(missingTools(), [], "deployment tools (npm run deploy:tools)");
    const result = run("deploy");
    succeeded("deploy", result);
    const rendered = readFileSync(join(work, "rendered.yaml"), "utf8");
    for (const kind of ["Deployment", "ScaledObject", "PodDisruptionBudget", "ConfigMap"]) {
      assert.match(rendered, new RegExp(`^kind: ${kind}$`, "m"), kind);
    }
  });

  it("the pre-flight check passes on the configuration", () => {
    const result = run("check");
    succeeded("check", result);
    assert.match(result.stdout, /ok/i);
  });

  it("Upgrade a schema: diff finds the unregistered subjects, register, then no drift", () => {
    // A prefix nobody registered: the first diff must see every subject missing.
    const result = run("schemas", { PREFIX: `${uniqueName("ops-guide-schemas")}.` });
    succeeded("schemas", result);
    assert.match(result.stdout, /differs: review the diff above/, "the first diff reports the missing subjects");
  });

  it("Rotate a key, Add a tenant, Replay: events of the new version dead-lettered before the rollout are replayed, the new tenant and the old version arrive", async (t) => {
    // The replica running before the rotation (it read the key file at start).
    const before = await startBridgeProcess(deployment, config, "ops-guide-before");
    succeeded("rotate", run("rotate"));
    const keys = (): { tenants: Record<string, Record<string, string>> } =>
      JSON.parse(readFileSync(join(work, "keys.json"), "utf8"));
    assert.equal(Buffer.from(keys().tenants["tenant-0001"]?.["3"] ?? "", "base64").length, 32, "tenant-0001 has key version 3");
    const keyFor = (tenant: string, version: number) => {
      const key = keys().tenants[tenant]?.[String(version)];
      if (key === undefined) throw new Error(`no key ${tenant} v${version}`);
      return createSecretKey(Buffer.from(key, "base64"));
    };
    const seed = Date.now() % 1e9;
    // A seed of their own per call: events of one tenant and version never repeat an event id.
    let calls = 0;
    const sealed = (tenant: string, version: number, count: number): SealedEvent[] => [
      ...legacyStream({ tenants: [tenant], keyVersions: [version], count, seed: seed + 1000 * ++calls, targetBytes: 0, keyFor }),
    ];
    // A producer switched to version 3 before the rollout: the old replica dead-letters those.
    const early = sealed("tenant-0001", 3, 20);
    const earlyExpected = expectedRecords(early, deployment.prefix);
    assert.equal(await publishToSqsWorld(world, early, { rate: 500, concurrency: 4 }), early.length);
    await before.waitForMetric("meshbridge_dead_lettered_total", early.length - earlyExpected.zeroOutputEvents, 120_000);
    assert.equal(await before.stop(), 0);

    succeeded("add-tenant", run("add-tenant"));
    assert.equal(Buffer.from(keys().tenants["tenant-0042"]?.["1"] ?? "", "base64").length, 32, "tenant-0042 has key version 1");
    // The rollout: a replica started on the edited key file.
    bridge = await startBridgeProcess(deployment, config, "ops-guide");
    const events = [...sealed("tenant-0042", 1, 20), ...legacyEvents(world, 20, seed), ...sealed("tenant-0001", 3, 10)];
    assert.equal(await publishToSqsWorld(world, events, { rate: 500, concurrency: 4 }), events.length);

    const replay = run("replay");
    succeeded("replay", replay);
    assert.match(replay.stdout, /UnknownKeyVersion/, "inspect names the error class");
    const expected = expectedRecords([...early, ...events], deployment.prefix);
    const { catalog, deadLetters } = await collectRecords(
      deployment,
      (records) => tally(expected.records, records).missing.length === 0,
      120_000,
    );
    const { missing, duplicates } = tally(expected.records, catalog);
    t.diagnostic(
      `${early.length} dead-lettered before the rollout and replayed, ${events.length} after it: ${catalog.length} records, ` +
        `${duplicates} duplicates, ${deadLetters.length} dead letters`,
    );
    assert.deepEqual(missing, [], "every record: the replayed version-3 events, the new tenant, the old version");
    assert.equal(duplicates, 0, "the dry run produced nothing, the replay each record once");
  });

  it("Watch it: readiness, the source counters and the status page of the running replica", () => {
    assert.ok(bridge !== undefined, "runs after the rollout step");
    const result = run("watch", { OPS: `http://127.0.0.1:${bridge.opsPort}` });
    succeeded("watch", result);
    assert.match(result.stdout, /^ready/m);
    assert.match(result.stdout, /^meshbridge_source_messages_acked_total(\{[^}]*\})? [1-9]/m);
    assert.match(result.stdout, /^<title>meshbridge status<\/title>$/m);
  });

  it("the guide's files are where it says", () => {
    assert.ok(existsSync(join(repoRoot, "deploy", "examples", "sqs-keda.yaml")));
    const files = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { files: string[] }).files;
    assert.ok(files.includes("deploy/"), "package.json files ships deploy/ (the guide uses node_modules/meshbridge/deploy)");
  });
});
