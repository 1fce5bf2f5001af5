// The commitment manager against a real damocles-devnet (100 ms blocks): 2KiB CC sectors sealed with the proofs
// library, submitted through the manager, batched by Threshold / MaxWait (an injected clock), pushed through the
// mpool messager with its log in the SQLite store, and polled until Landed; validation answers; and a restart
// between accepting and pushing, which must send exactly one message.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { z } from "zod";
import { Seed, SubmitResult, OnChainState } from "../../../src/api/sealer-types.js";
import { MpoolMessager, type Messager } from "../../../src/chain/index.js";
import type { ManagerStore } from "../../../src/db/manager-store.js";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { MinerMethod, PreCommitSectorBatchParams2, ProveCommitSectors3Params, TerminateSectorsParams } from "../../../src/filecoin/miner-params.js";
import { encodeDevnetPoRep } from "../../../src/proofs/devnet-proof.js";
import { generateVanillaPoRep } from "../../../src/proofs/porep-proof.js";
import { defaultMinerConfig, type MinerConfig } from "../../../src/manager/config/schema.js";
import { createCommitmentManager, sectorStateToDoc, storeMessageLog, type CommitmentManager } from "../../../src/manager/commitment/index.js";
import { until } from "../../helpers/devnet-process.js";
import { tempDir } from "../../helpers/tmp.js";
import { DELAY, ManualClock, MINER, SEAL_PROOF, sealedOnDevnet, sectorDoc, silent, type SealedDevnet } from "./fixture.js";

const MADDR = "t01000";
const CONFIDENCE = 2;

interface Env extends Pick<SealedDevnet, "chain" | "worker" | "ticket" | "sealed"> {
  dir: string;
  clock: ManualClock;
  cfg: MinerConfig;
  /** Messages from the worker to the miner with this method, on chain now. */
  listed(method: number): Promise<Uint8Array[]>;
}

function managerOver(env: Env, store: ManagerStore, messager?: Messager): CommitmentManager {
  const info = { name: "damocles-devnet", devnet: true, preCommitChallengeDelay: DELAY, blockDelaySecs: 1 };
  return createCommitmentManager({
    store,
    chain: env.chain,
    messager: messager ?? new MpoolMessager({ chain: env.chain, log: storeMessageLog(store), pollMs: 50 }),
    minerConfig: (m) => (m === MINER ? env.cfg : null),
    clock: env.clock,
    logger: silent,
    network: () => info,
  });
}

async function setup(t: TestContext, numbers: number[]): Promise<Env> {
  const dir = await tempDir(t, "commitment-");
  const { chain, worker, ticket, sealed } = await sealedOnDevnet(t, dir, numbers, { timeoutMs: 60_000 });
  const cfg = defaultMinerConfig(MINER);
  cfg.Commitment.Confidence = CONFIDENCE;
  cfg.Commitment.Terminate.Senders = [worker];
  for (const p of [cfg.Commitment.Pre, cfg.Commitment.Prove]) {
    p.Senders = [worker];
    p.Batch.Threshold = 4;
    p.Batch.MaxWait = 600_000;
    p.Batch.CheckInterval = 60_000;
  }
  const listed = async (method: number): Promise<Uint8Array[]> => {
    const cids = await chain.StateListMessages({ To: MADDR, From: worker }, [], 0);
    const out: Uint8Array[] = [];
    for (const c of cids) {
      const m = await chain.ChainGetMessage(c);
      if (m.Method === method) out.push(m.Params);
    }
    return out;
  };
  return { dir, chain, worker, clock: new ManualClock(), cfg, ticket, sealed, listed };
}

async function createSectors(env: Env, store: ManagerStore, numbers: number[]): Promise<void> {
  for (const n of numbers) await store.createSector({ miner: MINER, number: n, proofType: SEAL_PROOF, doc: sectorStateToDoc(sectorDoc(n, env.ticket)) });
}

const preInfo = (env: Env, n: number) => ({ CommR: env.sealed.get(n)!.commR, CommD: env.sealed.get(n)!.commD, Ticket: env.ticket });
const sid = (n: number) => ({ miner: MINER, number: n });

async function pollUntil(what: string, fn: () => Promise<{ State: number; Desc: string | null }>, want: number): Promise<void> {
  await until(async () => {
    const r = await fn();
    if (r.State !== want && r.State !== OnChainState.Pending && r.State !== OnChainState.Packed) throw new Error(`${what}: state ${r.State} (${r.Desc})`);
    return r.State === want;
  }, what, 60_000, 100);
}

