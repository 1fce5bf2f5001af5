// The devnet miner actor's rules (spec/devnet.md §9) over real 2KiB sectors and real devnet proofs: every check
// accepts the valid case and rejects the invalid one with its exit code; then two proving periods of a miner.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BitField } from "../../../src/filecoin/bitfield.js";
import { encodeCbor, filBigInt, decodeCbor, readFilBigInt } from "../../../src/filecoin/cbor.js";
import { commDToCid } from "../../../src/filecoin/cid.js";
import {
  BatchReturn,
  DeclareFaultsParams,
  DeclareFaultsRecoveredParams,
  ExtendSectorExpiration2Params,
  MinerMethod,
  ProveCommitSectorsNIParams,
  TerminateSectorsParams,
  TerminateSectorsReturn,
  type SectorNIActivationInfo,
} from "../../../src/filecoin/miner-params.js";
import { zeroCommitment } from "../../../src/proofs/zero-commitments.js";
import { MinerExitCode as Exit } from "../../../src/devnet/actors/actor-error.js";
import {
  CompactPartitionsParams,
  cronTick,
  MinerExtraMethod,
  nextDeadlineClose,
  processDeadlineEnd,
  splitDevnetProofs,
  WithdrawBalanceParams,
} from "../../../src/devnet/actors/miner.js";
import type { MinerState } from "../../../src/devnet/actors/miner-state.js";
import * as views from "../../../src/devnet/actors/miner-views.js";
import {
  call,
  cleanupSealed,
  CONTROL,
  concat,
  env,
  EXPIRATION,
  FakeMarket,
  genesisMiner,
  MINER,
  niPorep,
  onboard,
  OWNER,
  part,
  policy,
  porep,
  postParams,
  preCommitInfo,
  preCommitParams,
  proveParams,
  rejects,
  SEAL_NI,
  sealed,
  STRANGER,
  windowPoSt,
  WORKER,
  type Sealed,
} from "./miner-fixtures.js";

let c1: Sealed, c2: Sealed, c3: Sealed, d5: Sealed, n20: Sealed, n21: Sealed;

before(async () => {
  c1 = await sealed(1); // creates the parent cache once
  [c2, c3, d5, n20, n21] = await Promise.all([
    sealed(2),
    sealed(3),
    sealed(5, { data: true }),
    sealed(20, { sealProof: SEAL_NI }),
    sealed(21, { sealProof: SEAL_NI }),
  ]);
});
after(cleanupSealed);

const M = MinerMethod;
const batch = (ret: Uint8Array) => BatchReturn.decode(ret);
const bf = (...n: number[]) => BitField.fromSet(n);
const toArr = (b: BitField) => b.toArray();

describe("PreCommitSectorBatch2 (28)", () => {
  const E = 100;
  test("a valid batch records the pre-commits, allocates the numbers and locks the deposit", () => {
    const s0 = genesisMiner(10_000n);
    const { state, ret } = call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1), preCommitInfo(d5)]));
    assert.equal(ret.length, 0);
    assert.deepEqual(toArr(views.allocated(state)), [1, 5]);
    const pc = views.preCommitInfo(state, 5)!;
    assert.equal(pc.PreCommitEpoch, E);
    assert.equal(pc.PreCommitDeposit, 2048n);
    assert.equal(pc.Info.UnsealedCid?.toString(), d5.unsealedCid!.toString());
    assert.equal(state.PreCommitDeposits, 4096n);
    assert.equal(views.availableBalance(state), 10_000n - 4096n);
    assert.equal(views.preCommitInfo(s0, 5), null, "the input state is untouched");
  });

  test("owner, worker and control addresses may send it; anyone else gets 18", () => {
    const s0 = genesisMiner();
    for (const caller of [OWNER, CONTROL]) call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)]), caller);
    rejects(() => call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)]), STRANGER), Exit.ErrForbidden);
  });

  test("sector numbers: duplicates in the batch and allocated numbers exit 16", () => {
    const s0 = genesisMiner();
    rejects(() => call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1), preCommitInfo(c1)])), Exit.ErrIllegalArgument, /duplicate/);
    const s1 = call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)])).state;
    rejects(() => call(s1, env(E + 1), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)])), Exit.ErrIllegalArgument, /already allocated/);
    rejects(() => call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([])), Exit.ErrIllegalArgument, /batch of 0/);
  });

  test("SealRandEpoch must lie in [max(0, current − 3780), current)", () => {
    const s0 = genesisMiner();
    const at = (current: number, sealRandEpoch: number, expiration = EXPIRATION) =>
      () => call(s0, env(current), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1, { SealRandEpoch: sealRandEpoch, Expiration: expiration })]));
    at(E, E - 1)();
    rejects(at(E, E), Exit.ErrIllegalArgument, /before the current epoch/);
    rejects(at(E, E + 5), Exit.ErrIllegalArgument);
    rejects(at(E, -1), Exit.ErrIllegalArgument, /before genesis/);
    at(5000, 5000 - 3780, EXPIRATION + 5000)();
    rejects(at(5000, 5000 - 3781, EXPIRATION + 5000), Exit.ErrIllegalArgument, /older than 3780/);
  });

  test("expiration bounds (filecoin.md §18.4) exit 16", () => {
    const s0 = genesisMiner();
    const min = E + 86_410 + 518_400;
    const at = (Expiration: number) => () => call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1, { Expiration })]));
    at(min)();
    rejects(at(min - 1), Exit.ErrIllegalArgument, /MinSectorExpiration|at least/);
    rejects(at(E + policy.MaxSectorExpirationExtension + 1), Exit.ErrIllegalArgument, /MaxSectorExpirationExtension/);
  });

  test("DealIDs, SealedCID, UnsealedCid and the seal type are checked (16)", () => {
    const s0 = genesisMiner();
    const pc = (over: Parameters<typeof preCommitInfo>[1]) => () =>
      call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1, over)]));
    rejects(pc({ DealIDs: [7] }), Exit.ErrIllegalArgument, /DealIDs/);
    rejects(pc({ SealedCID: commDToCid(zeroCommitment(2048)) }), Exit.ErrIllegalArgument, /SealedCID/);
    rejects(pc({ UnsealedCid: c1.sealedCid }), Exit.ErrIllegalArgument, /UnsealedCid/);
    rejects(pc({ SealProof: 6 }), Exit.ErrIllegalArgument, /seal proof 6/); // 8MiB on a 2KiB miner
    rejects(pc({ SealProof: 15 }), Exit.ErrIllegalArgument, /seal proof 15/); // NI is never pre-committed
    rejects(pc({ SealProof: 8 }), Exit.ErrIllegalArgument); // 32GiB: not on the devnet
    pc({ SealProof: 10 })(); // synthetic 2KiB shares the window type
  });

  test("a deposit not covered by Value plus available balance exits 19", () => {
    const s0 = genesisMiner(0n);
    rejects(() => call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)])), Exit.ErrInsufficientFunds);
    const { state } = call(s0, env(E), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)]), undefined, 2048n);
    assert.equal(state.Balance, 2048n);
    assert.equal(views.availableBalance(state), 0n);
  });

  test("undecodable params exit 21; other methods exit 22", () => {
    const s0 = genesisMiner();
    rejects(() => call(s0, env(E), M.PreCommitSectorBatch2, Uint8Array.of(0x82, 0x01)), Exit.ErrSerialization);
    rejects(() => call(s0, env(E), M.ProveReplicaUpdates3, new Uint8Array(0)), 22);
    rejects(() => call(s0, env(E), 23, new Uint8Array(0)), 22);
  });
});

