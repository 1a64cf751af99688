// moto 5.2.5 loses a message appended (SendMessage, SNS delivery) while a delete rebuilds the
// queue's list; infra/moto/launch.py, which starts the mesh's moto, holds the queue's lock
// around the delete. The race is driven in moto's own process (infra/moto/delete-race.py):
// unpatched it must lose messages (else the stress proves nothing), patched none.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { it } from "node:test";
import { cacheDir, repoRoot } from "../../infra/stack/ports.ts";

function race(patched: boolean): { lost: number; appended: number } {
  const python = join(cacheDir, "moto-venv", "bin", "python");
  const out = spawnSync(python, ["delete-race.py", ...(patched ? ["--patched"] : [])], {
    cwd: join(repoRoot, "infra", "moto"),
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(out.status, 0, `delete-race.py${patched ? " --patched" : ""} failed: ${out.stderr}`);
  const match = /lost=(\d+) appended=(\d+)/.exec(out.stdout);
  assert.ok(match, `unexpected output: ${out.stdout}`);
  return { lost: Number(match[1]), appended: Number(match[2]) };
}

it("moto's delete races with appends; the launcher's lock loses none", (t) => {
  const unpatched = race(false);
  const patched = race(true);
  t.diagnostic(`unpatched lost ${unpatched.lost} of ${unpatched.appended}; patched lost ${patched.lost} of ${patched.appended}`);
  assert.ok(unpatched.appended > 0 && patched.appended > 0, "the appender ran while deletes ran");
  assert.ok(
    unpatched.lost > 0,
    "the stress no longer reproduces moto's race: check whether the launcher's patch is still needed",
  );
  assert.equal(patched.lost, 0, "messages lost with the launcher's patch");
});
