// End to end as an operator runs it: `damocles-devnet run`, `damocles-manager daemon run` and
// `damocles-worker daemon -c <config>` as processes; three sealing threads seal 2KiB CC sectors to Finished with
// pc1/pc2 in the worker's own `processor` children and c1/c2 built-in; the sectors are proven on the devnet (in a deadline partition; Lotus counts them active after a first
// WindowPoSt, which this build's manager does not send yet).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { MADDR, MINER } from "./manager-cluster.js";
import { offlineSectors, startWorkerCluster } from "./worker-cluster.js";

const THREADS = 3;

test("worker e2e: three threads seal CC sectors to Finished, pc1/pc2 in processor children, proven on chain", { timeout: 180_000 }, async (t) => {
  const w = await startWorkerCluster(t, THREADS);
  const daemon = await w.startWorker();

  // Sample the admin API fast while sealing: which processor ran each stage, and no thread ever paused.
  const seen = new Map<string, Set<string>>();
  const sectorsByThread = new Map<number, Set<string>>();
  const pausedSeen: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const infos = await w.list().catch(() => []);
      for (const i of infos) {
        if (i.thread_state.state === "Paused") pausedSeen.push(`thread ${i.index}: ${i.last_error}`);
        if (i.job_id) (sectorsByThread.get(i.index) ?? sectorsByThread.set(i.index, new Set()).get(i.index)!).add(i.job_id);
        if (i.thread_state.state === "Running" && i.thread_state.proc && i.job_stage)
          (seen.get(i.job_stage) ?? seen.set(i.job_stage, new Set()).get(i.job_stage)!).add(i.thread_state.proc);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  })();

  const deadline = Date.now() + 150_000;
  for (;;) {
    const done = await Promise.all([1, 2, 3].map((n) => w.c.sealer.FindSectorInAllStates({ Miner: MINER, Number: n })));
    if (done.every((s) => s?.Finalized)) break;
    assert.deepEqual(pausedSeen, [], `a thread paused\n${daemon.stderr().slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`timed out; sectors ${JSON.stringify(done.map((s) => s?.LatestState?.StateChange))}\n${daemon.stderr().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  sampling = false;
  await sampler;
  assert.deepEqual(pausedSeen, [], "no thread ever paused");

  // Every thread had its own sector; the worker says so too.
  assert.equal(sectorsByThread.size, THREADS, `threads with a job: ${JSON.stringify([...sectorsByThread])}`);
  const cli = await runCli("damocles-worker", ["worker", "list", "--json", "-c", w.config]);
  assert.equal(cli.code, 0, cli.stderr);
  const infos = JSON.parse(cli.stdout) as Array<{ index: number; last_error: string | null; thread_state: { state: string } }>;
  assert.equal(infos.length, THREADS);
  for (const i of infos) {
    assert.equal(i.last_error, null);
    assert.notEqual(i.thread_state.state, "Paused");
  }
  const log = daemon.stderr();
  for (const s of w.stores) assert.match(log, new RegExp(`"sector finished"[^\\n]*${s.replaceAll("/", "\\/")}|${s.replaceAll("/", "\\/")}[^\\n]*"sector finished"`), `thread at ${s} finished a sector`);

  // The manager's offline list has them Finished; the devnet has them active with the manager's CommR.
  const offline = await offlineSectors(w);
  const finished = offline.filter((s) => s.Finalized && s.AbortReason === "").map((s) => s.ID.Number);
  for (const n of [1, 2, 3]) assert.ok(finished.includes(n), `sector ${n} in the offline list: ${JSON.stringify(finished)}`);
  for (const n of [1, 2, 3]) {
    const s = offline.find((x) => x.ID.Number === n)!;
    assert.equal(s.LatestState?.StateChange.Next, "Finished");
    const info = await w.c.lotus.StateSectorGetInfo(MADDR, n, []);
    assert.ok(info, `sector ${n} on chain`);
    assert.equal(info.SealProof, 5);
    // Proven and placed in a deadline partition, the pre-commit consumed. (Lotus's "active" also needs a first
    // WindowPoSt, which this build's manager does not send yet.)
    await w.c.lotus.StateSectorPartition(MADDR, n, []);
    assert.equal(await w.c.lotus.StateSectorPreCommitInfo(MADDR, n, []), null, `sector ${n} pre-commit consumed`);
    const st = (await w.c.sealer.FindSectorInAllStates({ Miner: MINER, Number: n }))!;
    assert.equal(info.SealedCID.toString(), st.Pre!.CommR.toString());
  }

  // pc1 and pc2 ran in `damocles-worker processor pc1|pc2` children of this daemon; c2 ran built-in.
  const pidsOf = (stage: string): number[] => [...(seen.get(stage) ?? [])].map((p) => /^ext\(pid: (\d+)\)$/.exec(p)).filter((m) => m !== null).map((m) => Number(m[1]));
  const stages = JSON.stringify([...seen].map(([k, v]) => [k, [...v]]));
  for (const [stage, sub] of [["pc1", "pc1"], ["pc2", "pc2"]] as const) {
    const pids = pidsOf(stage);
    assert.ok(pids.length > 0, `${stage} seen running in a child: ${stages}`);
    for (const pid of pids) {
      const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter((a) => a !== "");
      assert.deepEqual(cmd.slice(-2), ["processor", sub], `pid ${pid} is the ${sub} child`);
      const ppid = Number((await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ")[1]);
      assert.equal(ppid, daemon.pid, `pid ${pid} is a child of the daemon`);
    }
  }
  for (const [stage, procs] of seen) if (!/^pc[12]$/.test(stage)) for (const p of procs) assert.doesNotMatch(p, /^ext/, `${stage} is built-in`);

  daemon.kill("SIGTERM");
  assert.equal(await daemon.exited, 0, daemon.stderr().slice(-3000));
});