describe("ProveCommitSectors3 (34)", () => {
  const PC = 100;
  const PROVE = PC + policy.PreCommitChallengeDelay + 1;
  let pre: MinerState; // c1, c2, c3, d5 pre-committed at PC
  let p1: Uint8Array, p2: Uint8Array, p3: Uint8Array, p5: Uint8Array;
  before(async () => {
    pre = call(genesisMiner(), env(PC), M.PreCommitSectorBatch2, preCommitParams([c1, c2, c3, d5].map((s) => preCommitInfo(s)))).state;
    [p1, p2, p3, p5] = await Promise.all([c1, c2, c3, d5].map((s) => porep(s, PC)));
  });

  test("valid proofs activate the sectors: deposit → pledge, least-loaded deadlines, no power before the first PoSt", () => {
    const { state, ret } = call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }, { sealed: c2, proof: p2 }, { sealed: c3, proof: p3 }]));
    assert.deepEqual(batch(ret), { SuccessCount: 3, FailCodes: [] });
    // At epoch 111 deadlines 11 (open) and 12 (next) are immutable; all others are empty: 0 gets a full
    // partition of 2, then the next least-loaded deadline by index, 1.
    assert.deepEqual(views.sectorPartition(state, 1), { Deadline: 0, Partition: 0 });
    assert.deepEqual(views.sectorPartition(state, 2), { Deadline: 0, Partition: 0 });
    assert.deepEqual(views.sectorPartition(state, 3), { Deadline: 1, Partition: 0 });
    assert.equal(views.preCommitInfo(state, 1), null);
    assert.equal(state.PreCommitDeposits, 2048n, "d5 is still pre-committed");
    assert.equal(state.InitialPledge, 3n * 2048n);
    const info = views.sectorInfo(state, 1)!;
    assert.equal(info.Activation, PROVE);
    assert.equal(info.Expiration, EXPIRATION);
    assert.equal(info.SealedCID.toString(), c1.sealedCid.toString());
    assert.deepEqual(views.power(state), { raw: 0n, qa: 0n });
    assert.deepEqual(toArr(views.partitions(state, 0)[0]!.LiveSectors), [1, 2]);
    assert.deepEqual(toArr(views.partitions(state, 0)[0]!.ActiveSectors), []);
  });

  test("too early (current ≤ PreCommitEpoch + PreCommitChallengeDelay) exits 16", () => {
    rejects(() => call(pre, env(PROVE - 1), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }])), Exit.ErrIllegalArgument, /too early/);
  });

  test("too late (after PreCommitEpoch + MaxProveCommitDuration) fails the sector, here the whole message", () => {
    const due = PC + 86_410;
    rejects(() => call(pre, env(due + 1), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }])), Exit.ErrIllegalArgument, /no valid proofs/);
    rejects(() => call(pre, env(due + 1), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }], { RequireActivationSuccess: true })), Exit.ErrIllegalArgument, /too late/);
    // The proof's seed does not depend on the prove epoch, so it still verifies on the last allowed epoch.
    assert.equal(batch(call(pre, env(due), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }])).ret).SuccessCount, 1);
  });

  test("a sector that is not pre-committed exits 17; malformed batches exit 16", () => {
    const s = call(genesisMiner(), env(PC), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)])).state;
    rejects(() => call(s, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c2, proof: p2 }])), Exit.ErrNotFound);
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }, { sealed: c1, proof: p1 }])), Exit.ErrIllegalArgument, /duplicate/);
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }], { SectorProofs: [] })), Exit.ErrIllegalArgument);
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([], {})), Exit.ErrIllegalArgument, /no sectors/);
  });

  test("an aggregate (AggregateProof or AggregateProofType set) exits 16", () => {
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }], { AggregateProof: p1 })), Exit.ErrIllegalArgument, /never aggregated/);
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }], { AggregateProofType: 1 })), Exit.ErrIllegalArgument, /never aggregated/);
  });

  test("non-devnet bytes and corrupt proofs fail their sector in the BatchReturn, or the message with RequireActivationSuccess", () => {
    const groth16 = new Uint8Array(192).fill(7);
    const corrupt = p2.slice();
    corrupt[corrupt.length - 100]! ^= 1;
    for (const bad of [groth16, corrupt]) {
      const { state, ret } = call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }, { sealed: c2, proof: bad }]));
      assert.deepEqual(batch(ret), { SuccessCount: 1, FailCodes: [{ Idx: 1, Code: 16 }] });
      assert.ok(views.sectorInfo(state, 1));
      assert.equal(views.sectorInfo(state, 2), null);
      assert.ok(views.preCommitInfo(state, 2), "the failed sector stays pre-committed");
      rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1 }, { sealed: c2, proof: bad }], { RequireActivationSuccess: true })), Exit.ErrIllegalArgument, /invalid proof for|sector 2: invalid proof/);
    }
    // Proof of another sector, and a proof whose seed was drawn for another pre-commit epoch.
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p2 }])), Exit.ErrIllegalArgument, /no valid proofs/);
  });

  test("a proof drawn with another seed epoch is refused", async () => {
    const stale = await porep(c1, PC + 1);
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: stale }])), Exit.ErrIllegalArgument, /no valid proofs/);
  });

  test("CommD: recomputed from the pieces, it must equal UnsealedCid (16 otherwise); pieces reach the market", () => {
    const piece = { CID: d5.unsealedCid!, Size: 2048, VerifiedAllocationKey: null, Notify: [{ Address: Uint8Array.of(0, 5), Payload: Uint8Array.of(0x07) }] };
    const market = new FakeMarket();
    const { state, ret } = call(pre, env(PROVE, market), M.ProveCommitSectors3, proveParams([{ sealed: d5, proof: p5, pieces: [piece] }]));
    assert.equal(batch(ret).SuccessCount, 1);
    assert.equal(market.calls.length, 1);
    assert.equal(market.calls[0]!.sectorNumber, 5);
    assert.equal(market.calls[0]!.sectorExpiration, EXPIRATION);
    assert.equal(market.calls[0]!.pieces[0]!.notify[0]!.address, "t05");
    assert.equal(views.sectorInfo(state, 5)!.DealWeight, 2048n * BigInt(EXPIRATION - PROVE));

    const zeroPiece = { ...piece, CID: commDToCid(zeroCommitment(2048)) };
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: d5, proof: p5, pieces: [zeroPiece] }])), Exit.ErrIllegalArgument, /does not match/);
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: d5, proof: p5 }])), Exit.ErrIllegalArgument, /does not match/);
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: c1, proof: p1, pieces: [piece] }])), Exit.ErrIllegalArgument, /committed capacity/);
    rejects(() => call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: d5, proof: p5, pieces: [{ ...piece, Size: 4096 }] }])), Exit.ErrIllegalArgument, /failed to compute CommD/);
  });

  test("verified pieces count 10× in QA power and pledge; a pledge not covered exits 19", async () => {
    const piece = { CID: d5.unsealedCid!, Size: 2048, VerifiedAllocationKey: { Client: 102, ID: 9 }, Notify: [] };
    const { state } = call(pre, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: d5, proof: p5, pieces: [piece] }]));
    assert.equal(views.sectorInfo(state, 5)!.InitialPledge, 20_480n);
    assert.equal(views.sectorInfo(state, 5)!.VerifiedDealWeight, 2048n * BigInt(EXPIRATION - PROVE));
    // Period 1 deadline 0 (d5's deadline, the least loaded) proves it: QA = 2048 + 9 × 2048.
    assert.deepEqual(views.sectorPartition(state, 5), { Deadline: 0, Partition: 0 });
    let s = processDeadlineEnd(state, env(482));
    s = call(s, env(482), M.SubmitWindowedPoSt, postParams(0, [part(0)], await windowPoSt(476, [d5]), 481)).state;
    assert.deepEqual(views.power(s), { raw: 2048n, qa: 20_480n });

    const poor = call(genesisMiner(2048n), env(PC), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(d5)])).state;
    rejects(() => call(poor, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: d5, proof: p5, pieces: [piece] }])), Exit.ErrInsufficientFunds);
    const rich = call(poor, env(PROVE), M.ProveCommitSectors3, proveParams([{ sealed: d5, proof: p5, pieces: [piece] }]), undefined, 18_432n).state;
    assert.equal(views.availableBalance(rich), 0n);
  });

  test("a piece the market rejects fails the message only with RequireNotificationSuccess", () => {
    const piece = { CID: d5.unsealedCid!, Size: 2048, VerifiedAllocationKey: null, Notify: [] };
    const market = new FakeMarket();
    market.reject.add(d5.unsealedCid!.toString());
    const params = (RequireNotificationSuccess: boolean) => proveParams([{ sealed: d5, proof: p5, pieces: [piece] }], { RequireNotificationSuccess });
    assert.equal(batch(call(pre, env(PROVE, market), M.ProveCommitSectors3, params(false)).ret).SuccessCount, 1);
    rejects(() => call(pre, env(PROVE, market), M.ProveCommitSectors3, params(true)), Exit.ErrIllegalArgument, /rejected pieces/);
  });

  test("a failed verified claim fails its sector in the BatchReturn (16), or the message with RequireActivationSuccess", () => {
    const piece = { CID: d5.unsealedCid!, Size: 2048, VerifiedAllocationKey: { Client: 102, ID: 9 }, Notify: [] };
    const market = new FakeMarket();
    market.failClaims.add(9);
    const items = [{ sealed: c1, proof: p1 }, { sealed: d5, proof: p5, pieces: [piece] }];
    const { state, ret } = call(pre, env(PROVE, market), M.ProveCommitSectors3, proveParams(items));
    assert.deepEqual(batch(ret), { SuccessCount: 1, FailCodes: [{ Idx: 1, Code: 16 }] });
    assert.ok(views.sectorInfo(state, 1), "the other sector activates");
    assert.equal(views.sectorInfo(state, 5), null, "the sector whose claim failed does not");
    assert.ok(views.preCommitInfo(state, 5), "and stays pre-committed with its deposit");
    assert.equal(state.InitialPledge, 2048n);
    assert.equal(state.PreCommitDeposits, 3n * 2048n, "c2, c3 and d5 keep their deposits");
    // Even without RequireNotificationSuccess: a claim is not a notification.
    rejects(() => call(pre, env(PROVE, market), M.ProveCommitSectors3, proveParams(items, { RequireActivationSuccess: true })), Exit.ErrIllegalArgument, /verified claim failed.*RequireActivationSuccess/);
  });
});