test("commitment manager on the devnet: PreCommit batch of 4, MaxWait, validation, ProveCommit batch to Landed", { timeout: 240_000 }, async (t) => {
  const env = await setup(t, [1, 2, 3, 4, 5]);
  const store = openSqliteManagerStore(join(env.dir, "manager.db"));
  t.after(() => store.close());
  await createSectors(env, store, [1, 2, 3, 4, 5, 6]);
  const mgr = managerOver(env, store);
  mgr.start();
  t.after(() => mgr.stop());

  // ---- PreCommit: three wait, the fourth fills the batch ----
  for (const n of [1, 2, 3]) assert.deepEqual(await mgr.submitPreCommit({ ...sid(n), proofType: SEAL_PROOF }, preInfo(env, n), false), { Res: SubmitResult.Accepted, Desc: null });
  assert.equal((await store.listOpenBatches()).length, 0, "below Threshold: nothing sent");
  assert.equal((await mgr.preCommitState(sid(1))).State, OnChainState.Pending);
  assert.equal((await store.getSector(MINER, 1))!.needSend, "precommit");
  assert.equal((await mgr.submitPreCommit({ ...sid(4), proofType: SEAL_PROOF }, preInfo(env, 4), false)).Res, SubmitResult.Accepted);
  for (const n of [1, 2, 3, 4]) await pollUntil(`precommit ${n}`, () => mgr.preCommitState(sid(n)), OnChainState.Landed);
  const pcMsgs = await env.listed(MinerMethod.PreCommitSectorBatch2);
  assert.equal(pcMsgs.length, 1, "one PreCommitSectorBatch2");
  assert.deepEqual(PreCommitSectorBatchParams2.decode(pcMsgs[0]!).Sectors.map((s) => s.SectorNumber), [1, 2, 3, 4]);
  const pci1 = (await env.chain.StateSectorPreCommitInfo(MADDR, 1, []))!;
  assert.equal(pci1.Info.UnsealedCid, null, "CC: UnsealedCid null");
  assert.ok(pci1.PreCommitDeposit > 0n, "deposit paid");

  // ---- validation ----
  assert.deepEqual(await mgr.submitPreCommit({ ...sid(1), proofType: SEAL_PROOF }, preInfo(env, 1), false), { Res: SubmitResult.Accepted, Desc: null }, "identical resubmission");
  const other = { ...preInfo(env, 1), CommR: env.sealed.get(2)!.commR };
  assert.equal((await mgr.submitPreCommit({ ...sid(1), proofType: SEAL_PROOF }, other, false)).Res, SubmitResult.MismatchedSubmission);
  const badD = { ...preInfo(env, 5), CommD: new Uint8Array(32).fill(1) };
  const rBadD = await mgr.submitPreCommit({ ...sid(5), proofType: SEAL_PROOF }, badD, false);
  assert.equal(rBadD.Res, SubmitResult.MismatchedSubmission, "bad CommD (manager.md §5.3)");
  assert.match(rBadD.Desc!, /CommD/);
  const badTicket = { ...preInfo(env, 5), Ticket: { Ticket: new Uint8Array(32).fill(9), Epoch: env.ticket.Epoch } };
  assert.equal((await mgr.submitPreCommit({ ...sid(5), proofType: SEAL_PROOF }, badTicket, false)).Res, SubmitResult.Rejected);
  assert.equal((await mgr.submitProof(sid(6), { Proof: new Uint8Array([1]) }, false)).Res, SubmitResult.Rejected, "no PreCommit");

  // ---- MaxWait sends a lone sector ----
  assert.equal((await mgr.submitPreCommit({ ...sid(5), proofType: SEAL_PROOF }, preInfo(env, 5), false)).Res, SubmitResult.Accepted);
  env.clock.advance(60_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await mgr.preCommitState(sid(5))).State, OnChainState.Pending, "a tick before MaxWait sends nothing");
  env.clock.advance(600_000);
  await pollUntil("precommit 5", () => mgr.preCommitState(sid(5)), OnChainState.Landed);
  const pcMsgs2 = await env.listed(MinerMethod.PreCommitSectorBatch2);
  assert.equal(pcMsgs2.length, 2);
  assert.deepEqual(PreCommitSectorBatchParams2.decode(pcMsgs2[1]!).Sectors.map((s) => s.SectorNumber), [5]);

  // ---- seeds (WaitSeed's job, written here) and devnet proofs ----
  const proofs = new Map<number, Uint8Array>();
  for (const n of [1, 2, 3, 4, 5]) {
    const pci = (await env.chain.StateSectorPreCommitInfo(MADDR, n, []))!;
    const seedEpoch = pci.PreCommitEpoch + DELAY;
    await until(async () => (await env.chain.ChainHead()).Height >= seedEpoch, `seed epoch ${seedEpoch}`);
    const seed = await env.chain.interactiveSeed(MINER, pci.PreCommitEpoch, DELAY);
    await store.updateSector(MINER, n, (cur) => ({ ...cur, doc: { ...cur.doc, Seed: z.encode(Seed, { Seed: seed.seed, Epoch: seed.epoch }) as never } }));
    const s = env.sealed.get(n)!;
    const vp = await generateVanillaPoRep({ sealProof: SEAL_PROOF, minerId: MINER, sectorNumber: n, ticket: env.ticket.Ticket, seed: seed.seed, commD: s.commD, commR: s.commR, cacheDir: s.paths.cacheDir, sealedFile: s.paths.sealed });
    proofs.set(n, encodeDevnetPoRep(vp));
  }

  // corrupt proof, wrong seed, non-devnet proof on the devnet
  const corrupt = proofs.get(5)!.slice();
  corrupt[corrupt.length - 5] ^= 0xff;
  const rCorrupt = await mgr.submitProof(sid(5), { Proof: corrupt }, false);
  assert.equal(rCorrupt.Res, SubmitResult.Rejected);
  assert.match(rCorrupt.Desc!, /devnet proof/);
  assert.equal((await mgr.submitProof(sid(5), { Proof: new Uint8Array(1920).fill(7) }, false)).Res, SubmitResult.Rejected, "a non-devnet proof on the devnet");
  const goodSeed = (await store.getSector(MINER, 5))!.doc.Seed;
  await store.updateSector(MINER, 5, (cur) => ({ ...cur, doc: { ...cur.doc, Seed: z.encode(Seed, { Seed: new Uint8Array(32).fill(3), Epoch: (cur.doc.Seed as { Epoch: number }).Epoch }) as never } }));
  const rSeed = await mgr.submitProof(sid(5), { Proof: proofs.get(5)! }, false);
  assert.equal(rSeed.Res, SubmitResult.Rejected);
  assert.match(rSeed.Desc!, /seed/);
  await store.updateSector(MINER, 5, (cur) => ({ ...cur, doc: { ...cur.doc, Seed: goodSeed } }));

  // ---- ProveCommit: four proofs, one ProveCommitSectors3 with one proof per sector ----
  for (const n of [1, 2, 3, 4]) assert.deepEqual(await mgr.submitProof(sid(n), { Proof: proofs.get(n)! }, false), { Res: SubmitResult.Accepted, Desc: null }, `proof ${n}`);
  assert.equal((await mgr.submitProof(sid(1), { Proof: proofs.get(1)! }, false)).Res, SubmitResult.Accepted, "identical proof again");
  assert.equal((await mgr.submitProof(sid(1), { Proof: proofs.get(2)! }, false)).Res, SubmitResult.MismatchedSubmission);
  for (const n of [1, 2, 3, 4]) await pollUntil(`proof ${n}`, () => mgr.proofState(sid(n)), OnChainState.Landed);
  const pcs = await env.listed(MinerMethod.ProveCommitSectors3);
  assert.equal(pcs.length, 1, "one ProveCommitSectors3");
  const params = ProveCommitSectors3Params.decode(pcs[0]!);
  assert.deepEqual(params.SectorActivations.map((a) => a.SectorNumber), [1, 2, 3, 4]);
  assert.equal(params.SectorProofs.length, 4, "one proof per sector, no aggregate");
  assert.equal(params.AggregateProofType, null);
  for (const n of [1, 2, 3, 4]) assert.ok(await env.chain.StateSectorGetInfo(MADDR, n, []), `sector ${n} on chain`);
  const rec1 = (await store.getSector(MINER, 1))!;
  assert.ok(z.object({ CommitCid: z.object({ "/": z.string() }) }).safeParse(rec1.doc.MessageInfo).success, "CommitCid stored");

  // forceSend sends sector 5's proof alone now
  assert.equal((await mgr.submitProof(sid(5), { Proof: proofs.get(5)! }, false)).Res, SubmitResult.Accepted);
  await mgr.forceSend(MINER, "provecommit");
  await pollUntil("proof 5", () => mgr.proofState(sid(5)), OnChainState.Landed);
  assert.equal((await env.listed(MinerMethod.ProveCommitSectors3)).length, 2);

  // ---- TerminateSectors (Threshold 2); a sector in an immutable deadline waits for a later tick ----
  const locs = new Map<number, { Deadline: number; Partition: number }>();
  for (const n of [1, 2]) locs.set(n, await env.chain.StateSectorPartition(MADDR, n, []));
  for (const n of [1, 2]) assert.deepEqual(await mgr.submitTerminate(sid(n)), { Res: SubmitResult.Accepted, Desc: null });
  assert.equal((await mgr.submitTerminate(sid(1))).Res, SubmitResult.Accepted, "again");
  assert.equal((await mgr.submitTerminate(sid(6))).Res, SubmitResult.Rejected, "not on chain");
  for (const n of [1, 2])
    await until(async () => {
      env.clock.advance(env.cfg.Commitment.Terminate.Batch.CheckInterval);
      return (await mgr.terminateState(sid(n))).TerminatedAt > 0;
    }, `sector ${n} terminated`, 60_000, 200);
  const terms = (await env.listed(MinerMethod.TerminateSectors)).map((b) => TerminateSectorsParams.decode(b));
  assert.ok(terms.length >= 1 && terms.length <= 2, `${terms.length} TerminateSectors`);
  assert.deepEqual(terms.flatMap((p) => p.Terminations.flatMap((d) => [...d.Sectors])).sort(), [1, 2]);
  for (const n of [1, 2]) {
    const loc = locs.get(n)!;
    const part = (await env.chain.StateMinerPartitions(MADDR, loc.Deadline, []))[loc.Partition]!;
    assert.ok(!part.LiveSectors.has(n), `sector ${n} no longer live`);
  }
  assert.ok((await mgr.terminateState(sid(1))).TerminateCid, "TerminateCid stored");
});

