// The commitment manager's rules against a scripted chain and messager (no devnet): the OnChainState table of
// manager.md §8.4, the network rule for devnet proofs, the ticket-expiry guard and BaseFeeThreshold, the deal
// pieces' CommD and activation manifests, and the mpool message log kept in the store.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { z } from "zod";
import { CID } from "multiformats/cid";
import { OnChainState, Seed, SubmitResult, type SectorState } from "../../../src/api/sealer-types.js";
import { MessageFailedError, type ChainClient, type Messager, type MsgResult, type OutgoingMessage } from "../../../src/chain/index.js";
import { SectorNotFoundError, type ManagerStore } from "../../../src/db/manager-store.js";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { commDToCid, commRToCid } from "../../../src/filecoin/cid.js";
import { decodeCbor } from "../../../src/filecoin/cbor.js";
import { MinerMethod, PreCommitSectorBatchParams2, ProveCommitSectors3Params } from "../../../src/filecoin/miner-params.js";
import { commDFromPieces } from "../../../src/proofs/commd.js";
import { DEVNET_PROOF_MAGIC } from "../../../src/proofs/devnet-proof.js";
import { zeroCommitment } from "../../../src/proofs/zero-commitments.js";
import { defaultMinerConfig, type MinerConfig } from "../../../src/manager/config/schema.js";
import { createCommitmentManager, sectorStateToDoc, storeMessageLog, type CommitmentManager, type NetworkView } from "../../../src/manager/commitment/index.js";
import { tempDir } from "../../helpers/tmp.js";
import { ManualClock, MINER, SEAL_PROOF, sectorDoc, silent } from "./fixture.js";

const SENDER = "t0100";

const CID_A = CID.parse("bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4");
const TICKET = { Ticket: new Uint8Array(32).fill(5), Epoch: 100 };
const SEED = { Seed: new Uint8Array(32).fill(6), Epoch: 210 };
const COMM_R = new Uint8Array(32).fill(2);

/** A chain whose answers the test sets. */
class FakeChain {
  height = 200;
  baseFee = 100n;
  preCommits = new Map<number, { Info: { SealProof: number; SectorNumber: number; SealedCID: CID; SealRandEpoch: number; DealIDs: number[]; Expiration: number; UnsealedCid: CID | null }; PreCommitDeposit: bigint; PreCommitEpoch: number }>();
  sectors = new Set<number>();
  allocated = new Set<number>();
  client(): ChainClient {
    const head = async () => ({ Cids: [CID_A], Height: this.height, Blocks: [{ ParentBaseFee: this.baseFee }] });
    return {
      head,
      ChainHead: head,
      StateSectorPreCommitInfo: async (_m: string, n: number) => this.preCommits.get(n) ?? null,
      StateSectorGetInfo: async (_m: string, n: number) => (this.sectors.has(n) ? { SectorNumber: n } : null),
      StateMinerSectorAllocated: async (_m: string, n: number) => this.allocated.has(n) || this.preCommits.has(n),
      interactiveSeed: async (_m: number, pce: number, delay: number) => ({ seed: SEED.Seed, epoch: pce + delay }),
      StateMinerPreCommitDepositForPower: async () => 7n,
      StateMinerInitialPledgeForSector: async () => 11n,
      StateMinerInfo: async () => ({ Owner: SENDER, Worker: SENDER, ControlAddresses: [] }),
      StateLookupID: async (a: string) => a,
      StateGetActor: async () => ({ Balance: 10n ** 18n }),
    } as unknown as ChainClient;
  }
  preCommit(n: number, epoch = 200, unsealed: CID | null = null): void {
    this.preCommits.set(n, { Info: { SealProof: SEAL_PROOF, SectorNumber: n, SealedCID: commRToCid(COMM_R), SealRandEpoch: TICKET.Epoch, DealIDs: [], Expiration: 2_000_000, UnsealedCid: unsealed }, PreCommitDeposit: 1n, PreCommitEpoch: epoch });
  }
}