describe("ProveCommitSectorsNI (36)", () => {
  const E = 100; // deadline 10 is open, 11 next
  let proofs: Uint8Array;
  before(async () => {
    proofs = concat(await niPorep(n20), await niPorep(n21));
  });
  const ni = (s: Sealed, over: Partial<SectorNIActivationInfo> = {}): SectorNIActivationInfo => ({
    SealingNumber: s.sectorNumber, SealerID: MINER, SealedCID: s.sealedCid, SectorNumber: s.sectorNumber, SealRandEpoch: 0, Expiration: EXPIRATION, ...over,
  });
  const params = (over: Partial<ProveCommitSectorsNIParams> = {}) =>
    ProveCommitSectorsNIParams.encode({
      Sectors: [ni(n20), ni(n21)], AggregateProof: proofs, SealProofType: SEAL_NI, AggregateProofType: 1, ProvingDeadline: 20, RequireActivationSuccess: false, ...over,
    });

  test("valid: the sectors join ProvingDeadline with their pledge", () => {
    const { state, ret } = call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params());
    assert.deepEqual(batch(ret), { SuccessCount: 2, FailCodes: [] });
    assert.deepEqual(toArr(views.partitions(state, 20)[0]!.AllSectors), [20, 21]);
    assert.equal(views.sectorInfo(state, 20)!.SealProof, SEAL_NI);
    assert.equal(state.InitialPledge, 4096n);
    assert.deepEqual(toArr(views.allocated(state)), [20, 21]);
    assert.equal(splitDevnetProofs(proofs, 2).length, 2);
  });

  test("ProvingDeadline: the current or next deadline exits 18, ≥ 48 exits 16", () => {
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ ProvingDeadline: 10 })), Exit.ErrForbidden);
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ ProvingDeadline: 11 })), Exit.ErrForbidden);
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ ProvingDeadline: 48 })), Exit.ErrIllegalArgument);
  });

  test("types: SealProofType must be NI of the miner's size, AggregateProofType 1 (16)", () => {
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ SealProofType: 5 })), Exit.ErrIllegalArgument, /NI type/);
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ SealProofType: 16 })), Exit.ErrIllegalArgument, /NI type/);
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ AggregateProofType: 0 })), Exit.ErrIllegalArgument, /AggregateProofType/);
  });

  test("SealerID, SealingNumber, SealedCID and an old ticket fail their sector; a future ticket fails the message", () => {
    for (const bad of [{ SealerID: 1001 }, { SealingNumber: 99 }, { SealedCID: commDToCid(zeroCommitment(2048)) }]) {
      const { state, ret } = call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ Sectors: [ni(n20), ni(n21, bad)] }));
      assert.deepEqual(batch(ret), { SuccessCount: 1, FailCodes: [{ Idx: 1, Code: 16 }] });
      assert.equal(views.sectorInfo(state, 21), null);
    }
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ Sectors: [ni(n20), ni(n21, { SealerID: 1001 })], RequireActivationSuccess: true })), Exit.ErrIllegalArgument);
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ Sectors: [ni(n20, { SealRandEpoch: E }), ni(n21)] })), Exit.ErrIllegalArgument, /before now/);
    // A ticket older than MaxProveCommitNiLookback fails its sector (here with RequireActivationSuccess).
    const late = policy.MaxProveCommitNiLookback + 1;
    const lateSectors = [ni(n20, { Expiration: late + 600_000 }), ni(n21, { Expiration: late + 600_000 })];
    rejects(() => call(genesisMiner(), env(late), M.ProveCommitSectorsNI, params({ Sectors: lateSectors, RequireActivationSuccess: true })), Exit.ErrIllegalArgument, /MaxProveCommitNiLookback/);
  });

  test("AggregateProof must be the kind-1 proofs back to back: wrong count or foreign bytes exit 16; a bad proof fails its sector", async () => {
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ AggregateProof: splitDevnetProofs(proofs, 2)[0]! })), Exit.ErrIllegalArgument, /back to back/);
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ AggregateProof: new Uint8Array(192) })), Exit.ErrIllegalArgument, /back to back/);
    const [a, b] = splitDevnetProofs(proofs, 2) as [Uint8Array, Uint8Array];
    const { ret } = call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ AggregateProof: concat(a, a) }));
    assert.deepEqual(batch(ret), { SuccessCount: 1, FailCodes: [{ Idx: 1, Code: 16 }] });
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ AggregateProof: concat(b, a) })), Exit.ErrIllegalArgument, /no valid NI proofs/);
  });

  test("allocated numbers, duplicates, too many sectors and a short pledge are refused", () => {
    const s = call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params()).state;
    rejects(() => call(s, env(E + 1), M.ProveCommitSectorsNI, params()), Exit.ErrIllegalArgument, /already allocated/);
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ Sectors: [ni(n20), ni(n20)] })), Exit.ErrIllegalArgument, /duplicate/);
    rejects(() => call(genesisMiner(), env(E), M.ProveCommitSectorsNI, params({ Sectors: Array.from({ length: 66 }, (_, i) => ni(n20, { SectorNumber: 100 + i, SealingNumber: 100 + i })) })), Exit.ErrIllegalArgument, /1…65/);
    rejects(() => call(genesisMiner(2048n), env(E), M.ProveCommitSectorsNI, params()), Exit.ErrInsufficientFunds);
  });
});

