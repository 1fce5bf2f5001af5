// The manager's provers against `damocles-devnet run` (100 ms blocks, 10-epoch deadlines: a 48 s proving period),
// both as real processes: a CC sector sealed to Landed by the scripted worker is proven by `daemon run --poster
// --miner` in two consecutive proving periods; its sealed file removed from the persist store ⇒ the next deadline
// skips it (faulty on chain); restored ⇒ the poster declares the recovery and the sector is active again. Meanwhile
// the miner wins blocks through the gateway's proof events (BlocksWon grows, WinningPoStMissed stays 0 while the
// files are there: with the sealed file gone a winning challenge cannot be answered either).
import assert from "node:assert/strict";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { devnetAdminApi } from "../../src/api/devnet-admin.js";
import { MinerMethod, SubmitWindowedPoStParams } from "../../src/filecoin/miner-params.js";
import { rpcClient } from "../../src/rpc/client.js";
import { until, waitHealthy } from "../helpers/devnet-process.js";
import { spawnBin } from "../manager/manager-fixture.js";
import { finishSector, MADDR, MINER, pollLanded, sealUpToPc2, startManagerCluster, submitPreCommit, type ManagerCluster } from "./manager-cluster.js";

const sid = (n: number) => ({ Miner: MINER, Number: n });
const PERIOD_MS = 480 * 100;

function reporter(c: ManagerCluster): (n: number, next: string) => Promise<void> {
  const prev = new Map<number, string>();
  return async (n, next) => {
    await c.sealer.ReportState(sid(n), { Worker: { Instance: "scripted-worker", Location: "127.0.0.1" }, StateChange: { Prev: prev.get(n) ?? "Empty", Next: next, Event: "None" }, Failure: null });
    prev.set(n, next);
  };
}

test("manager --poster --miner on the devnet: WindowPoSt in consecutive periods, Skipped when the file is gone, recovery when it is back; WinningPoSt wins blocks", { timeout: 330_000 }, async (t) => {
  const fast = { threshold: 1, maxWait: "1s", checkInterval: "200ms" };
  const c = await startManagerCluster(t, fast, fast);
  const state = reporter(c);
  const s = await sealUpToPc2(c, state);
  await submitPreCommit(c, s);
  await pollLanded(`PreCommit of ${s.number}`, () => c.sealer.PollPreCommitState(sid(s.number)));
  await state(s.number, "PCLanded");
  await finishSector(c, s, state);
  await pollLanded(`ProveCommit of ${s.number}`, () => c.sealer.PollProofState(sid(s.number)));

  // The same home, now with the provers: PoSt and Proof enabled, the gateway on the devnet, the worker as PoSt sender.
  const home = join(c.dir, "manager");
  const cfgPath = join(home, "sector-manager.cfg");
  let cfg = await readFile(cfgPath, "utf8");
  const chainLine = /^Chain = (".*")$/m.exec(cfg)![1]!;
  cfg = cfg.replace(/^Chain = .*$/m, (l) => `${l}\nGateway = [${chainLine}]`);
  cfg += [`[Miners.PoSt]`, `Senders = ["${c.worker}"]`, `[Miners.Proof]`, `Enabled = true`, ""].join("\n");
  await writeFile(cfgPath, cfg);
  await c.manager().kill();
  const m = spawnBin("damocles-manager", ["--home", home, "daemon", "run", "--poster", "--miner", "--listen", `127.0.0.1:${c.managerPort}`]);
  t.after(() => m.kill());
  await waitHealthy(c.managerPort, { child: m.child, stderr: m.stderr, exited: m.exited });

  const port = /tcp\/(\d+)/.exec(chainLine)![1]!;
  const admin = rpcClient(devnetAdminApi, { url: `http://127.0.0.1:${port}/rpc/v1`, token: (await readFile(join(c.dir, "devnet", "token"), "utf8")).trim() });
  t.after(() => admin.close());
  const status = async () => (await admin.Status()).Miners.find((x) => x.Miner === MADDR)!;
  const posts = async () => (await c.listed(MinerMethod.SubmitWindowedPoSt)).map((p) => SubmitWindowedPoStParams.decode(p));
  const { Deadline: dl } = await c.lotus.StateSectorPartition(MADDR, s.number, []);
  // On failure, the manager's log and the chain's PoSt messages tell what happened.
  t.after(async () => {
    if (process.env["DAMOCLES_TEST_DEBUG"])
      console.log(`deadline ${dl}\n${m.stderr().split("\n").filter((l) => !/WinningPoSt computed|"rpc"/.test(l)).slice(-40).join("\n")}`);
  });
  const mine = async () => (await posts()).filter((p) => p.Deadline === dl);

  // Two consecutive periods proven, no fault.
  await until(async () => (await mine()).length >= 2, `two WindowPoSts of deadline ${dl}`, 2 * PERIOD_MS + 30_000, 500);
  for (const p of await mine()) assert.deepEqual(p.Partitions.map((x) => x.Skipped.toArray()), [[]]);
  assert.deepEqual((await c.lotus.StateMinerFaults(MADDR, [])).toArray(), []);
  const won = await status();
  assert.ok(won.BlocksWon > 0, `BlocksWon ${won.BlocksWon} once the miner has power`);

  // The sealed file leaves the persist store: the pre-check fails, the sector goes to Skipped — here the partition's
  // only sector, so nothing is provable and no message is sent (rule 7) — and the sector turns faulty on chain.
  const sealed = join(c.persistDir, "sealed", `s-t0${MINER}-${s.number}`);
  await rename(sealed, `${sealed}.away`);
  const before = (await mine()).length;
  await until(async () => (await c.lotus.StateMinerFaults(MADDR, [])).has(s.number), "the sector faulty on chain", PERIOD_MS + 30_000, 500);
  assert.equal((await mine()).length, before, "no WindowPoSt for a partition with nothing provable");

  // Restored: recovery declared (DeclareFaultsRecovered), then proven again: active, no faults.
  await rename(`${sealed}.away`, sealed);
  await until(async () => (await c.listed(MinerMethod.DeclareFaultsRecovered)).length > 0, "DeclareFaultsRecovered", PERIOD_MS + 30_000, 500);
  await until(async () => (await c.lotus.StateMinerFaults(MADDR, [])).isEmpty(), "the sector active again", PERIOD_MS + 30_000, 500);
  const end = await status();
  assert.equal(end.FaultySectors, 0);
  await until(async () => (await status()).BlocksWon > won.BlocksWon, "blocks won again once active", 30_000, 200);
});
