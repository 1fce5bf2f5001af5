// Pause/resume with a target state and the abort path, at the process level: `damocles-worker worker pause -i 0`,
// `worker resume -i 0 -s <state>` on a real daemon; then a sector the manager aborted
// (`damocles-manager util sealer sectors abort`) while its thread was paused: the thread drops it cleanly and
// seals the next sector to Finished.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { test } from "node:test";
import type { WorkerThreadInfo } from "../../src/api/worker-admin.js";
import { runCli } from "../helpers/cli.js";
import { MADDR, MINER } from "./manager-cluster.js";
import { offlineSectors, startWorkerCluster, type WorkerCluster } from "./worker-cluster.js";

const EARLY = ["Empty", "Allocated", "DealsAcquired", "PieceAdded", "TreeDBuilt", "TicketAssigned", "PC1Done", "PC2Done"];

async function waitFor(w: WorkerCluster, what: string, f: (i: WorkerThreadInfo) => boolean, log: () => string, ms = 60_000): Promise<WorkerThreadInfo> {
  const end = Date.now() + ms;
  for (;;) {
    const i = (await w.list())[0]!;
    if (f(i)) return i;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; thread ${JSON.stringify(i)}\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function finished(w: WorkerCluster, n: number, log: () => string): Promise<void> {
  const end = Date.now() + 90_000;
  for (;;) {
    const s = await w.c.sealer.FindSectorInAllStates({ Miner: MINER, Number: n });
    if (s?.Finalized) return;
    const i = (await w.list())[0]!;
    assert.notEqual(i.thread_state.state, "Paused", `thread paused: ${i.last_error}\n${log().slice(-4000)}`);
    if (Date.now() > end) throw new Error(`sector ${n} not finished: ${JSON.stringify(s?.LatestState)}\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const numberOf = (jobId: string | null): number => Number(/^s-t0\d+-(\d+)$/.exec(jobId ?? "")?.[1] ?? NaN);

test("worker pause, resume -s <state>, and a manager-aborted sector leaves the thread sealing the next one", { timeout: 180_000 }, async (t) => {
  const w = await startWorkerCluster(t, 1);
  const daemon = await w.startWorker();
  const cli = (args: string[]) => runCli("damocles-worker", ["worker", ...args, "-H", `127.0.0.1:${w.adminPort}`]);

  // 1. pause early in the first sector, resume at another state: the record is forced there, then it finishes.
  const pause = await cli(["pause", "-i", "0"]);
  assert.equal(pause.code, 0, pause.stderr);
  assert.match(pause.stdout, /#0: pause requested/);
  const paused = await waitFor(w, "thread 0 paused", (i) => i.thread_state.state === "Paused", daemon.stderr);
  assert.equal(paused.last_error, null, "a requested pause is not an error");
  const n1 = numberOf(paused.job_id);
  assert.ok(EARLY.includes(paused.job_state), `paused early, before the pre-commit: ${paused.job_state}`);
  const target = paused.job_state === "DealsAcquired" ? "Allocated" : "DealsAcquired";
  const mark = daemon.stderr().length;
  const resume = await cli(["resume", "-i", "0", "-s", target]);
  assert.equal(resume.code, 0, resume.stderr);
  assert.match(resume.stdout, /#0: resumed/);
  await finished(w, n1, daemon.stderr);
  const changes = daemon.stderr().slice(mark).split("\n").filter((l) => l.includes('"state changed"')).map((l) => JSON.parse(l) as { sector: string; prev: string; event: string });
  const mine = changes.filter((c) => numberOf(c.sector) === n1);
  assert.deepEqual([mine[0]?.prev, mine[0]?.event], [paused.job_state, `SetState(${target})`], `the resume forced ${target}: ${JSON.stringify(mine.slice(0, 2))}`);
  assert.equal(mine[1]?.prev, target, `the next step ran from ${target}: ${JSON.stringify(mine.slice(0, 2))}`);
  assert.ok(await w.c.lotus.StateSectorGetInfo(MADDR, n1, []), `sector ${n1} on chain`);

  // 2. the next sector: paused, aborted at the manager, resumed: dropped and wiped, the thread goes on.
  const second = await waitFor(w, "the next sector", (i) => numberOf(i.job_id) > n1, daemon.stderr);
  const n2 = numberOf(second.job_id);
  assert.equal((await cli(["pause", "-i", "0"])).code, 0);
  const p2 = await waitFor(w, "thread 0 paused again", (i) => i.thread_state.state === "Paused", daemon.stderr);
  assert.equal(numberOf(p2.job_id), n2);
  const abort = await w.managerCli(["sealer", "sectors", "abort", String(MINER), String(n2)]);
  assert.equal(abort.code, 0, abort.stderr);
  assert.equal((await cli(["resume", "-i", "0"])).code, 0);
  const third = await waitFor(w, "a sector after the aborted one", (i) => numberOf(i.job_id) > n2, daemon.stderr);
  const n3 = numberOf(third.job_id);
  await finished(w, n3, daemon.stderr);
  const end = (await w.list())[0]!;
  assert.equal(end.last_error, null);
  assert.notEqual(end.thread_state.state, "Paused");

  const dropped = daemon.stderr().split("\n").filter((l) => l.includes('"sector aborted; starting a new one"')).map((l) => JSON.parse(l) as { sector: string; error: string });
  assert.deepEqual(dropped.map((d) => numberOf(d.sector)), [n2], "exactly the aborted sector was dropped");
  assert.match(dropped[0]!.error, /^\[abort\] (FINALIZED_ELSEWHERE|SECTOR_STATE_NOT_FOUND):/, "the manager told the thread the sector is gone");
  const offline = await offlineSectors(w);
  const aborted = offline.find((s) => s.ID.Number === n2);
  assert.ok(aborted && aborted.AbortReason !== "", `sector ${n2} aborted in the manager: ${JSON.stringify(aborted)}`);
  assert.equal(offline.find((s) => s.ID.Number === n3)?.LatestState?.StateChange.Next, "Finished");
  // nothing of the aborted sector is left in the sealing store
  const name = `s-t0${MINER}-${n2}`;
  const left = (await readdir(w.stores[0]!, { recursive: true })).filter((f) => f.split("/").some((part) => part === name || part.startsWith(`${name}.`)));
  assert.deepEqual(left, [], `files of aborted sector ${n2} left in the sealing store`);
  assert.equal(await w.c.lotus.StateSectorGetInfo(MADDR, n2, []), null, `aborted sector ${n2} is not proven on chain`);

  await daemon.kill("SIGTERM");
});