describe("SubmitWindowedPoSt (5)", () => {
  // c1, c2 proven at 111 into deadline 0 partition 0; period 1's deadline 0: Challenge 476, open 480…489.
  let s0: MinerState;
  let both: Uint8Array;
  before(async () => {
    s0 = processDeadlineEnd(await onboard(genesisMiner(), [c1, c2], 100), env(482));
    both = await windowPoSt(476, [c1, c2]);
  });
  const submit = (s: MinerState, epoch: number, params: Uint8Array, caller?: number) => call(s, env(epoch), M.SubmitWindowedPoSt, params, caller);

  test("a valid proof activates the partition's sectors and records the submission", () => {
    const { state } = submit(s0, 482, postParams(0, [part(0)], both, 481));
    assert.deepEqual(views.power(state), { raw: 4096n, qa: 4096n });
    assert.deepEqual(toArr(views.deadlines(state)[0]!.PostSubmissions), [0]);
    assert.deepEqual(views.activeSectors(state).map((x) => x.SectorNumber), [1, 2]);
    assert.deepEqual(views.provingDeadline(state, 482, policy).Index, 0);
    rejects(() => submit(state, 483, postParams(0, [part(0)], both, 481)), Exit.ErrIllegalArgument, /already proven/);
  });

  test("the deadline must be open and the one named: another or a closed one exits 16", () => {
    rejects(() => submit(s0, 482, postParams(1, [part(0)], both, 481)), Exit.ErrIllegalArgument, /expected 0/);
    const closed = processDeadlineEnd(s0, env(490));
    rejects(() => submit(closed, 490, postParams(0, [part(0)], both, 481)), Exit.ErrIllegalArgument, /expected 1/);
    rejects(() => submit(s0, 482, postParams(48, [part(0)], both, 481)), Exit.ErrIllegalArgument, /invalid deadline/);
  });

  test("ChainCommitEpoch in [Challenge, current) with the tag-9 draw there", () => {
    submit(s0, 482, postParams(0, [part(0)], both, 476));
    rejects(() => submit(s0, 482, postParams(0, [part(0)], both, 475)), Exit.ErrIllegalArgument, /before the challenge/);
    rejects(() => submit(s0, 482, postParams(0, [part(0)], both, 482)), Exit.ErrIllegalArgument, /before the current/);
    rejects(() => submit(s0, 482, postParams(0, [part(0)], both, 481, { ChainCommitRand: new Uint8Array(32) })), Exit.ErrIllegalArgument, /tag-9/);
    rejects(() => submit(s0, 482, postParams(0, [part(0)], both, 481, { ChainCommitRand: new Uint8Array(33) })), Exit.ErrIllegalArgument, /at most 32/);
  });

  test("partitions: more than 3, duplicates and unknown indexes are refused", () => {
    rejects(() => submit(s0, 482, postParams(0, [part(0), part(1), part(2), part(3)], both, 481)), Exit.ErrIllegalArgument, /too many partitions/);
    rejects(() => submit(s0, 482, postParams(0, [part(0), part(0)], both, 481)), Exit.ErrIllegalArgument, /duplicate/);
    rejects(() => submit(s0, 482, postParams(0, [part(0), part(1)], both, 481)), Exit.ErrNotFound);
    rejects(() => submit(s0, 482, postParams(0, [part(0, [7])], both, 481)), Exit.ErrIllegalArgument, /outside the partition/);
  });

  test("exactly one PoStProof of the miner's window type", () => {
    rejects(() => submit(s0, 482, postParams(0, [part(0)], both, 481, { Proofs: [{ PoStProof: 11, ProofBytes: both }] })), Exit.ErrIllegalArgument, /window type/);
    rejects(() => submit(s0, 482, postParams(0, [part(0)], both, 481, { Proofs: [{ PoStProof: 0, ProofBytes: both }] })), Exit.ErrIllegalArgument, /window type/);
    rejects(() => submit(s0, 482, postParams(0, [part(0)], both, 481, { Proofs: [] })), Exit.ErrIllegalArgument, /exactly one/);
  });

  test("a corrupt proof, foreign bytes, the wrong randomness or the wrong sector list exit 16", async () => {
    const corrupt = both.slice();
    corrupt[corrupt.length - 5]! ^= 1;
    rejects(() => submit(s0, 482, postParams(0, [part(0)], corrupt, 481)), Exit.ErrIllegalArgument, /invalid WindowPoSt/);
    rejects(() => submit(s0, 482, postParams(0, [part(0)], new Uint8Array(192), 481)), Exit.ErrIllegalArgument, /one devnet WindowPoSt proof per partition/);
    const otherRand = await windowPoSt(477, [c1, c2]);
    const onlyOne = await windowPoSt(476, [c1]);
    rejects(() => submit(s0, 482, postParams(0, [part(0)], otherRand, 481)), Exit.ErrIllegalArgument, /randomness/);
    rejects(() => submit(s0, 482, postParams(0, [part(0)], onlyOne, 481)), Exit.ErrIllegalArgument, /expected \[1, 2\]/);
  });

  test("Skipped sectors turn faulty at once and are left out of the proof", async () => {
    const { state } = submit(s0, 482, postParams(0, [part(0, [2])], await windowPoSt(476, [c1]), 481));
    assert.deepEqual(toArr(views.faults(state)), [2]);
    assert.deepEqual(views.power(state), { raw: 2048n, qa: 2048n });
    rejects(() => submit(s0, 482, postParams(0, [part(0, [1, 2])], both, 481)), Exit.ErrIllegalArgument, /no active sectors/);
  });

  test("the caller must be the owner, worker or a control address (18)", () => {
    rejects(() => submit(s0, 482, postParams(0, [part(0)], both, 481), STRANGER), Exit.ErrForbidden);
    submit(s0, 482, postParams(0, [part(0)], both, 481), OWNER);
  });
});

