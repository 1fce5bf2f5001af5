// kill -9 of `damocles-manager daemon run` between an accepted SubmitPreCommit and the batch's message: the sector
// is queued only (Threshold high, MaxWait long). Restarted on the same home with a short MaxWait, the manager
// re-forms the queue from the store and sends the sector's PreCommitSectorBatch2 exactly once (the devnet's
// message list says so), and the sector goes on to land.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OnChainState } from "../../src/api/sealer-types.js";
import { PreCommitSectorBatchParams2 } from "../../src/filecoin/miner-params.js";
import { finishSector, MADDR, MINER, pollLanded, PRE_METHOD, PROVE_METHOD, sealUpToPc2, startManagerCluster, submitPreCommit } from "./manager-cluster.js";

const sid = (n: number) => ({ Miner: MINER, Number: n });
const noReport = async (): Promise<void> => {};

test("kill -9 after SubmitPreCommit was accepted and before the batch is sent: after restart the sector is sent exactly once", { timeout: 240_000 }, async (t) => {
  const queued = { threshold: 10, maxWait: "1h", checkInterval: "200ms" };
  const c = await startManagerCluster(t, queued, { threshold: 1, maxWait: "1s", checkInterval: "200ms" });
  const sealed = [await sealUpToPc2(c, noReport), await sealUpToPc2(c, noReport)];
  for (const s of sealed) await submitPreCommit(c, s);
  await new Promise((r) => setTimeout(r, 1_000)); // several ticks: nothing is due
  assert.equal((await c.sealer.PollPreCommitState(sid(1))).State, OnChainState.Pending);
  assert.deepEqual(await c.listed(PRE_METHOD), [], "nothing sent before the crash");

  assert.equal(await c.manager().kill("SIGKILL"), "SIGKILL");
  await c.configure({ threshold: 10, maxWait: "1s", checkInterval: "200ms" }, { threshold: 1, maxWait: "1s", checkInterval: "200ms" });
  await c.startManager();

  for (const s of sealed) await pollLanded(`PreCommit of ${s.number}`, () => c.sealer.PollPreCommitState(sid(s.number)));
  // A few more ticks: a duplicate send would show up now.
  await new Promise((r) => setTimeout(r, 1_500));
  const pres = await c.listed(PRE_METHOD);
  assert.equal(pres.length, 1, "exactly one PreCommitSectorBatch2 on chain");
  assert.deepEqual(PreCommitSectorBatchParams2.decode(pres[0]!).Sectors.map((s) => s.SectorNumber), [1, 2]);

  for (const s of sealed) await finishSector(c, s, noReport);
  for (const s of sealed) await pollLanded(`ProveCommit of ${s.number}`, () => c.sealer.PollProofState(sid(s.number)));
  for (const s of sealed) assert.ok(await c.lotus.StateSectorGetInfo(MADDR, s.number, []), `sector ${s.number} active`);
  assert.equal((await c.listed(PROVE_METHOD)).length, 2, "one ProveCommitSectors3 per sector (Threshold 1)");
  assert.equal((await c.listed(PRE_METHOD)).length, 1);
});
