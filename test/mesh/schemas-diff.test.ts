// `meshbridge schemas diff` against the registry: every subject equal after `schemas register`
// (exit 0), a drifted subject shown with its line diff (exit 1), subjects of an unregistered
// prefix named as missing (exit 1). The same comparison the bridge makes before it starts.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { catalogTopics, orderPlacedTopic } from "../../catalog/topics.ts";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { RegistryClient } from "../../src/schema/registry-client.ts";
import { type Deployment, isolatedDeployment } from "../support/deployment.ts";
import { uniqueName } from "../support/mesh.ts";

async function schemasDiff(prefix: string): Promise<{ code: number | null; lines: string[]; output: string }> {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, "bin", "meshbridge.js"),
      "schemas",
      "diff",
      "--catalog",
      join(repoRoot, "catalog", "index.ts"),
      "--registry",
      meshEndpoints.registryUrl,
      "--prefix",
      prefix,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, lines: output.split("\n").filter((line) => /^(ok|FAIL) {2}/.test(line)), output };
}

describe("meshbridge schemas diff", () => {
  let deployment: Deployment;
  before(async () => {
    deployment = await isolatedDeployment("schemas-diff");
  });

  it("after schemas register: every subject equals the generated schema, exit 0", async () => {
    const { code, lines, output } = await schemasDiff(deployment.prefix);
    assert.equal(code, 0, output);
    assert.equal(lines.length, 1 + catalogTopics.length, output);
    assert.ok(
      lines.every((line) => line.startsWith("ok")),
      output,
    );
    for (const topic of catalogTopics) {
      assert.ok(
        lines.some((line) => line.startsWith(`ok    schema ${deployment.prefix}${topic.topic}-value: latest`)),
        output,
      );
    }
  });

  it("a prefix nothing was registered under: every subject named as missing, exit 1", async () => {
    const { code, lines, output } = await schemasDiff(`${uniqueName("unregistered")}.`);
    assert.equal(code, 1, output);
    const fails = lines.filter((line) => line.startsWith("FAIL"));
    assert.equal(fails.length, catalogTopics.length, output);
    assert.match(output, /schemas register/, "names the command that registers them");
  });

  it("a drifted subject: one FAIL line with the difference, exit 1", async () => {
    const subject = `${deployment.prefix}${orderPlacedTopic.topic}-value`;
    const drifted = readFileSync(orderPlacedTopic.protoPath, "utf8").replace(/\n}\s*$/, "\n  string coupon_code = 999;\n}\n");
    await new RegistryClient({ url: meshEndpoints.registryUrl }).register(subject, drifted, "PROTOBUF");
    const { code, lines, output } = await schemasDiff(deployment.prefix);
    assert.equal(code, 1, output);
    const fails = lines.filter((line) => line.startsWith("FAIL"));
    assert.equal(fails.length, 1, output);
    assert.match(fails[0]!, new RegExp(`^FAIL {2}schema ${subject.replaceAll(".", "\\.")}: `));
    assert.match(output, /coupon_code/, "the line diff shows the drifted field");
  });
});
