// damocles-manager at the daemon level against `damocles-devnet run`, both as real processes, driven by a scripted
// worker making the Rust damocles-worker's sealer calls over HTTP JSON-RPC (protocols.md §1.8): two CC sectors
// from AllocateSector to PollProofState = Landed and active on chain; then, with Pre.Batch.Threshold = 4, four
// precommits leave as ONE PreCommitSectorBatch2 message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PreCommitSectorBatchParams2 } from "../../src/filecoin/miner-params.js";
import { finishSector, MADDR, MINER, pollLanded, PRE_METHOD, PROVE_METHOD, sealUpToPc2, startManagerCluster, submitPreCommit, type ManagerCluster } from "./manager-cluster.js";

const sid = (n: number) => ({ Miner: MINER, Number: n });

/** ReportState after every step, as the worker does; the manager must not say finalized or aborted. */
function reporter(c: ManagerCluster): (n: number, next: string) => Promise<void> {
  const prev = new Map<number, string>();
  return async (n, next) => {
    const r = await c.sealer.ReportState(sid(n), {
      Worker: { Instance: "scripted-worker", Location: "127.0.0.1" },
      StateChange: { Prev: prev.get(n) ?? "Empty", Next: next, Event: "None" },
      Failure: null,
    });
    prev.set(n, next);
    assert.deepEqual(r, { Id: sid(n), Finalized: false, AbortReason: "" }, `ReportState ${next} of sector ${n}`);
  };
}

for (const via of ["MpoolPushMessage", "the sophon-messager API"] as const) {
  test(`manager + devnet processes: a scripted worker takes two CC sectors to Landed through ${via}; they are active on chain`, { timeout: 240_000 }, async (t) => {
    const fast = { threshold: 2, maxWait: "1s", checkInterval: "200ms" };
    const c = await startManagerCluster(t, fast, fast, { messager: via !== "MpoolPushMessage" });
    assert.match(c.manager().stderr(), via === "MpoolPushMessage" ? /MpoolPushMessage/ : /sophon-messager/);
    const state = reporter(c);
    const sealed = [await sealUpToPc2(c, state), await sealUpToPc2(c, state)];
    assert.deepEqual(sealed.map((s) => s.number), [1, 2]);
    for (const s of sealed) {
      await submitPreCommit(c, s);
      await state(s.number, "PCSubmitted");
    }
    for (const s of sealed) {
      await pollLanded(`PreCommit of ${s.number}`, () => c.sealer.PollPreCommitState(sid(s.number)));
      await state(s.number, "PCLanded");
    }
    for (const s of sealed) await finishSector(c, s, state);
    for (const s of sealed) {
      await pollLanded(`ProveCommit of ${s.number}`, () => c.sealer.PollProofState(sid(s.number)));
      await state(s.number, "Finished");
      await c.sealer.ReportFinalized(sid(s.number));
    }
    for (const s of sealed) {
      const info = await c.lotus.StateSectorGetInfo(MADDR, s.number, []);
      assert.ok(info, `sector ${s.number} is on chain`);
      assert.equal(info.SealProof, 5);
      assert.equal(info.SealedCID.toString(), (await c.sealer.FindSectorInAllStates(sid(s.number)))!.Pre!.CommR.toString());
    }
    // Threshold 2: the two sectors went out together, once per kind.
    const pres = await c.listed(PRE_METHOD);
    assert.equal(pres.length, 1, "one PreCommitSectorBatch2");
    assert.deepEqual(PreCommitSectorBatchParams2.decode(pres[0]!).Sectors.map((s) => s.SectorNumber), [1, 2]);
    assert.equal((await c.listed(PROVE_METHOD)).length, 1, "one ProveCommitSectors3");
    // Finalized: the sector left the online store.
    assert.equal((await c.sealer.FindSectorInAllStates(sid(1)))!.Finalized, true);
  });
}

test("manager + devnet processes: with Pre.Batch.Threshold = 4 four precommits go out as one message", { timeout: 240_000 }, async (t) => {
  const c = await startManagerCluster(t, { threshold: 4, maxWait: "1h", checkInterval: "200ms" }, { threshold: 4, maxWait: "1h", checkInterval: "1m" });
  const state = reporter(c);
  const sealed = [];
  for (let i = 0; i < 4; i++) sealed.push(await sealUpToPc2(c, state));
  for (const s of sealed.slice(0, 3)) await submitPreCommit(c, s);
  // Three queued, none sent: the batch waits for the fourth.
  await new Promise((r) => setTimeout(r, 1_500));
  assert.deepEqual(await c.listed(PRE_METHOD), []);
  assert.equal((await c.sealer.PollPreCommitState(sid(1))).State, 1, "Pending while queued");
  await submitPreCommit(c, sealed[3]!);
  for (const s of sealed) await pollLanded(`PreCommit of ${s.number}`, () => c.sealer.PollPreCommitState(sid(s.number)));
  const pres = await c.listed(PRE_METHOD);
  assert.equal(pres.length, 1, "exactly one PreCommitSectorBatch2 message");
  assert.deepEqual(PreCommitSectorBatchParams2.decode(pres[0]!).Sectors.map((s) => s.SectorNumber), [1, 2, 3, 4]);
  for (const s of sealed) assert.ok(await c.lotus.StateSectorPreCommitInfo(MADDR, s.number, []), `PreCommit of ${s.number} on chain`);
});
