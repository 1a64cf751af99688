import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { createLogger, type LogFields, silentLogger } from "../../../src/ops/log.ts";
import { PermanentError } from "../../../src/pipeline/errors.ts";

function capture(level: "debug" | "info" | "warn" | "error" = "info", base: LogFields = {}) {
  const lines: string[] = [];
  return { lines, log: createLogger(level, base, (line) => lines.push(line)) };
}

/** Anything a line-oriented reader or a terminal could take as a break or a control sequence. */
const breaks = (code: number): boolean => code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;

function assertOneLine(line: string): Record<string, unknown> {
  assert.ok(line.endsWith("\n"), "a line ends with a newline");
  const body = line.slice(0, -1);
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    assert.ok(!breaks(code), `raw U+${code.toString(16).padStart(4, "0")} at ${i} in ${JSON.stringify(body)}`);
  }
  return JSON.parse(body) as Record<string, unknown>;
}

test("every line is one JSON object on one physical line, whatever the strings hold", () => {
  const hostile = 'a\rb\nc\r\nd\u2028e\u2029f\u0085g\u001b[31mred\u001b[0m\u0000\u007f\u009b2J\ttab"quote\\back';
  const { lines, log } = capture("info", { [`base${hostile}`]: hostile });
  log.info(hostile, { value: hostile, [`field\nname${hostile}`]: hostile, count: 3 });
  log.child({ "child\u2028key": hostile }).warn(`child ${hostile}`);
  assert.equal(lines.length, 2);
  const first = assertOneLine(lines[0]!);
  assert.equal(first.msg, hostile, "the message survives the round trip unchanged");
  assert.equal(first.value, hostile);
  assert.equal(first[`field\nname${hostile}`], hostile, "a key with a newline is escaped, not broken");
  assert.equal(first[`base${hostile}`], hostile);
  assert.equal(first.count, 3);
  const second = assertOneLine(lines[1]!);
  assert.equal(second[`child\u2028key`], hostile);
  assert.equal(second.msg, `child ${hostile}`);
});

test("lone surrogates are escaped; paired ones (emoji) stay as they are", () => {
  const { lines, log } = capture();
  log.info("pair \u{1F600}", { lone: "x\ud800y", trailing: "\udc00" });
  assert.ok(lines[0]!.includes("\u{1F600}"));
  assert.ok(lines[0]!.includes("\\ud800") && lines[0]!.includes("\\udc00"), lines[0]);
  const entry = assertOneLine(lines[0]!);
  assert.equal(entry.lone, "x\ud800y");
});

test("level names, ISO time, base and child fields, threshold", () => {
  const { lines, log } = capture("info", { service: "meshbridge" });
  log.debug("not shown");
  log.info("shown", { n: 1, ok: true, gone: undefined });
  log.child({ source: "sqs:a" }).error("child line");
  assert.equal(lines.length, 2, "debug is below the info threshold");
  const info = assertOneLine(lines[0]!);
  assert.equal(info.level, "info");
  assert.match(String(info.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(info.service, "meshbridge");
  assert.equal(info.n, 1);
  assert.equal(info.ok, true);
  assert.ok(!("gone" in info), "undefined fields are left out");
  assert.ok(lines[0]!.includes('"level":"info"'), "tests and operators grep for this exact text");
  const error = assertOneLine(lines[1]!);
  assert.equal(error.level, "error");
  assert.equal(error.source, "sqs:a");
  assert.equal(error.service, "meshbridge");
});

test("the message is not a format string", () => {
  const { lines, log } = capture();
  log.info("100%s done %d %j %o", { a: 1 });
  assert.equal(assertOneLine(lines[0]!).msg, "100%s done %d %j %o");
});

test("secret-looking fields are redacted, in fields and in child bindings", () => {
  const { lines, log } = capture();
  const marker = "S3CR3T-MARKER";
  log.warn("oops", { password: marker, token: marker, key: marker, secretAccessKey: marker, apiKey: marker, tenant: "t1" });
  log.child({ authorization: `Bearer ${marker}` }).info("child");
  for (const line of lines) assert.ok(!line.includes(marker), `secret in ${line}`);
  const entry = assertOneLine(lines[0]!);
  assert.equal(entry.password, "[redacted]");
  assert.equal(entry.key, "[redacted]");
  assert.equal(entry.tenant, "t1", "other fields stay");
  assert.equal(assertOneLine(lines[1]!).authorization, "[redacted]");
});

test("errors are recorded by class, stage and code, never with cause or data", () => {
  const { lines, log } = capture();
  const payload = "DECRYPTED-PAYLOAD-MARKER";
  const permanent = new PermanentError("MapperFailed", "orders.v1: total is not a number", {
    tenant: "tenant-7",
    cause: new Error(`parse error near ${payload}`),
  });
  const sdk = Object.assign(new TypeError("request failed"), { code: "ECONNRESET", data: payload, $response: { body: payload } });
  log.error("failed", { err: permanent, error: sdk });
  log.child({ err: sdk }).warn("child");
  for (const line of lines) assert.ok(!line.includes(payload), `payload in ${line}`);
  const entry = assertOneLine(lines[0]!);
  assert.deepEqual(entry.err, {
    type: "PermanentError",
    message: "orders.v1: total is not a number",
    stage: "map",
    errorClass: "MapperFailed",
    tenant: "tenant-7",
  });
  assert.deepEqual(entry.error, { type: "TypeError", message: "request failed", code: "ECONNRESET" });
  assert.deepEqual(assertOneLine(lines[1]!).err, { type: "TypeError", message: "request failed", code: "ECONNRESET" });
});

test("silentLogger writes nothing and children stay silent", () => {
  silentLogger.error("nothing", { a: 1 });
  silentLogger.child({ b: 2 }).error("nothing");
});

// Default output is asynchronous stderr; these child processes log and then leave in the three
// ways the bridge can, and every line must arrive.
for (const [how, ending] of [
  ["returning normally", ""],
  ["process.exit right after logging", "process.exit(3);"],
  ["an uncaught exception", "throw new Error('fatal');"],
  ["process.exit after flushLogs", "flushLogs(); process.exit(3);"],
] as const) {
  test(`stderr output is complete when the process ends by ${how}`, () => {
    const url = new URL("../../../src/ops/log.ts", import.meta.url).href;
    const script = `import { createLogger, flushLogs } from ${JSON.stringify(url)};
      const log = createLogger("info", { service: "t" });
      for (let i = 0; i < 5000; i++) log.info("line", { i, pad: "x".repeat(200) });
      log.info("long", { pad: "y".repeat(20000) });
      log.error("last");
      ${ending}`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      maxBuffer: 64 * 2 ** 20,
    });
    const lines = run.stderr.split("\n").filter((line) => line.startsWith("{"));
    assert.equal(lines.length, 5002, `lines lost (${how}); exit ${run.status}`);
    for (let i = 0; i < 5000; i++) assert.equal((JSON.parse(lines[i]!) as { i: number }).i, i, "in order");
    assert.equal((JSON.parse(lines[5000]!) as { pad: string }).pad.length, 20000, "a line longer than a write chunk");
    assert.equal((JSON.parse(lines[5001]!) as { msg: string }).msg, "last");
  });
}
