// The production install is complete: what `npm pack` ships, installed with `npm ci --omit=dev`
// into a folder of its own, runs `meshbridge --help` and a passing `meshbridge check` against the
// mesh, with the demo catalog copied beside it as a team's own catalog module (it imports
// `meshbridge/catalog` and `@bufbuild/protobuf`, which must resolve to the installed bridge's
// copies). The dev tools' packages are not there. Slow (an npm install from the warm cache).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { generateStaticKeys } from "../../tools/legacy-crypto/provision.ts";
import { type Deployment, isolatedDeployment } from "../support/deployment.ts";
import { createQueue, deleteQueue, meshQueueSqs, type TestQueue } from "../support/mesh.ts";

/** Packages only the tools, tests and benchmarks use: a production install must not have them. */
const devOnly = ["@google-cloud/pubsub", "@aws-sdk/client-sns", "@confluentinc/schemaregistry", "kafkajs"];

/** The files `npm pack` would put in the package (package.json `files`, plus what npm always adds). */
function packedFiles(): string[] {
  const result = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8" });
  assert.equal(result.status, 0, `npm pack --dry-run: ${result.stderr}`);
  const [pack] = JSON.parse(result.stdout) as [{ files: { path: string }[] }];
  return pack.files.map((file) => file.path);
}

/** Runs a command to its end, output collected (not spawnSync: the test's timers keep running). */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, output })));
}

describe("the production install (npm ci --omit=dev)", () => {
  let deployment: Deployment;
  let queue: TestQueue;
  // Outside the repository and the mesh's cache (/work/main/.cache may sit in a clone): Node
  // would otherwise find the clone's node_modules above the install and hide a missing package.
  let root: string;
  let installDir: string;
  let catalogModule: string;
  const sqs = meshQueueSqs();

  before(async () => {
    deployment = await isolatedDeployment("prodinstall");
    queue = await createQueue(sqs, deployment.prefix.slice(0, -1).replaceAll(".", "-"));
    root = mkdtempSync(join(tmpdir(), "meshbridge-production-"));
    installDir = join(root, "meshbridge");
    const files = packedFiles();
    for (const file of files) {
      mkdirSync(dirname(join(installDir, file)), { recursive: true });
      cpSync(join(repoRoot, file), join(installDir, file));
    }
    // npm pack never ships the lock file; npm ci needs it.
    cpSync(join(repoRoot, "package-lock.json"), join(installDir, "package-lock.json"));
    cpSync(join(repoRoot, "catalog"), join(root, "catalog"), { recursive: true });
    catalogModule = join(root, "catalog", "index.ts");
    const started = performance.now();
    const install = await run(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
      installDir,
    );
    assert.equal(install.code, 0, `npm ci --omit=dev:\n${install.output}`);
    console.log(`# npm ci --omit=dev: ${Math.round(performance.now() - started)} ms, ${files.length} packed files`);
  });

  after(async () => {
    await deleteQueue(sqs, queue).catch(() => {});
    sqs.destroy();
    rmSync(root, { recursive: true, force: true });
  });

  // The repository's Node 24: the production install has no `node` package (a devDependency).
  const node = process.execPath;
  // Exported MB_* endpoints would override the config's.
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    MB_KAFKA_BOOTSTRAP: "",
    MB_REGISTRY_URL: "",
    MB_AWS_ENDPOINT: "",
    MB_PUBSUB_EMULATOR_HOST: "",
    MB_CATALOG: "",
  };

  it("ships the bridge and none of the dev tooling", () => {
    const files = packedFiles();
    assert.ok(files.includes("bin/meshbridge.js") && files.includes("src/cli/main.ts"), files.join(" "));
    assert.ok(files.includes("examples/minimal-catalog/index.ts"), "catalog init copies examples/minimal-catalog");
    const devFiles = files.filter((file) => /^(tools|test|bench|infra|catalog)\//.test(file));
    assert.deepEqual(devFiles, []);
  });

  it("meshbridge --help runs there", async () => {
    const help = await run(node, [join(installDir, "bin", "meshbridge.js"), "--help"], installDir, env);
    assert.equal(help.code, 0, help.output);
    assert.match(help.output, /^meshbridge \d+\.\d+\.\d+ — /);
    assert.doesNotMatch(help.output, /^ {2}(simulate|demo)\b/m, "dev commands are not in the production table");
  });

  it("meshbridge check passes there against the mesh, the catalog module loaded from outside the package", async () => {
    const keyFile = join(root, "keys.json");
    writeFileSync(keyFile, JSON.stringify(generateStaticKeys(["tenant-0001"], [1])), { mode: 0o600 });
    const config = join(root, "bridge.json");
    writeFileSync(
      config,
      JSON.stringify({
        catalog: { module: catalogModule },
        kafka: {
          bootstrapBrokers: [meshEndpoints.kafkaBootstrap],
          deadLetterTopic: deployment.deadLetterTopic,
          topicPrefix: deployment.prefix,
        },
        registry: { url: meshEndpoints.registryUrl },
        aws: { region: "us-east-1", endpoint: meshEndpoints.sqsEndpoint },
        keys: { provider: "static", file: keyFile },
        sources: { sqs: [{ queueUrl: queue.url }] },
        http: { port: 0, host: "127.0.0.1" },
      }),
    );
    const check = await run(node, [join(installDir, "bin", "meshbridge.js"), "check", "--config", config], installDir, env);
    assert.equal(check.code, 0, check.output);
    assert.match(check.output, /^all \d+ checks passed$/m);
    assert.match(check.output, new RegExp(`^ok {4}sources\\.sqs\\[0\\] queue ${queue.url.replaceAll(".", "\\.")}`, "m"));
  });

  it("the dev tools' packages are not installed, the bridge's are", async () => {
    const resolve = (name: string) =>
      run(node, ["--input-type=module", "-e", `import.meta.resolve(${JSON.stringify(name)})`], installDir, env);
    for (const name of devOnly) {
      const result = await resolve(name);
      assert.notEqual(result.code, 0, `${name} resolves in the production install`);
      assert.match(result.output, /ERR_MODULE_NOT_FOUND|Cannot find package/, name);
    }
    const kafka = await resolve("@platformatic/kafka");
    assert.equal(kafka.code, 0, kafka.output);
  });
});