test("commitment manager: a restart between accepting and pushing sends exactly one message", { timeout: 120_000 }, async (t) => {
  const env = await setup(t, [1, 2]);
  const dbPath = join(env.dir, "manager.db");

  // First life: sector 1 is accepted and queued (Threshold 4), the process "dies" before any send.
  let store = openSqliteManagerStore(dbPath);
  await createSectors(env, store, [1, 2]);
  let mgr = managerOver(env, store);
  mgr.start();
  assert.equal((await mgr.submitPreCommit({ ...sid(1), proofType: SEAL_PROOF }, preInfo(env, 1), false)).Res, SubmitResult.Accepted);
  await mgr.stop();
  await store.close();

  // Second life: sector 2 is batched and recorded, but the push never reaches the node.
  store = openSqliteManagerStore(dbPath);
  const lost: Messager = {
    push: () => Promise.reject(new Error("connection lost")),
    wait: () => Promise.reject(new Error("unused")),
    search: () => Promise.resolve(null),
  };
  mgr = managerOver(env, store, lost);
  mgr.start();
  await until(async () => (await store.getSector(MINER, 1))?.needSend === "precommit", "sector 1 re-queued");
  assert.equal((await mgr.submitPreCommit({ ...sid(2), proofType: SEAL_PROOF }, preInfo(env, 2), false)).Res, SubmitResult.Accepted);
  await mgr.forceSend(MINER, "precommit");
  const open = await store.listOpenBatches();
  assert.equal(open.length, 1, "the batch is recorded before the push");
  assert.deepEqual(open[0]!.sectors, [1, 2]);
  assert.equal((await store.getMessage(open[0]!.messageUid))!.state, "pending");
  await mgr.stop();
  await store.close();

  // Third life: the recorded batch is pushed once; nothing else is sent.
  store = openSqliteManagerStore(dbPath);
  t.after(() => store.close());
  mgr = managerOver(env, store);
  mgr.start();
  t.after(() => mgr.stop());
  await pollUntil("precommit 1", () => mgr.preCommitState(sid(1)), OnChainState.Landed);
  await pollUntil("precommit 2", () => mgr.preCommitState(sid(2)), OnChainState.Landed);
  await mgr.forceSend(MINER, "precommit"); // nothing queued: no message
  const msgs = await env.listed(MinerMethod.PreCommitSectorBatch2);
  assert.equal(msgs.length, 1, "exactly one message");
  assert.deepEqual(PreCommitSectorBatchParams2.decode(msgs[0]!).Sectors.map((s) => s.SectorNumber), [1, 2]);
});
