// The Dockerfile: hadolint finds nothing, and since no engine builds it here, the test checks
// what a build would get wrong: the Node version, production dependencies only, a non-root
// user, and that every file the bridge loads is in the build context and copied into the image.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../../infra/stack/ports.ts";
import { deployTools } from "../../tools/deploy/tools.ts";
import { requireTools } from "./render.ts";

const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
const dockerignore = readFileSync(join(repoRoot, ".dockerignore"), "utf8");

function hadolint(file: string): { status: number | null; output: string } {
  requireTools();
  const result = spawnSync(deployTools.hadolint, ["--no-color", file], { encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** The runtime stage: from its FROM to the end. */
const runtimeStage = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime$/m));

/** Repository paths the runtime stage copies from the build context. */
const copiedPaths = [...runtimeStage.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+)$/gm)].flatMap((match) =>
  match[1]!.trim().split(/\s+/).slice(0, -1),
);

/** Every repository file reachable by relative imports (static and import("…")) from `entry`. */
function importClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [resolve(repoRoot, entry)];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;
  while (pending.length > 0) {
    const file = pending.pop()!;
    const path = relative(repoRoot, file);
    if (seen.has(path)) continue;
    seen.add(path);
    for (const match of readFileSync(file, "utf8").matchAll(pattern)) {
      const target = resolve(dirname(file), match[1]!);
      if (existsSync(target)) pending.push(target);
    }
  }
  return seen;
}

const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix.replace(/\/$/, "")}/`);

describe("Dockerfile", () => {
  it("is clean under hadolint", () => {
    const result = hadolint(join(repoRoot, "Dockerfile"));
    assert.equal(result.output, "", "no findings, not even info");
    assert.equal(result.status, 0);
  });

  it("hadolint does report findings (the lint is not a no-op)", () => {
    const bad = join(mkdtempSync(join(tmpdir(), "mb-hadolint-")), "Dockerfile");
    writeFileSync(bad, "FROM node:latest\nRUN cd /app && npm install\n");
    const result = hadolint(bad);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /DL3007/, "using latest");
    assert.match(result.output, /DL3003/, "cd instead of WORKDIR");
  });

  it("uses the Node version the project runs on (the node devDependency)", () => {
    const installed = JSON.parse(readFileSync(join(repoRoot, "node_modules", "node", "package.json"), "utf8")) as {
      version: string;
    };
    assert.equal(/^ARG NODE_VERSION=(\S+)$/m.exec(dockerfile)?.[1], installed.version);
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    assert.equal(bases.length, 2, "two stages");
    for (const base of bases) assert.match(base!, /^node:\$\{NODE_VERSION\}-slim$/, "both stages on the slim image");
  });

  it("installs production dependencies only, from the lock file", () => {
    assert.match(dockerfile, /^RUN npm ci --omit=dev /m);
    assert.match(runtimeStage, /^COPY --from=deps \S* ?\/app\/node_modules \.\/node_modules$/m);
  });

  it("runs as a non-root numeric user (so Kubernetes can verify runAsNonRoot), with a HEALTHCHECK on /healthz", () => {
    const user = /^USER (\d+)(?::(\d+))?$/m.exec(runtimeStage);
    assert.ok(user !== null, "USER uid[:gid]");
    assert.notEqual(Number(user[1]), 0);
    assert.match(runtimeStage, /^HEALTHCHECK .*\n.*\/healthz/m);
    assert.match(runtimeStage, /^ENTRYPOINT \["node", "src\/cli\/main.ts"\]$/m);
    assert.match(runtimeStage, /^CMD \["run"\]$/m);
  });

  it("copies every file the bridge and the demo catalog load, and the build context holds them", () => {
    // .dockerignore is an allow-list: `*`, then `!path` for each thing the image needs.
    const lines = dockerignore.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
    assert.equal(lines[0], "*");
    const allowed = lines.slice(1).map((line) => {
      assert.ok(line.startsWith("!"), `.dockerignore: expected only !path after *, got ${line}`);
      return line.slice(1).replace(/\/$/, "");
    });
    const needed = new Set([...importClosure("src/cli/main.ts"), ...importClosure("catalog/index.ts"), "package.json"]);
    for (const file of needed) {
      assert.ok(
        copiedPaths.some((copied) => isUnder(file, copied)),
        `${file} is loaded by the bridge but not copied (${copiedPaths.join(", ")})`,
      );
      assert.ok(
        allowed.some((path) => isUnder(file, path)),
        `${file} is loaded by the bridge but .dockerignore leaves it out`,
      );
    }
    // The walk is real: it reaches the catalog's generated code, two imports away from its index.
    assert.ok(
      [...needed].some((file) => file.startsWith("catalog/gen/")),
      "the closure follows the catalog's imports into catalog/gen",
    );
    assert.ok(!needed.has("infra/stack/ports.ts"), "src/ no longer loads the local mesh's ports");
  });
});
