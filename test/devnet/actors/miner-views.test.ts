// Read-only views the Lotus API serves, over a hand-built miner state (no proofs needed).
import assert from "node:assert/strict";
import { test } from "node:test";
import { BitField } from "../../../src/filecoin/bitfield.js";
import { commRToCid } from "../../../src/filecoin/cid.js";
import { DEVNET_POLICY, MAINNET_POLICY } from "../../../src/filecoin/policy.js";
import { newMinerState, newPartition, type MinerState, type SectorOnChainInfo } from "../../../src/devnet/actors/miner-state.js";
import * as views from "../../../src/devnet/actors/miner-views.js";

const bf = (...n: number[]): BitField => BitField.fromSet(n);

function sector(n: number, verifiedBytes = 0n): SectorOnChainInfo {
  const duration = 700_000 - 111;
  return {
    SectorNumber: n, SealProof: 5, SealedCID: commRToCid(new Uint8Array(32).fill(n)), DeprecatedDealIDs: [], Activation: 111, Expiration: 700_000,
    DealWeight: 0n, VerifiedDealWeight: verifiedBytes * BigInt(duration), InitialPledge: 2048n + 9n * verifiedBytes, ExpectedDayReward: null,
    ExpectedStoragePledge: null, PowerBaseEpoch: 111, ReplacedDayReward: null, SectorKeyCID: null, Flags: 1, DailyFee: 0n,
  };
}

/** Deadline 0: partition 0 = {1 active, 2 faulty and recovering}, partition 1 = {3 unproven, 4 terminated}; deadline 5: {6 verified}. */
function miner(): MinerState {
  const s = newMinerState({ id: 1000, owner: 100, worker: 101, controlAddresses: [102], sealProofType: 5, epoch: 0, provingPeriodOffset: 0, policy: DEVNET_POLICY, balance: 100_000n });
  for (const n of [1, 2, 3, 4]) s.Sectors.set(n, sector(n));
  s.Sectors.set(6, sector(6, 1024n));
  const p0 = newPartition();
  p0.Sectors = bf(1, 2);
  p0.Faults = bf(2);
  p0.Recoveries = bf(2);
  const p1 = newPartition();
  p1.Sectors = bf(3, 4);
  p1.Unproven = bf(3);
  p1.Terminated = bf(4);
  s.Deadlines[0]!.Partitions.push(p0, p1);
  s.Deadlines[0]!.PostSubmissions = bf(1);
  const p2 = newPartition();
  p2.Sectors = bf(6);
  s.Deadlines[5]!.Partitions.push(p2);
  s.AllocatedSectors = bf(1, 2, 3, 4, 6, 7);
  s.InitialPledge = 4n * 2048n + 2048n + 9n * 1024n;
  s.PreCommitDeposits = 2048n;
  return s;
}

test("minerInfo has Lotus's MinerInfo fields with the owner as beneficiary", () => {
  const i = views.minerInfo(miner());
  assert.equal(i.Owner, 100);
  assert.equal(i.Worker, 101);
  assert.deepEqual(i.ControlAddresses, [102]);
  assert.equal(i.WindowPoStProofType, 10);
  assert.equal(i.SectorSize, 2048);
  assert.equal(i.WindowPoStPartitionSectors, 2);
  assert.equal(i.Beneficiary, 100);
  assert.equal(i.NewWorker, null);
  assert.equal(i.WorkerChangeEpoch, -1);
  assert.equal(i.ConsensusFaultElapsed, -1);
});

test("provingDeadline is the deadline open at the epoch, with the policy's numbers", () => {
  const s = miner();
  const d = views.provingDeadline(s, 1234, DEVNET_POLICY);
  assert.deepEqual(
    { ...d },
    {
      CurrentEpoch: 1234, PeriodStart: 960, Index: 27, Open: 1230, Close: 1240, Challenge: 1226, FaultCutoff: 1224,
      WPoStPeriodDeadlines: 48, WPoStProvingPeriod: 480, WPoStChallengeWindow: 10, WPoStChallengeLookback: 4, FaultDeclarationCutoff: 6,
    },
  );
  const m = views.provingDeadline(s, 5000, MAINNET_POLICY);
  assert.equal(m.PeriodStart, 2880);
  assert.equal(m.Index, Math.trunc((5000 - 2880) / 60));
  assert.equal(views.provingDeadline(s, 0, DEVNET_POLICY).Index, 0);
});

test("deadlines and partitions: all, faulty, recovering, live and active sectors", () => {
  const s = miner();
  const dls = views.deadlines(s);
  assert.equal(dls.length, 48);
  assert.deepEqual(dls[0]!.PostSubmissions.toArray(), [1]);
  assert.equal(dls[0]!.DisputableProofCount, 0);
  const [p0, p1] = views.partitions(s, 0);
  assert.deepEqual(
    Object.fromEntries(Object.entries(p0!).map(([k, v]) => [k, v.toArray()])),
    { AllSectors: [1, 2], FaultySectors: [2], RecoveringSectors: [2], LiveSectors: [1, 2], ActiveSectors: [1] },
  );
  assert.deepEqual(p1!.LiveSectors.toArray(), [3]);
  assert.deepEqual(p1!.ActiveSectors.toArray(), [], "unproven sectors have no power yet");
  assert.deepEqual(views.partitions(s, 47), []);
  assert.throws(() => views.partitions(s, 48), /deadline index 48/);
});

test("sector lookups: info, partition, allocation, faults, recoveries, active and listed sectors", () => {
  const s = miner();
  assert.equal(views.sectorInfo(s, 6)!.InitialPledge, 2048n + 9216n);
  assert.equal(views.sectorInfo(s, 99), null);
  assert.deepEqual(views.sectorPartition(s, 4), { Deadline: 0, Partition: 1 });
  assert.deepEqual(views.sectorPartition(s, 6), { Deadline: 5, Partition: 0 });
  assert.equal(views.sectorPartition(s, 7), null);
  assert.deepEqual(views.allocated(s).toArray(), [1, 2, 3, 4, 6, 7]);
  assert.ok(views.isAllocated(s, 7));
  assert.ok(!views.isAllocated(s, 8));
  assert.deepEqual(views.faults(s).toArray(), [2]);
  assert.deepEqual(views.recoveries(s).toArray(), [2]);
  assert.deepEqual(views.activeSectors(s).map((x) => x.SectorNumber), [1, 6]);
  assert.deepEqual(views.sectors(s).map((x) => x.SectorNumber), [1, 2, 3, 4, 6]);
  assert.deepEqual(views.sectors(s, bf(2, 6, 8)).map((x) => x.SectorNumber), [2, 6]);
  assert.equal(views.preCommitInfo(s, 1), null);
  assert.deepEqual(views.preCommittedSectors(s), []);
});

test("power counts active sectors only, verified bytes 10×; the available balance excludes deposits and pledge", () => {
  const s = miner();
  assert.deepEqual(views.power(s), { raw: 4096n, qa: 2048n + 2048n + 9n * 1024n });
  assert.equal(views.availableBalance(s), 100_000n - 2048n - (4n * 2048n + 2048n + 9216n));
});