/** A messager whose pushes are kept and whose search answers are scripted per uid. */
class FakeMessager implements Messager {
  pushed: OutgoingMessage[] = [];
  results = new Map<string, MsgResult | null | Error>();
  async push(msg: OutgoingMessage): Promise<string> {
    this.pushed.push(msg);
    return msg.uid;
  }
  wait(): Promise<MsgResult> {
    return Promise.reject(new Error("unused"));
  }
  async search(uid: string): Promise<MsgResult | null> {
    const r = this.results.get(uid) ?? null;
    if (r instanceof Error) throw r;
    return r;
  }
  land(uid: string, height: number, exitCode: number): void {
    this.results.set(uid, { uid, cid: CID_A, pushedCid: CID_A, replaced: false, height, tipSet: [CID_A], receipt: { ExitCode: exitCode, Return: new Uint8Array(0), GasUsed: 10, EventsRoot: null } });
  }
}

const doc = (n: number, extra: Partial<SectorState> = {}): SectorState => sectorDoc(n, TICKET, extra);

interface Rig {
  store: ManagerStore;
  chain: FakeChain;
  messager: FakeMessager;
  clock: ManualClock;
  cfg: MinerConfig;
  net: NetworkView;
  mgr: CommitmentManager;
}

async function rig(t: TestContext, tune?: (cfg: MinerConfig) => void): Promise<Rig> {
  const dir = await tempDir(t, "commitment-rules-");
  const store = openSqliteManagerStore(join(dir, "manager.db"));
  const chain = new FakeChain();
  const messager = new FakeMessager();
  const c = new ManualClock();
  const cfg = defaultMinerConfig(MINER);
  cfg.Commitment.Confidence = 5;
  for (const p of [cfg.Commitment.Pre, cfg.Commitment.Prove]) {
    p.Senders = [SENDER];
    p.Batch.Threshold = 4;
  }
  tune?.(cfg);
  const net: NetworkView = { name: "damocles-devnet", devnet: true, preCommitChallengeDelay: 10, blockDelaySecs: 1 };
  const mgr = createCommitmentManager({ store, chain: chain.client(), messager, minerConfig: (m) => (m === MINER ? cfg : null), clock: c, logger: silent, network: () => net });
  mgr.start();
  t.after(async () => {
    await mgr.stop();
    await store.close();
  });
  return { store, chain, messager, clock: c, cfg, net, mgr };
}

const sid = (n: number) => ({ miner: MINER, number: n });
const sector = (n: number) => ({ miner: MINER, number: n, proofType: SEAL_PROOF });
const ccInfo = { CommR: COMM_R, CommD: zeroCommitment(2048), Ticket: TICKET };
const settle = () => new Promise((r) => setTimeout(r, 50));

async function sentPreCommit(r: Rig, n: number): Promise<string> {
  await r.store.createSector({ miner: MINER, number: n, proofType: SEAL_PROOF, doc: sectorStateToDoc(doc(n)) });
  assert.equal((await r.mgr.submitPreCommit(sector(n), ccInfo, false)).Res, SubmitResult.Accepted);
  await r.mgr.forceSend(MINER, "precommit");
  return r.messager.pushed.at(-1)!.uid;
}