describe("two proving periods: prove, miss, recover", () => {
  test("proven in period 1, skipped in period 2 ⇒ faulty, declared recovered and proven ⇒ active again", async () => {
    let s = await onboard(genesisMiner(), [c1, c2], 100);
    // Period 1, deadline 0 (open 480…489).
    s = processDeadlineEnd(s, env(481));
    s = call(s, env(481), M.SubmitWindowedPoSt, postParams(0, [part(0)], await windowPoSt(476, [c1, c2]), 480)).state;
    s = processDeadlineEnd(s, env(490));
    assert.equal(s.CurrentDeadline, 1);
    assert.deepEqual(toArr(views.faults(s)), []);
    assert.deepEqual(views.power(s), { raw: 4096n, qa: 4096n });
    assert.deepEqual(toArr(views.deadlines(s)[0]!.PostSubmissions), [], "submissions cleared at Close");

    // Period 2: no proof for deadline 0 (960…969) ⇒ faulty at its Close.
    s = processDeadlineEnd(s, env(969));
    assert.equal(s.ProvingPeriodStart, 960);
    assert.deepEqual(toArr(views.faults(s)), []);
    s = processDeadlineEnd(s, env(970));
    assert.deepEqual(toArr(views.faults(s)), [1, 2]);
    assert.deepEqual(views.power(s), { raw: 0n, qa: 0n });
    assert.deepEqual(toArr(views.partitions(s, 0)[0]!.ActiveSectors), []);

    // Recovery for period 3's deadline 0 (FaultCutoff 1434); it stays faulty until proven.
    const recover = (epoch: number, st: MinerState) =>
      call(st, env(epoch), M.DeclareFaultsRecovered, DeclareFaultsRecoveredParams.encode({ Recoveries: [{ Deadline: 0, Partition: 0, Sectors: bf(1, 2) }] }));
    rejects(() => recover(1434, processDeadlineEnd(s, env(1434))), Exit.ErrIllegalArgument, /late recovery/);
    s = recover(1000, processDeadlineEnd(s, env(1000))).state;
    assert.deepEqual(toArr(views.recoveries(s)), [1, 2]);
    assert.deepEqual(views.power(s), { raw: 0n, qa: 0n });

    // Without a proof the recovery fails at Close and the sectors stay faulty.
    const missed = processDeadlineEnd(s, env(1450));
    assert.deepEqual(toArr(views.faults(missed)), [1, 2]);
    assert.deepEqual(toArr(views.recoveries(missed)), []);

    // With the proof they are active again.
    s = processDeadlineEnd(s, env(1442));
    s = call(s, env(1442), M.SubmitWindowedPoSt, postParams(0, [part(0)], await windowPoSt(1436, [c1, c2]), 1441)).state;
    assert.deepEqual(toArr(views.faults(s)), []);
    assert.deepEqual(toArr(views.recoveries(s)), []);
    assert.deepEqual(views.power(s), { raw: 4096n, qa: 4096n });
    s = processDeadlineEnd(s, env(1450));
    assert.deepEqual(views.power(s), { raw: 4096n, qa: 4096n });
  });

  test("a sector faulty for FaultMaxAge is terminated and its pledge released", () => {
    return (async () => {
      let s = await onboard(genesisMiner(), [c1, c2], 100);
      s = processDeadlineEnd(s, env(490)); // missed in period 1: faulty, fault expiration 489 + 20,160
      assert.deepEqual(toArr(views.faults(s)), [1, 2]);
      s = processDeadlineEnd(s, env(489 + policy.FaultMaxAge));
      assert.deepEqual(toArr(views.partitions(s, 0)[0]!.LiveSectors), [1, 2]);
      s = processDeadlineEnd(s, env(490 + policy.FaultMaxAge));
      assert.deepEqual(toArr(views.partitions(s, 0)[0]!.LiveSectors), []);
      assert.deepEqual(toArr(views.faults(s)), []);
      assert.equal(s.InitialPledge, 0n);
    })();
  });

  test("a pre-commit not proven within MaxProveCommitDuration loses its deposit at a deadline end (burnt)", () => {
    const s = call(genesisMiner(10_000n), env(100), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)])).state;
    const due = 100 + 86_410;
    const kept = processDeadlineEnd(s, env(due - 10));
    assert.ok(views.preCommitInfo(kept, 1));
    const gone = processDeadlineEnd(s, env(due + 10));
    assert.equal(views.preCommitInfo(gone, 1), null);
    assert.equal(gone.Burnt, 2048n);
    assert.equal(gone.Balance, 10_000n - 2048n);
    assert.equal(gone.PreCommitDeposits, 0n);
    assert.ok(views.isAllocated(gone, 1), "the number stays allocated");
  });
});

