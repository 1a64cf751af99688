// The fault scenarios' telemetry canary finds what it looks for: a payload value or a key's
// bytes (base64 or hex) planted in a bridge's log or a dead letter is a hit; clean telemetry is not.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ReadRecord } from "../../../src/ops/kafka-reader.ts";
import type { SentItem } from "../../faults/support/accounting.ts";
import { scanTelemetry } from "../../faults/support/canary.ts";
import { type BridgeProcess, startedBridges } from "../../support/bridge.ts";
import type { Deployment } from "../../support/deployment.ts";

const key = Buffer.alloc(32, 7).toString("base64");
const keyFile = join(mkdtempSync(join(tmpdir(), "mb-canary-")), "keys.json");
writeFileSync(keyFile, JSON.stringify({ tenants: { "tenant-0001": { "1": key } } }));
const item: SentItem = { id: "e1", ceIds: [], expectDeadLetter: false, bodies: [], plaintexts: ["liam.389@example.com"] };

function world(prefix: string, logs: string[]): Deployment {
  const exited = { exitCode: 0, signalCode: null } as unknown as BridgeProcess["child"];
  startedBridges.set(prefix, [{ bridge: { logs, child: exited, opsPort: 0 } as unknown as BridgeProcess, keyFile }]);
  return { prefix } as Deployment;
}
const deadLetter = (header: string): ReadRecord =>
  ({ headers: new Map([["mb_error_message", header]]), value: Buffer.from("ciphertext") }) as unknown as ReadRecord;

describe("telemetry canary scan", () => {
  it("clean logs and dead letters: no hit, and it says what it looked for", async () => {
    const scan = await scanTelemetry(
      world("clean.", ['{"msg":"dead-lettered","tenant":"tenant-0001"}']),
      [item],
      [deadLetter("bad tag")],
    );
    assert.equal(scan.leaks, 0);
    assert.equal(scan.needles, 3, "the e-mail address, the key as base64 and as hex");
  });

  it("a payload value in a log line, the key in hex in a dead letter: two hits, named without the secret", async () => {
    const hex = Buffer.from(key, "base64").toString("hex");
    const scan = await scanTelemetry(
      world("leaky.", ['{"msg":"oops","value":"liam.389@example.com"}']),
      [item],
      [deadLetter(`key ${hex}`)],
    );
    assert.equal(scan.leaks, 2);
    assert.deepEqual(scan.where, ["log of bridge 1: payload plaintext", "dead-letter record: key bytes"]);
  });
});