test("PollPreCommitState follows the §8.4 table", async (t) => {
  const r = await rig(t);
  await assert.rejects(r.mgr.preCommitState(sid(99)), SectorNotFoundError);
  await r.store.createSector({ miner: MINER, number: 1, proofType: SEAL_PROOF, doc: sectorStateToDoc(doc(1)) });
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Failed, "no message and NeedSend cleared");
  assert.equal((await r.mgr.submitPreCommit(sector(1), ccInfo, false)).Res, SubmitResult.Accepted);
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Pending, "NeedSend");
  await r.mgr.forceSend(MINER, "precommit");
  const uid = r.messager.pushed[0]!.uid;
  assert.equal(r.messager.pushed[0]!.method, MinerMethod.PreCommitSectorBatch2);
  assert.equal(r.messager.pushed[0]!.value, 7n, "deposit with SendFund");
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Pending, "not on chain yet");

  r.messager.land(uid, 198, 0);
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Packed, "2 of 5 confirmations");
  r.chain.height = 203;
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.ShouldAbort, "landed, but no PreCommit on chain");
  r.chain.preCommit(1);
  assert.deepEqual(await r.mgr.preCommitState(sid(1)), { State: OnChainState.Landed, Desc: null });
  assert.equal((await r.store.getMessage(uid))!.state, "landed");
  assert.deepEqual((await r.store.getSector(MINER, 1))!.doc.MessageInfo, { PreCommitCid: { "/": CID_A.toString() }, CommitCid: null, NeedSend: false });

  for (const [exit, want] of [[7, OnChainState.Failed], [6, OnChainState.Failed], [19, OnChainState.Failed], [16, OnChainState.PermFailed]] as const) {
    r.messager.land(uid, 190, exit);
    assert.equal((await r.mgr.preCommitState(sid(1))).State, want, `exit ${exit}`);
  }
  r.messager.results.set(uid, new MessageFailedError(uid, "nonce-conflict", "nonce taken"));
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Packed, "nonce conflict");
  r.chain.preCommits.delete(1);
  r.messager.results.set(uid, new MessageFailedError(uid, "failed", "dropped by the messager"));
  const failed = await r.mgr.preCommitState(sid(1));
  assert.equal(failed.State, OnChainState.Failed);
  assert.match(failed.Desc!, /dropped/);
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Failed, "recorded as failed");

  // The worker re-submits with reset; the PreCommit turned up on chain meanwhile: Accepted, no new message.
  r.chain.preCommit(1);
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Landed, "a failed message, but the PreCommit is on chain");
  assert.equal((await r.mgr.submitPreCommit(sector(1), ccInfo, true)).Res, SubmitResult.Accepted);
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Landed, "already on chain: accepted without a message");
  assert.equal(r.messager.pushed.length, 1);
});

test("SubmitPreCommit checks: ticket, CommD from pieces, number allocated, identical and different resubmissions", async (t) => {
  const r = await rig(t);
  for (const n of [1, 2, 3]) await r.store.createSector({ miner: MINER, number: n, proofType: SEAL_PROOF, doc: sectorStateToDoc(doc(n)) });
  const old = await r.mgr.submitPreCommit(sector(1), { ...ccInfo, Ticket: { ...TICKET, Epoch: 50 } }, false);
  assert.equal(old.Res, SubmitResult.Rejected, "ticket differs from the assigned one");
  r.chain.height = TICKET.Epoch + 3781;
  const expired = await r.mgr.submitPreCommit(sector(1), ccInfo, false);
  assert.equal(expired.Res, SubmitResult.Rejected);
  assert.match(expired.Desc!, /MaxPreCommitRandomnessLookback/);
  r.chain.height = 200;
  r.chain.allocated.add(2);
  const alloc = await r.mgr.submitPreCommit(sector(2), ccInfo, false);
  assert.equal(alloc.Res, SubmitResult.Rejected);
  assert.match(alloc.Desc!, /allocated/);

  // A deal piece: CommD must be the pieces' one; it goes on chain as UnsealedCid.
  const commP = new Uint8Array(32).fill(3);
  commP[31] = 0;
  const pieceCid = commDToCid(commP);
  const deal = { DealID: 42, PublishCid: CID_A, AllocationID: 0, PieceCID: pieceCid, PieceSize: 1024, Client: "t0200", Provider: "t01000", Offset: 0, Length: 1024, PayloadSize: 1000, StartEpoch: 10_000, EndEpoch: 1_000_000, IsBuiltinMarket: true, IsCompatible: true };
  await r.store.updateSector(MINER, 3, (cur) => ({ ...cur, doc: sectorStateToDoc(doc(3, { Pieces: [{ Piece: { Size: 1024, PieceCID: pieceCid }, DealInfo: deal }] })) }));
  const commD = commDFromPieces(2048, [{ size: 1024, commP }]);
  const bad = await r.mgr.submitPreCommit(sector(3), ccInfo, false);
  assert.equal(bad.Res, SubmitResult.MismatchedSubmission, "bad CommD");
  const info3 = { ...ccInfo, CommD: commD };
  assert.equal((await r.mgr.submitPreCommit(sector(3), info3, false)).Res, SubmitResult.Accepted);
  assert.equal((await r.mgr.submitPreCommit(sector(3), info3, false)).Res, SubmitResult.Accepted, "identical");
  assert.equal((await r.mgr.submitPreCommit(sector(3), { ...info3, CommR: new Uint8Array(32).fill(4) }, false)).Res, SubmitResult.MismatchedSubmission);
  await r.mgr.forceSend(MINER, "precommit");
  const [pre] = PreCommitSectorBatchParams2.decode(r.messager.pushed[0]!.params).Sectors;
  assert.equal(pre!.UnsealedCid!.toString(), commDToCid(commD).toString());
  assert.equal(pre!.SealRandEpoch, TICKET.Epoch);
  assert.deepEqual(pre!.DealIDs, []);
  assert.equal(pre!.Expiration, 200 + 30 * 2880 + 10 + 540 * 2880);

  // ProveCommit carries the piece with a notification of the market actor.
  r.chain.preCommit(3, 200, commDToCid(commD));
  await r.store.updateSector(MINER, 3, (cur) => ({ ...cur, doc: { ...cur.doc, Seed: z.encode(Seed, SEED) as never } }));
  const groth = new Uint8Array(192).fill(1);
  r.net.devnet = false;
  r.net.name = "calibrationnet";
  assert.equal((await r.mgr.submitProof(sid(3), { Proof: groth }, false)).Res, SubmitResult.Accepted, "not verified without an external verifier");
  await r.mgr.forceSend(MINER, "provecommit");
  const pc = r.messager.pushed[1]!;
  assert.equal(pc.method, MinerMethod.ProveCommitSectors3);
  assert.equal(pc.value, 11n, "pledge with SendFund");
  const p = ProveCommitSectors3Params.decode(pc.params);
  assert.equal(p.SectorActivations[0]!.Pieces[0]!.CID.toString(), pieceCid.toString());
  assert.equal(p.SectorActivations[0]!.Pieces[0]!.Size, 1024);
  assert.deepEqual(p.SectorActivations[0]!.Pieces[0]!.Notify.map((x) => decodeCbor(x.Payload)), [42]);
  assert.deepEqual(p.SectorProofs, [groth]);
});