describe("DeclareFaults (10), DeclareFaultsRecovered (11), TerminateSectors (9), ExtendSectorExpiration2 (32), CompactPartitions (19), WithdrawBalance (16)", () => {
  let proven: MinerState; // c1, c2 active in deadline 0 after period 1's proof; epoch 490
  before(async () => {
    let s = processDeadlineEnd(await onboard(genesisMiner(), [c1, c2], 100), env(481));
    s = call(s, env(481), M.SubmitWindowedPoSt, postParams(0, [part(0)], await windowPoSt(476, [c1, c2]), 480)).state;
    proven = processDeadlineEnd(s, env(490));
  });
  const faultsAt = (s: MinerState, epoch: number, decls: DeclareFaultsParams["Faults"]) =>
    call(processDeadlineEnd(s, env(epoch)), env(epoch), M.DeclareFaults, DeclareFaultsParams.encode({ Faults: decls }));

  test("faults before the FaultCutoff drop power at once; after it, 16", () => {
    const { state } = faultsAt(proven, 700, [{ Deadline: 0, Partition: 0, Sectors: bf(1) }]);
    assert.deepEqual(toArr(views.faults(state)), [1]);
    assert.deepEqual(views.power(state), { raw: 2048n, qa: 2048n });
    rejects(() => faultsAt(proven, 954, [{ Deadline: 0, Partition: 0, Sectors: bf(1) }]), Exit.ErrIllegalArgument, /late fault/);
    rejects(() => faultsAt(proven, 700, [{ Deadline: 0, Partition: 1, Sectors: bf(1) }]), Exit.ErrNotFound);
    rejects(() => faultsAt(proven, 700, [{ Deadline: 0, Partition: 0, Sectors: bf(3) }]), Exit.ErrIllegalArgument, /not all sectors/);
    rejects(() => faultsAt(proven, 700, [{ Deadline: 48, Partition: 0, Sectors: bf(1) }]), Exit.ErrIllegalArgument);
    rejects(() => call(proven, env(700), M.DeclareFaults, DeclareFaultsParams.encode({ Faults: [] }), STRANGER), Exit.ErrForbidden);
  });

  test("a declared fault is then proven recovered at the next PoSt; a missed deadline faults the rest", async () => {
    let s = faultsAt(proven, 700, [{ Deadline: 0, Partition: 0, Sectors: bf(2) }]).state;
    s = call(s, env(701), M.DeclareFaultsRecovered, DeclareFaultsRecoveredParams.encode({ Recoveries: [{ Deadline: 0, Partition: 0, Sectors: bf(2) }] })).state;
    s = processDeadlineEnd(s, env(962));
    s = call(s, env(962), M.SubmitWindowedPoSt, postParams(0, [part(0)], await windowPoSt(956, [c1, c2]), 961)).state;
    assert.deepEqual(views.power(s), { raw: 4096n, qa: 4096n });
    s = processDeadlineEnd(s, env(1450)); // period 3 missed
    assert.deepEqual(toArr(views.faults(s)), [1, 2]);
  });

  test("terminate: only in a mutable deadline (16 otherwise), only live sectors; pledge released", () => {
    const term = (epoch: number, sectors: BitField, dl = 0) =>
      call(processDeadlineEnd(proven, env(epoch)), env(epoch), M.TerminateSectors, TerminateSectorsParams.encode({ Terminations: [{ Deadline: dl, Partition: 0, Sectors: sectors }] }));
    const { state, ret } = term(700, bf(1));
    assert.deepEqual(TerminateSectorsReturn.decode(ret), { Done: true });
    assert.deepEqual(toArr(views.partitions(state, 0)[0]!.LiveSectors), [2]);
    assert.equal(state.InitialPledge, 2048n);
    assert.deepEqual(views.power(state), { raw: 2048n, qa: 2048n });
    rejects(() => term(950, bf(1)), Exit.ErrIllegalArgument, /immutable/);
    rejects(() => call(state, env(701), M.TerminateSectors, TerminateSectorsParams.encode({ Terminations: [{ Deadline: 0, Partition: 0, Sectors: bf(1) }] })), Exit.ErrIllegalArgument, /live sectors/);
    rejects(() => term(700, bf(1), 5), Exit.ErrNotFound);
  });

  test("extend: later expirations within the bounds; shorter 16, too long 16, inactive 20", () => {
    const ext = (s: MinerState, NewExpiration: number, sectors = bf(1)) =>
      call(s, env(700), M.ExtendSectorExpiration2, ExtendSectorExpiration2Params.encode({ Extensions: [{ Deadline: 0, Partition: 0, Sectors: sectors, SectorsWithClaims: [], NewExpiration }] }));
    const { state } = ext(proven, EXPIRATION + 10_000);
    assert.equal(views.sectorInfo(state, 1)!.Expiration, EXPIRATION + 10_000);
    assert.equal(views.sectorInfo(state, 1)!.PowerBaseEpoch, 700);
    assert.deepEqual(views.power(state), { raw: 4096n, qa: 4096n });
    rejects(() => ext(proven, EXPIRATION - 1), Exit.ErrIllegalArgument, /reduce/);
    rejects(() => ext(proven, 700 + policy.MaxSectorExpirationExtension + 1), Exit.ErrIllegalArgument, /MaxSectorExpirationExtension/);
    const faulty = faultsAt(proven, 700, [{ Deadline: 0, Partition: 0, Sectors: bf(1) }]).state;
    rejects(() => ext(faulty, EXPIRATION + 10_000), Exit.ErrIllegalState, /inactive/);
    rejects(() => call(proven, env(700), M.ExtendSectorExpiration2, ExtendSectorExpiration2Params.encode({ Extensions: [{ Deadline: 0, Partition: 3, Sectors: bf(1), SectorsWithClaims: [], NewExpiration: EXPIRATION + 1 }] })), Exit.ErrNotFound);
  });

  test("compact: removes terminated sectors outside the deadline's busy and dispute windows", () => {
    const term = call(proven, env(700), M.TerminateSectors, TerminateSectorsParams.encode({ Terminations: [{ Deadline: 0, Partition: 0, Sectors: bf(1) }] })).state;
    const compact = (s: MinerState, epoch: number) =>
      call(s, env(epoch), MinerExtraMethod.CompactPartitions, CompactPartitionsParams.encode({ Deadline: 0, Partitions: bf(0) }));
    const { state } = compact(term, 700);
    assert.deepEqual(toArr(views.partitions(state, 0)[0]!.AllSectors), [2]);
    assert.equal(views.sectorInfo(state, 1), null, "terminated sector infos are deleted");
    assert.deepEqual(views.power(state), { raw: 2048n, qa: 2048n });
    rejects(() => compact(term, 500), Exit.ErrForbidden); // within the dispute window after deadline 0 closed at 490
    rejects(() => compact(term, 955), Exit.ErrForbidden); // deadline 0 is next
    const faulty = faultsAt(term, 700, [{ Deadline: 0, Partition: 0, Sectors: bf(2) }]).state;
    rejects(() => compact(faulty, 701), Exit.ErrIllegalArgument, /has faults/);
  });

  test("withdraw: owner only, at most the available balance, returned as a BigInt", () => {
    const w = (amount: bigint, caller = OWNER) =>
      call(proven, env(700), MinerExtraMethod.WithdrawBalance, WithdrawBalanceParams.encode({ AmountRequested: amount }), caller);
    const available = views.availableBalance(proven);
    const { state, ret, sent } = w(1000n);
    assert.equal(readFilBigInt(decodeCbor(ret), "ret"), 1000n);
    assert.deepEqual(sent, [{ to: OWNER, amount: 1000n }]);
    assert.equal(views.availableBalance(state), available - 1000n);
    const all = w(available * 2n);
    assert.equal(readFilBigInt(decodeCbor(all.ret), "ret"), available);
    assert.equal(all.state.Balance, proven.InitialPledge);
    rejects(() => w(1n, WORKER), Exit.ErrForbidden);
    rejects(() => call(proven, env(700), MinerExtraMethod.WithdrawBalance, encodeCbor([filBigInt(-1n)])), Exit.ErrIllegalArgument, /negative/);
  });
});

