// The dead-letter repair scenario both clouds' mesh tests run after their bridge dead-lettered the
// events of two tenants without keys: inspect, then provision one tenant's key and replay it
// (dry run first, then for real, then again), and replay the other, whose key is still missing.
// Every published event is counted by id: in the catalog exactly once, or in the dead-letter topic.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { meshEndpoints, repoRoot } from "../../infra/stack/ports.ts";
import { inspectDeadLetters, renderSummary, summaryJson } from "../../src/cli/commands/dlq-inspect.ts";
import {
  defaultReplayGroup,
  type ReplayOptions,
  type ReplayReport,
  replayDeadLetters,
  replayExitCode,
} from "../../src/cli/commands/dlq-replay.ts";
import { type BridgeConfig, parseConfig } from "../../src/cli/config.ts";
import { loadCatalogModule } from "../../src/cli/load-catalog.ts";
import type { ReadRecord } from "../../src/ops/kafka-reader.ts";
import { silentLogger } from "../../src/ops/log.ts";
import { dlqHeader } from "../../src/pipeline/records.ts";
import type { SealedEvent } from "../../tools/simulator/legacy-stream.ts";
import type { Deployment } from "./deployment.ts";
import { expectedRecords } from "./expected.ts";
import { collectRecords, distinctCeIds } from "./records.ts";

export interface RepairScenario {
  readonly deployment: Deployment;
  /** The bridge's configuration object (bridgeConfig), its key file to be replaced by `fixedKeys`. */
  readonly config: Record<string, unknown>;
  readonly sent: readonly SealedEvent[];
  /** The tenant whose key is provisioned before the replay. */
  readonly fixed: string;
  /** The tenant whose key stays missing: its dead letters fail again. */
  readonly stillMissing: string;
  /** The full key file's content; the fix writes it without `stillMissing`. */
  readonly fullKeys: { readonly tenants: Record<string, unknown> };
  /** Stops the bridge once everything was settled, before the replays. */
  readonly stopBridge: () => Promise<unknown>;
}

const idOf = (record: ReadRecord): string => record.headers.get(dlqHeader.sourceMessageId) ?? record.key;

const BATCH = 7;

async function replay(
  config: BridgeConfig,
  tenant: string,
  dryRun: boolean,
  more: Pick<ReplayOptions, "signal" | "onProgress" | "progressEvery"> = {},
): Promise<ReplayReport> {
  const filter = { tenant };
  return replayDeadLetters({
    config,
    catalog: await loadCatalogModule(config.catalog.module),
    filter,
    group: defaultReplayGroup(config, filter),
    dryRun,
    batchSize: BATCH,
    log: silentLogger,
    ...more,
  });
}