test("SubmitProof: a devnet proof is refused outside damocles-devnet; seed rules", async (t) => {
  const r = await rig(t);
  await r.store.createSector({ miner: MINER, number: 1, proofType: SEAL_PROOF, doc: sectorStateToDoc(doc(1)) });
  assert.equal((await r.mgr.submitPreCommit(sector(1), ccInfo, false)).Res, SubmitResult.Accepted);
  r.chain.preCommit(1, 200);
  const proof = new Uint8Array([...DEVNET_PROOF_MAGIC, 1, 0, 0, 0, 0, 0, 9, 9]);
  const noSeed = await r.mgr.submitProof(sid(1), { Proof: proof }, false);
  assert.equal(noSeed.Res, SubmitResult.Rejected);
  assert.match(noSeed.Desc!, /seed/);
  await r.store.updateSector(MINER, 1, (cur) => ({ ...cur, doc: { ...cur.doc, Seed: z.encode(Seed, { ...SEED, Epoch: 211 }) as never } }));
  assert.match((await r.mgr.submitProof(sid(1), { Proof: proof }, false)).Desc!, /seed epoch 211/);
  await r.store.updateSector(MINER, 1, (cur) => ({ ...cur, doc: { ...cur.doc, Seed: z.encode(Seed, SEED) as never } }));
  r.net.devnet = false;
  r.net.name = "mainnet";
  const refused = await r.mgr.submitProof(sid(1), { Proof: proof }, false);
  assert.equal(refused.Res, SubmitResult.Rejected);
  assert.match(refused.Desc!, /damocles-devnet/);
  assert.equal((await r.mgr.submitProof(sid(1), { Proof: new Uint8Array(0) }, false)).Res, SubmitResult.Rejected, "empty proof");
  r.net.devnet = true;
  r.net.name = "damocles-devnet";
  const corrupt = await r.mgr.submitProof(sid(1), { Proof: proof }, false);
  assert.equal(corrupt.Res, SubmitResult.Rejected);
  assert.match(corrupt.Desc!, /devnet proof verification failed/);
  assert.equal((await r.store.getSector(MINER, 1))!.needSend, "precommit", "a refused proof changes nothing");
});