describe("chain hooks and verified claims (hand-built state)", () => {
  function verifiedMiner(): MinerState {
    const s = genesisMiner();
    const duration = EXPIRATION - 111;
    s.Sectors.set(7, {
      SectorNumber: 7, SealProof: 5, SealedCID: c1.sealedCid, DeprecatedDealIDs: [], Activation: 111, Expiration: EXPIRATION,
      DealWeight: 0n, VerifiedDealWeight: 1024n * BigInt(duration), InitialPledge: 2048n + 9216n, ExpectedDayReward: null,
      ExpectedStoragePledge: null, PowerBaseEpoch: 111, ReplacedDayReward: null, SectorKeyCID: null, Flags: 1, DailyFee: 0n,
    });
    s.Deadlines[3]!.Partitions.push({ ...emptyPartition(), Sectors: bf(7) });
    s.InitialPledge = 2048n + 9216n;
    s.AllocatedSectors = bf(7);
    return s;
  }
  const emptyPartition = () => ({ Sectors: BitField.EMPTY, Unproven: BitField.EMPTY, Faults: BitField.EMPTY, Recoveries: BitField.EMPTY, Terminated: BitField.EMPTY, FaultExpirations: new Map<number, number>() });

  test("a sector with verified bytes extends only through SectorsWithClaims, keeping its QA power", () => {
    const s = verifiedMiner();
    assert.deepEqual(views.power(s), { raw: 2048n, qa: 2048n + 9216n });
    // Epoch 25: deadline 3 (open 30) has not closed yet, so the hand-built sector is still active.
    const ext = (over: Partial<ExtendSectorExpiration2Params["Extensions"][number]>) =>
      call(s, env(25), M.ExtendSectorExpiration2, ExtendSectorExpiration2Params.encode({ Extensions: [{ Deadline: 3, Partition: 0, Sectors: BitField.EMPTY, SectorsWithClaims: [], NewExpiration: EXPIRATION + 5000, ...over }] }));
    rejects(() => ext({ Sectors: bf(7) }), Exit.ErrIllegalArgument, /claim missing/);
    rejects(() => ext({ SectorsWithClaims: [{ SectorNumber: 7, MaintainClaims: [], DropClaims: [3] }] }), Exit.ErrIllegalArgument, /dropped/);
    const { state } = ext({ SectorsWithClaims: [{ SectorNumber: 7, MaintainClaims: [3], DropClaims: [] }] });
    assert.equal(views.sectorInfo(state, 7)!.Expiration, EXPIRATION + 5000);
    assert.equal(views.sectorInfo(state, 7)!.VerifiedDealWeight, 1024n * BigInt(EXPIRATION + 5000 - 25));
    assert.deepEqual(views.power(state), { raw: 2048n, qa: 2048n + 9216n });
  });

  test("method 0 (send) adds the value; messages process closed deadlines first and report burnt deposits", () => {
    const s = genesisMiner(0n);
    const sent = call(s, env(5), MinerExtraMethod.Send, new Uint8Array(0), STRANGER, 99n);
    assert.equal(sent.state.Balance, 99n);
    assert.equal(sent.ret.length, 0);
    const pre = call(s, env(100), M.PreCommitSectorBatch2, preCommitParams([preCommitInfo(c1)]), undefined, 2048n).state;
    assert.equal(pre.CurrentDeadline, 10, "deadlines 0…9 closed before epoch 100");
    const late = 100 + 86_410 + 20;
    const r = call(pre, env(late), MinerExtraMethod.Send, new Uint8Array(0), STRANGER, 1n);
    assert.equal(r.burnt, 2048n);
    assert.equal(r.state.Balance, 1n);
    assert.equal(processDeadlineEnd(pre, env(late)).Burnt, 2048n);
    const same = processDeadlineEnd(r.state, env(late));
    assert.equal(same, r.state, "nothing to do: the same state comes back");
    assert.equal(nextDeadlineClose(r.state, policy) > late, true);
    assert.equal(cronTick, processDeadlineEnd);
  });
});