export async function runRepairScenario(t: TestContext, scenario: RepairScenario): Promise<void> {
  const { deployment, sent, fixed, stillMissing } = scenario;
  const expectation = expectedRecords(sent, deployment.prefix);
  const of = (tenant: string) => sent.filter((event) => event.tenant === tenant);
  const healthy = sent.filter((event) => event.tenant !== fixed && event.tenant !== stillMissing);
  const healthyRecords = expectedRecords(healthy, deployment.prefix).records.size;
  const fixedExpectation = expectedRecords(of(fixed), deployment.prefix);
  const fixedFailingAgain = of(fixed).filter((event) => fixedExpectation.deadLetters.has(event.eventId)).length;
  const keyless = of(fixed).length + of(stillMissing).length;
  const mappingDeadLetters = healthy.filter((event) => expectation.deadLetters.has(event.eventId)).length;

  // What the bridge left: the healthy tenants' records, every keyless event dead-lettered.
  const before = await collectRecords(
    deployment,
    (catalog, deadLetters) => distinctCeIds(catalog) >= healthyRecords && deadLetters.length >= keyless + mappingDeadLetters,
    60_000,
  );
  assert.equal(before.deadLetters.length, keyless + mappingDeadLetters, "dead letters before the replay");
  const catalogBefore = before.catalog.length;
  await scenario.stopBridge();

  const keyFile = join(deployment.directory, "fixed-keys.json");
  const connection = { bootstrapBrokers: [meshEndpoints.kafkaBootstrap], topic: deployment.deadLetterTopic };
  const summary = await inspectDeadLetters(connection, {}, 2);
  assert.equal(summary.matched, before.deadLetters.length);
  assert.equal(summary.by.tenant[fixed], of(fixed).length);
  assert.equal(summary.by.tenant[stillMissing], of(stillMissing).length);
  assert.equal(summary.by.errorClass.UnknownTenant, keyless);
  assert.ok(summary.by.source[`${before.deadLetters[0]!.headers.get(dlqHeader.source)}`]! > 0, JSON.stringify(summary.by.source));
  const forFixed = summary.groups.find((group) => group.tenant === fixed && group.errorClass === "UnknownTenant");
  assert.equal(forFixed?.stage, "key");
  assert.ok(forFixed!.samples.length >= 1 && forFixed!.samples[0]!.bodyBytes > 0);
  const filtered = await inspectDeadLetters(connection, { tenant: stillMissing }, 1);
  assert.equal(filtered.matched, of(stillMissing).length);
  for (const text of [renderSummary(summary), summaryJson(summary)]) {
    // The values are envelopes {"v":1,...,"ct":...}: none of their text may be printed.
    assert.ok(!text.includes('"ct"') && !text.includes('\\"ct\\"'), "inspect never prints a body");
    for (const event of of(fixed).slice(0, 20)) {
      const ciphertext = (JSON.parse(event.envelope) as { ct: string }).ct;
      assert.ok(!text.includes(ciphertext.slice(0, 24)), "inspect never shows ciphertext");
    }
  }

  // The fix: the fixed tenant's key is provisioned; the other's is still missing.
  writeFileSync(keyFile, JSON.stringify({ tenants: { ...scenario.fullKeys.tenants, [stillMissing]: undefined } }));
  const fixedConfig = { ...scenario.config, keys: { ...(scenario.config.keys as object), file: keyFile } };
  const config = parseConfig(fixedConfig, {});

  const dry = await replay(config, fixed, true);
  assert.equal(dry.finished, true);
  assert.equal(dry.replayed, of(fixed).length, "dry run: every selected dead letter goes through the pipeline");
  assert.equal(dry.produced, fixedExpectation.records.size);
  assert.equal(dry.skippedByFilter, dry.read - dry.replayed);

  // Interrupted (as by Ctrl-C) once two batches were settled: exit code 3, those two batches
  // committed, the record in hand left for the next run.
  const interruption = new AbortController();
  const interrupted = await replay(config, fixed, false, {
    signal: interruption.signal,
    progressEvery: 2 * BATCH,
    onProgress: () => interruption.abort(),
  });
  t.diagnostic(`interrupted replay of ${fixed}: ${JSON.stringify(interrupted)}`);
  assert.equal(interrupted.finished, false);
  assert.equal(interrupted.stoppedBecause, "interrupted");
  assert.equal(replayExitCode(interrupted), 3);
  assert.equal(interrupted.total, dry.total, "the dry run committed nothing: the replay starts where it started");
  assert.ok(interrupted.read >= 2 * BATCH && interrupted.read < dry.read, `read ${interrupted.read} of ${dry.read}`);

  // Run again: it goes on after the two settled batches, and between them the two runs replay
  // every selected dead letter once (the catalog check at the end counts each record's copies).
  const first = await replay(config, fixed, false);
  t.diagnostic(`replay of ${fixed}, resumed: ${JSON.stringify(first)}`);
  assert.equal(first.finished, true);
  assert.equal(first.total, dry.total - 2 * BATCH, "resumed after the two batches the interrupted run committed");
  assert.equal(first.read, first.total);
  assert.equal(interrupted.replayed + first.replayed, of(fixed).length);
  assert.equal(interrupted.produced + first.produced, fixedExpectation.records.size);
  assert.equal(interrupted.deadLetteredAgain + first.deadLetteredAgain, fixedFailingAgain);

  // A second run of the same group: nothing left (the re-dead-lettered mapping failures, if any, come back).
  const again = spawnSync("npx", ["meshbridge", "dlq", "replay", "--tenant", fixed, "--json"], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, MB_CONFIG: writeConfig(deployment, fixedConfig) },
  });
  assert.equal(again.status, fixedFailingAgain > 0 ? 4 : 0, again.stderr);
  const second = JSON.parse(again.stdout) as ReplayReport;
  assert.equal(second.produced, 0, "a second replay of the group produces nothing");
  assert.equal(second.replayed, fixedFailingAgain);

  const stuck = await replay(config, stillMissing, false);
  assert.equal(stuck.replayed, of(stillMissing).length);
  assert.equal(stuck.produced, 0);
  assert.equal(stuck.deadLetteredAgain, of(stillMissing).length);

  const after = await collectRecords(
    deployment,
    (catalog, deadLetters) =>
      catalog.length >= catalogBefore + fixedExpectation.records.size &&
      deadLetters.length >= before.deadLetters.length + of(stillMissing).length + 2 * fixedFailingAgain,
    60_000,
  );
  // Every expected record exactly once: the healthy tenants' from the bridge, the fixed tenant's from the replay.
  const copies = new Map<string, number>();
  for (const record of after.catalog) copies.set(record.ceId, (copies.get(record.ceId) ?? 0) + 1);
  const wanted = [...expectedRecords([...healthy, ...of(fixed)], deployment.prefix).records.keys()];
  assert.deepEqual(
    wanted.filter((ceId) => copies.get(ceId) !== 1),
    [],
    "every expected record in the catalog exactly once",
  );
  assert.equal(after.catalog.length, wanted.length, "nothing else in the catalog");
  // The still-missing tenant's events: each back in the DLQ once more, with replay count 1 and its error.
  const replayedBack = after.deadLetters.filter((record) => record.headers.get(dlqHeader.replayCount) === "1");
  const stuckIds = new Set(
    before.deadLetters.filter((record) => record.headers.get(dlqHeader.tenant) === stillMissing).map(idOf),
  );
  const backIds = replayedBack.filter((record) => record.headers.get(dlqHeader.tenant) === stillMissing).map(idOf);
  assert.equal(backIds.length, stuckIds.size);
  assert.deepEqual(new Set(backIds), stuckIds, "every still-failing dead letter back once, by source message id");
  for (const record of replayedBack.filter((r) => r.headers.get(dlqHeader.tenant) === stillMissing)) {
    assert.equal(record.headers.get(dlqHeader.errorClass), "UnknownTenant");
    assert.equal(record.value.length > 0, true);
  }
  t.diagnostic(
    `${sent.length} events: ${keyless} dead-lettered for keys; replayed ${first.replayed} of ${fixed} (${first.produced} records), ${stuck.deadLetteredAgain} of ${stillMissing} back with replay count 1`,
  );
}

function writeConfig(deployment: Deployment, config: Record<string, unknown>): string {
  const path = join(deployment.directory, "replay-config.json");
  writeFileSync(path, JSON.stringify(config));
  return path;
}