test("batch triggers: Threshold, MaxWait from queue entry, ticket-expiry guard, BaseFeeThreshold", async (t) => {
  const r = await rig(t, (cfg) => {
    cfg.Commitment.Pre.Batch.MaxWait = 600_000;
    cfg.Commitment.Pre.Batch.CheckInterval = 60_000;
  });
  for (const n of [1, 2, 3, 4, 5, 6]) await r.store.createSector({ miner: MINER, number: n, proofType: SEAL_PROOF, doc: sectorStateToDoc(doc(n)) });
  for (const n of [1, 2, 3]) await r.mgr.submitPreCommit(sector(n), ccInfo, false);
  await settle();
  assert.equal(r.messager.pushed.length, 0);
  await r.mgr.submitPreCommit(sector(4), ccInfo, false);
  await settle();
  assert.equal(r.messager.pushed.length, 1, "Threshold 4");
  assert.deepEqual(PreCommitSectorBatchParams2.decode(r.messager.pushed[0]!.params).Sectors.map((s) => s.SectorNumber), [1, 2, 3, 4]);

  // MaxWait counts from queue entry, not from the ticket epoch (which is 100 epochs old).
  r.clock.advance(500_000);
  await r.mgr.submitPreCommit(sector(5), ccInfo, false);
  r.clock.advance(60_000);
  await settle();
  assert.equal(r.messager.pushed.length, 1, "a tick before MaxWait");
  r.clock.advance(540_000);
  await settle();
  assert.equal(r.messager.pushed.length, 2, "MaxWait reached at a tick");

  // Ticket guard: within 480 epochs of expiry, sent at the next tick.
  await r.mgr.submitPreCommit(sector(6), ccInfo, false);
  r.clock.advance(60_000);
  await settle();
  assert.equal(r.messager.pushed.length, 2);
  r.chain.height = TICKET.Epoch + 3780 - 480;
  r.clock.advance(60_000);
  await settle();
  assert.equal(r.messager.pushed.length, 3, "ticket-expiry guard");
});

test("BaseFeeThreshold sends at once while the base fee is low", async (t) => {
  const r = await rig(t, (cfg) => {
    cfg.Commitment.Pre.Batch.BaseFeeThreshold = 50n;
  });
  await r.store.createSector({ miner: MINER, number: 1, proofType: SEAL_PROOF, doc: sectorStateToDoc(doc(1)) });
  await r.mgr.submitPreCommit(sector(1), ccInfo, false);
  await settle();
  assert.equal(r.messager.pushed.length, 0, "base fee 100 ≥ 50");
  r.chain.baseFee = 49n;
  r.clock.advance(60_000);
  await settle();
  assert.equal(r.messager.pushed.length, 1);
});

test("a refused message fails its sectors; a re-submission with reset sends a new one", async (t) => {
  const r = await rig(t);
  const refusing = r.messager.push.bind(r.messager);
  r.messager.push = async (m) => {
    await refusing(m);
    throw new MessageFailedError(m.uid, "refused", "insufficient balance");
  };
  const uid = await sentPreCommit(r, 1);
  assert.equal((await r.store.getMessage(uid))!.state, "failed");
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Failed);
  r.messager.push = refusing;
  assert.equal((await r.mgr.submitPreCommit(sector(1), ccInfo, true)).Res, SubmitResult.Accepted);
  await r.mgr.forceSend(MINER, "precommit");
  assert.equal(r.messager.pushed.length, 2);
  assert.notEqual(r.messager.pushed[1]!.uid, uid);
  assert.equal((await r.mgr.preCommitState(sid(1))).State, OnChainState.Pending);
});

