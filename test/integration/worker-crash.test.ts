// kill -9 the worker daemon at random moments across the whole sealing state machine, restarting it each time on
// the same config and sealing stores; at the end every sector the manager allocated is Finished and on chain,
// pre-committed and prove-committed successfully exactly once, and no thread is paused.
// The delays are seeded: WORKER_CRASH_SEED=<n> replays a run (the seed is printed).
import assert from "node:assert/strict";
import { readdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { MinerMethod, PreCommitSectorBatchParams2, ProveCommitSectors3Params } from "../../src/filecoin/miner-params.js";
import { MADDR, MINER } from "./manager-cluster.js";
import { offlineSectors, startWorkerCluster } from "./worker-cluster.js";

const KILLS = 20;

/** mulberry32: small, seedable, good enough for delays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test(`worker crash: ${KILLS} kill -9 at random moments; every sector Finished on chain once, no thread paused`, { timeout: 240_000 }, async (t) => {
  const seed = process.env["WORKER_CRASH_SEED"] !== undefined ? Number(process.env["WORKER_CRASH_SEED"]) : Math.floor(Math.random() * 2 ** 31);
  console.log(`# worker-crash seed ${seed} (replay with WORKER_CRASH_SEED=${seed})`);
  const rand = prng(seed);
  const w = await startWorkerCluster(t, 2);

  const delays: number[] = [];
  const statesAtKill: string[] = [];
  let logs = "";
  for (let k = 0; k < KILLS; k++) {
    const daemon = await w.startWorker();
    const delay = Math.floor(50 + rand() * 2500);
    delays.push(delay);
    await new Promise((r) => setTimeout(r, delay));
    const at = await w.list().catch(() => []);
    statesAtKill.push(at.map((i) => `${i.job_id ?? "-"}:${i.job_state || "-"}`).join(","));
    await daemon.kill("SIGKILL");
    logs = daemon.stderr().slice(-3000);
  }
  console.log(`# delays ${JSON.stringify(delays)}`);
  console.log(`# states at the kills ${JSON.stringify(statesAtKill)}`);

  // No new sectors from here: cap the manager's numbers at what it has allocated and reload it (SIGUSR1).
  const cfgPath = join(w.c.dir, "manager", "sector-manager.cfg");
  const daemon = await w.startWorker();
  const online = async () => JSON.parse((await w.managerCli(["sealer", "sectors", "list", "--json"])).stdout) as Array<{ ID: { Number: number } }>;
  const known = [...(await online()), ...(await offlineSectors(w))].map((s) => s.ID.Number);
  const cap = Math.max(0, ...known);
  await writeFile(cfgPath, (await readFile(cfgPath, "utf8")).replace("MaxNumber = 1000", `MaxNumber = ${cap}`));
  w.c.manager().child.kill("SIGUSR1");

  // ARCHITECTURE §6 rule 1: a kill between the manager allocating a number and the worker's first durable write
  // leaves a sector no worker knows. It never reported a state; the operator clears it with `sectors abort`.
  const orphans: number[] = [];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [on, infos] = await Promise.all([online(), w.list()]);
    for (const i of infos) assert.notEqual(i.thread_state.state, "Paused", `thread ${i.index} paused: ${i.last_error}\nseed ${seed}\n${daemon.stderr().slice(-4000)}`);
    const idle = infos.every((i) => i.job_id === null);
    if (idle && on.length > 0 && on.every((s) => (s as { LatestState?: unknown }).LatestState == null)) {
      for (const s of on) {
        assert.equal(await w.c.lotus.StateSectorGetInfo(MADDR, s.ID.Number, []), null, `seed ${seed}: orphan ${s.ID.Number} is on chain`);
        const r = await w.managerCli(["sealer", "sectors", "abort", String(MINER), String(s.ID.Number), "--reason", "allocated before the worker's first write"]);
        assert.equal(r.code, 0, r.stderr);
        orphans.push(s.ID.Number);
      }
      continue;
    }
    if (on.length === 0 && idle) break;
    if (Date.now() > deadline) throw new Error(`seed ${seed}: still online ${JSON.stringify(on.map((s) => s.ID.Number))}; threads ${JSON.stringify(infos)}\n${daemon.stderr().slice(-4000)}\nlast killed daemon:\n${logs}`);
    await new Promise((r) => setTimeout(r, 500));
  }

  // Every allocated sector: once in the manager's list, Finished, not aborted, proven on chain.
  assert.ok(orphans.length <= KILLS, `seed ${seed}: more orphans than kills: ${JSON.stringify(orphans)}`);
  const all = await offlineSectors(w);
  const allNumbers = all.map((s) => s.ID.Number).sort((a, b) => a - b);
  assert.deepEqual(allNumbers, [...new Set(allNumbers)], `seed ${seed}: a sector number listed twice`);
  assert.deepEqual(allNumbers, Array.from({ length: allNumbers.length }, (_, i) => i + 1), `seed ${seed}: numbers 1..n`);
  const offline = all.filter((s) => !orphans.includes(s.ID.Number));
  const numbers = offline.map((s) => s.ID.Number);
  assert.ok(numbers.length >= 2, `seed ${seed}: sectors sealed: ${JSON.stringify(numbers)}`);
  if (orphans.length > 0) console.log(`# orphans aborted by the operator: ${JSON.stringify(orphans)}`);
  for (const s of offline) {
    assert.equal(s.AbortReason, "", `seed ${seed}: sector ${s.ID.Number} aborted`);
    assert.ok(s.Finalized, `seed ${seed}: sector ${s.ID.Number} finalized`);
    assert.equal(s.LatestState?.StateChange.Next, "Finished", `seed ${seed}: sector ${s.ID.Number}`);
    assert.ok(await w.c.lotus.StateSectorGetInfo(MADDR, s.ID.Number, []), `seed ${seed}: sector ${s.ID.Number} on chain`);
  }

  // The devnet's messages from the miner's worker key: each sector pre-committed and prove-committed
  // successfully exactly once (a failed message and its retry are fine).
  const ok = { pre: new Map<number, number>(), prove: new Map<number, number>() };
  for (const cid of await w.c.lotus.StateListMessages({ To: MADDR, From: w.c.worker }, [], 0)) {
    const m = await w.c.lotus.ChainGetMessage(cid);
    const look = await w.c.lotus.StateSearchMsg([], cid, -1, true);
    if (look === null || look.Receipt.ExitCode !== 0) continue;
    const nums =
      m.Method === MinerMethod.PreCommitSectorBatch2 ? PreCommitSectorBatchParams2.decode(m.Params).Sectors.map((s) => s.SectorNumber)
      : m.Method === MinerMethod.ProveCommitSectors3 ? ProveCommitSectors3Params.decode(m.Params).SectorActivations.map((s) => s.SectorNumber)
      : [];
    const into = m.Method === MinerMethod.PreCommitSectorBatch2 ? ok.pre : ok.prove;
    for (const n of nums) into.set(n, (into.get(n) ?? 0) + 1);
  }
  for (const n of numbers) {
    assert.equal(ok.pre.get(n), 1, `seed ${seed}: sector ${n} pre-committed once`);
    assert.equal(ok.prove.get(n), 1, `seed ${seed}: sector ${n} prove-committed once`);
  }
  for (const n of [...ok.pre.keys(), ...ok.prove.keys()]) assert.ok(numbers.includes(n), `seed ${seed}: sector ${n} on chain but not Finished in the manager`);
  console.log(`# sectors finished: ${numbers.length}`);

  // The killed daemons' processor children saw their stdin close and exited: only the live daemon's remain.
  const children: string[] = [];
  for (const pid of (await readdir("/proc")).filter((d) => /^\d+$/.test(d))) {
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => null);
    const cmd = cwd === w.c.dir ? await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "") : "";
    if (cmd.includes("\0processor\0")) children.push(`${pid}: ${cmd.split("\0").slice(-3).join(" ")}`);
  }
  assert.equal(children.length, 2, `processor children in ${w.c.dir}: ${JSON.stringify(children)}`);

  const end = await w.list();
  assert.equal(end.length, 2);
  for (const i of end) assert.equal(i.last_error, null, `seed ${seed}: thread ${i.index}`);
  await daemon.kill("SIGTERM");
});
