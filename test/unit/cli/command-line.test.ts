// The command table's generated surface: help, --help on every command and subcommand (listing
// every declared option), the subcommand list for a missing or unknown subcommand, unknown
// options, --version. In process, through the same dispatch main.ts uses.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../../../infra/stack/ports.ts";
import { type Command, dispatch, type Program, UsageError } from "../../../src/cli/command-line.ts";
import { commands } from "../../../src/cli/commands.ts";

const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
const program: Program = { name: "meshbridge", version, summary: "test", commands };

async function output(argv: readonly string[]): Promise<string> {
  let text = "";
  await dispatch(program, argv, (chunk) => {
    text += chunk;
  });
  return text;
}

/** Every runnable command with its words, e.g. ["schemas", "register"]. */
function leaves(list: readonly Command[], path: readonly string[] = []): [string[], Command][] {
  return list.flatMap((command) =>
    command.subcommands === undefined
      ? [[[...path, command.name], command] as [string[], Command]]
      : leaves(command.subcommands, [...path, command.name]),
  );
}

describe("the command line", () => {
  it("help lists every command and subcommand with its summary", async () => {
    const text = await output(["help"]);
    for (const [words, command] of leaves(commands))
      assert.ok(text.includes(`${words.join(" ")}  `) && text.includes(command.summary), words.join(" "));
    assert.equal(await output([]), text);
    assert.equal(await output(["--help"]), text);
  });

  for (const [words, command] of leaves(commands)) {
    it(`${words.join(" ")} --help lists its options`, async () => {
      const text = await output([...words, "--help"]);
      assert.match(text, new RegExp(`^meshbridge ${words.join(" ")} — `));
      for (const [name, spec] of Object.entries(command.options ?? {}))
        assert.ok(text.includes(`--${name} ${spec.value}`), `--${name}`);
      assert.ok(text.includes("-h, --help"));
      assert.equal(await output(["help", ...words]), text);
    });
  }

  it("a command with subcommands: --help and a missing subcommand list them; a missing one is a usage error", async () => {
    for (const command of commands.filter((c) => c.subcommands !== undefined)) {
      const help = await output([command.name, "--help"]);
      for (const sub of command.subcommands ?? []) assert.ok(help.includes(`  ${sub.name}  `), `${command.name} ${sub.name}`);
      await assert.rejects(output([command.name]), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, new RegExp(`^${command.name}: give a subcommand\\n`));
        for (const sub of command.subcommands ?? []) assert.ok(error.message.includes(`  ${sub.name}  `));
        return true;
      });
    }
    await assert.rejects(
      output(["schemas", "drop"]),
      (error: unknown) => error instanceof UsageError && /^schemas: unknown subcommand 'drop'/.test(error.message),
    );
  });

  it("an unknown option or command names it and where to look", async () => {
    await assert.rejects(
      output(["dlq", "inspect", "--bogus"]),
      /dlq inspect: Unknown option '--bogus'; 'meshbridge dlq inspect --help' lists the options/,
    );
    await assert.rejects(output(["frobnicate"]), /unknown command 'frobnicate'/);
  });

  it("--version prints the package.json version", async () => {
    assert.equal(await output(["--version"]), `meshbridge ${version}`);
  });

  it("main.ts: a usage error exits 2 on stderr; --help exits 0", () => {
    const bad = spawnSync(process.execPath, [join(repoRoot, "src", "cli", "main.ts"), "topics"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^meshbridge: topics: give a subcommand/);
    const good = spawnSync(process.execPath, [join(repoRoot, "src", "cli", "main.ts"), "topics", "create", "--help"], {
      encoding: "utf8",
    });
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /--partitions N +partitions per topic \(default: 6\)/);
  });
});

describe("servers: flags or MB_* variables, no built-in local defaults", () => {
  const bare = { ...process.env };
  for (const name of ["MB_KAFKA_BOOTSTRAP", "MB_REGISTRY_URL", "MB_CATALOG"]) delete bare[name];
  const main = join(repoRoot, "src", "cli", "main.ts");
  const catalog = join(repoRoot, "catalog", "index.ts");

  it("a command that reaches a server names the flag it needs (exit 2)", () => {
    for (const [words, message] of [
      [["dlq", "inspect"], /^meshbridge: dlq inspect: --bootstrap is required/],
      [["topics", "create", "--catalog", catalog], /^meshbridge: topics create: --bootstrap is required/],
      [["schemas", "register", "--catalog", catalog], /^meshbridge: schemas register: --registry is required/],
    ] as const) {
      const result = spawnSync(process.execPath, [main, ...words], { encoding: "utf8", env: bare });
      assert.equal(result.status, 2, `${words.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  it("MB_KAFKA_BOOTSTRAP and MB_REGISTRY_URL are the defaults help shows", () => {
    const env = { ...bare, MB_KAFKA_BOOTSTRAP: "broker-a:9092", MB_REGISTRY_URL: "http://registry.example:8081" };
    const topics = spawnSync(process.execPath, [main, "topics", "create", "--help"], { encoding: "utf8", env });
    assert.match(topics.stdout, /--bootstrap HOST:PORT\[,\.\.\.\] .*\(default: broker-a:9092\)/);
    const schemas = spawnSync(process.execPath, [main, "schemas", "register", "--help"], { encoding: "utf8", env });
    assert.match(schemas.stdout, /--registry URL .*\(default: http:\/\/registry\.example:8081\)/);
  });

  it("the production command table has no simulate or demo (npm run simulate|demo: tools/cli.ts)", async () => {
    assert.deepEqual(
      commands.map((command) => command.name).filter((name) => name === "simulate" || name === "demo"),
      [],
    );
    const help = spawnSync(process.execPath, [join(repoRoot, "tools", "cli.ts"), "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^ {2}simulate provision {2}/m);
    assert.match(help.stdout, /^ {2}demo {16}/m);
  });
});

describe("MB_CACHE_DIR and the developer script", () => {
  it("moves the simulator's default directory", () => {
    const result = spawnSync(process.execPath, [join(repoRoot, "tools", "cli.ts"), "simulate", "provision", "--help"], {
      encoding: "utf8",
      env: { ...process.env, MB_CACHE_DIR: "/tmp/mb-cache-elsewhere" },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /--dir DIR .*\(default: \/tmp\/mb-cache-elsewhere\/sim\)/);
  });

  it("./dev lists down beside demo and test", () => {
    const result = spawnSync(join(repoRoot, "dev"), [], { encoding: "utf8" });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /\.\/dev demo .*\| \.\/dev test \| \.\/dev down/);
  });
});