test("the mpool message log in the store", async (t) => {
  const dir = await tempDir(t, "commitment-log-");
  const store = openSqliteManagerStore(join(dir, "manager.db"));
  t.after(() => store.close());
  const log = storeMessageLog(store);
  const rec = { uid: "u1", from: SENDER, to: "t01000", method: 28, params: new Uint8Array([1, 2]), value: 5n, maxFee: null, nonceFloor: 3, recordedAt: 40 };
  await log.record(rec);
  await assert.rejects(Promise.resolve(log.record(rec)), /already recorded/);
  assert.equal((await store.getMessage("u1"))!.miner, 1000);
  assert.deepEqual((await log.listUnfinished()).map((m) => m.uid), ["u1"]);
  await log.markPushed("u1", "bafy-pushed", 3);
  assert.equal((await store.getMessage("u1"))!.signedCid, "bafy-pushed");
  assert.equal(await log.findByCid("bafy-pushed"), "u1");
  await log.markLanded("u1", { cid: "bafy-landed", height: 44, exitCode: 0 });
  assert.equal(await log.findByCid("bafy-landed"), "u1");
  const got = (await log.get("u1"))!;
  assert.equal(got.state, "landed");
  assert.equal(got.nonce, 3);
  assert.equal(got.value, 5n);
  assert.deepEqual(got.params, new Uint8Array([1, 2]));
  assert.deepEqual(await log.listUnfinished(), []);
  assert.equal(await log.get("nope"), null);
  // A message the manager recorded itself is unknown to the log until the messager records it.
  await store.recordMessage({ uid: "u2", miner: 1000, from: SENDER, to: "t01000", method: 28, params: new Uint8Array([9]), value: 0n });
  assert.equal(await log.get("u2"), null);
  await log.record({ ...rec, uid: "u2", params: new Uint8Array([9]), value: 0n });
  await log.markFailed("u2", "refused");
  assert.equal((await store.getMessage("u2"))!.state, "failed");
});

test("fee block: Pre's for a message of one sector, Pre.Batch's for more; MaxFeeCap when GasFeeCap is unset", async (t) => {
  const r = await rig(t, (cfg) => {
    Object.assign(cfg.Commitment.Pre, { GasFeeCap: 111n, GasOverEstimation: 1.3, GasOverPremium: 0 });
    Object.assign(cfg.Commitment.Pre.Batch, { GasFeeCap: undefined, MaxFeeCap: 333n, GasOverEstimation: 1.1, GasOverPremium: 1.5 });
  });
  const uid = await sentPreCommit(r, 1);
  const one = r.messager.pushed[0]!;
  assert.deepEqual([one.gasFeeCap, one.gasOverEstimation, one.gasOverPremium], [111n, 1.3, 0]);
  assert.equal((await r.store.getMessage(uid))!.spec!["gasFeeCap"], 111n, "kept with the message for a re-push after restart");
  for (const n of [2, 3]) {
    await r.store.createSector({ miner: MINER, number: n, proofType: SEAL_PROOF, doc: sectorStateToDoc(doc(n)) });
    await r.mgr.submitPreCommit(sector(n), ccInfo, false);
  }
  await r.mgr.forceSend(MINER, "precommit");
  const two = r.messager.pushed[1]!;
  assert.equal(PreCommitSectorBatchParams2.decode(two.params).Sectors.length, 2);
  assert.deepEqual([two.gasFeeCap, two.gasOverEstimation, two.gasOverPremium], [333n, 1.1, 1.5]);
});

test("prove-commit deadline guard: a queued proof near PreCommitEpoch + MaxProveCommitDuration is sent at the next tick", async (t) => {
  const r = await rig(t, (cfg) => {
    cfg.Commitment.Prove.Batch.MaxWait = 600_000;
    cfg.Commitment.Prove.Batch.CheckInterval = 60_000;
  });
  await sentPreCommit(r, 1);
  r.chain.preCommit(1, 200);
  await r.store.updateSector(MINER, 1, (cur) => ({ ...cur, doc: { ...cur.doc, Seed: z.encode(Seed, SEED) as never } }));
  r.net.devnet = false;
  r.net.name = "calibrationnet";
  assert.equal((await r.mgr.submitProof(sid(1), { Proof: new Uint8Array(192).fill(1) }, false)).Res, SubmitResult.Accepted);
  r.clock.advance(60_000);
  await settle();
  assert.equal(r.messager.pushed.length, 1, "queued: Threshold 4, MaxWait 10 min");
  const deadline = 200 + 30 * 2880 + 10; // PreCommitEpoch + MaxProveCommitDuration (V1_1, delay 10)
  r.chain.height = deadline - 481;
  r.clock.advance(60_000);
  await settle();
  assert.equal(r.messager.pushed.length, 1, "481 epochs left");
  r.chain.height = deadline - 480;
  r.clock.advance(60_000);
  await settle();
  assert.equal(r.messager.pushed.length, 2, "sent by the guard");
  assert.equal(r.messager.pushed[1]!.method, MinerMethod.ProveCommitSectors3);
});
