// Miner state: creation (proving period offset, info of the seal type), clones that share nothing mutable, and
// the JSON text the chain keeps in SQLite.
import assert from "node:assert/strict";
import { test } from "node:test";
import { idAddress } from "../../../src/filecoin/address.js";
import { BitField } from "../../../src/filecoin/bitfield.js";
import { commDToCid, commRToCid } from "../../../src/filecoin/cid.js";
import { assignProvingPeriodOffset, currentProvingPeriodStart } from "../../../src/filecoin/deadlines.js";
import { DEVNET_POLICY, MAINNET_POLICY } from "../../../src/filecoin/policy.js";
import { ActorError, ensure } from "../../../src/devnet/actors/actor-error.js";
import {
  cloneMinerState,
  deserializeMinerState,
  newMinerState,
  newPartition,
  serializeMinerState,
  type MinerState,
} from "../../../src/devnet/actors/miner-state.js";

const policy = DEVNET_POLICY;
const base = { id: 1000, owner: 100, worker: 101, sealProofType: 5, policy };

test("a new 2KiB miner: info of the V1_1 type and builtin-actors' proving period offset", () => {
  const s = newMinerState({ ...base, epoch: 0 });
  const offset = assignProvingPeriodOffset(idAddress(1000), 0, policy);
  assert.ok(offset >= 0 && offset < 480);
  assert.equal(s.ProvingPeriodStart, currentProvingPeriodStart(0, offset, policy));
  assert.ok(s.ProvingPeriodStart <= 0 && s.ProvingPeriodStart > -480);
  assert.equal(s.CurrentDeadline, Math.trunc((0 - s.ProvingPeriodStart) / 10));
  assert.deepEqual(
    { ...s.Info },
    { Owner: 100, Worker: 101, ControlAddresses: [], PeerId: null, Multiaddrs: [], SealProofType: 5, WindowPoStProofType: 10, SectorSize: 2048, WindowPoStPartitionSectors: 2, ConsensusFaultElapsed: -1 },
  );
  assert.equal(s.Deadlines.length, 48);
  assert.equal(s.Balance, 0n);
  assert.equal(s.AllocatedSectors.size, 0);
});

test("an explicit offset fixes the period; the 8MiB and 512MiB types get window types 11 and 12", () => {
  const s = newMinerState({ ...base, epoch: 1000, provingPeriodOffset: 30, balance: 5n });
  assert.equal(s.ProvingPeriodStart, 990); // 990 ≡ 30 (mod 480), the latest start ≤ 1000
  assert.equal(s.CurrentDeadline, 1);
  assert.equal(s.Balance, 5n);
  assert.equal(newMinerState({ ...base, sealProofType: 6, epoch: 0 }).Info.WindowPoStProofType, 11);
  assert.equal(newMinerState({ ...base, sealProofType: 7, epoch: 0 }).Info.SectorSize, 512 * 1024 * 1024);
});

test("creation refuses NI or foreign seal types, a mismatched size and an offset outside the period", () => {
  assert.throws(() => newMinerState({ ...base, sealProofType: 15, epoch: 0 }), /not a pre-commit seal type/);
  assert.throws(() => newMinerState({ ...base, epoch: 0, policy: MAINNET_POLICY }), /not a pre-commit seal type/);
  assert.throws(() => newMinerState({ ...base, sectorSize: 8 << 20, epoch: 0 }), /does not match seal proof 5/);
  assert.throws(() => newMinerState({ ...base, epoch: 0, provingPeriodOffset: 480 }), /offset 480/);
});

function populated(): MinerState {
  const s = newMinerState({ ...base, controlAddresses: [102], epoch: 0, provingPeriodOffset: 0, balance: 10n ** 20n });
  const commR = new Uint8Array(32).fill(3);
  const commD = new Uint8Array(32).fill(4);
  s.Info.PeerId = Uint8Array.of(1, 2, 3);
  s.PreCommittedSectors.set(9, {
    Info: { SealProof: 5, SectorNumber: 9, SealedCID: commRToCid(commR), SealRandEpoch: 0, DealIDs: [], Expiration: 700_000, UnsealedCid: commDToCid(commD) },
    PreCommitDeposit: 2048n,
    PreCommitEpoch: 100,
  });
  s.PreCommitDeposits = 2048n;
  s.Sectors.set(1, {
    SectorNumber: 1, SealProof: 5, SealedCID: commRToCid(commR), DeprecatedDealIDs: [], Activation: 111, Expiration: 700_000,
    DealWeight: 0n, VerifiedDealWeight: 2048n * 699_889n, InitialPledge: 20_480n, ExpectedDayReward: null, ExpectedStoragePledge: null,
    PowerBaseEpoch: 111, ReplacedDayReward: null, SectorKeyCID: null, Flags: 1, DailyFee: 0n,
  });
  const p = newPartition();
  p.Sectors = BitField.fromSet([1, 2]);
  p.Faults = BitField.fromSet([2]);
  p.FaultExpirations.set(2, 20_649);
  s.Deadlines[0]!.Partitions.push(p);
  s.Deadlines[0]!.PostSubmissions = BitField.fromSet([0]);
  s.AllocatedSectors = BitField.fromSet([1, 2, 9]);
  s.Burnt = 7n;
  return s;
}

test("serialize → deserialize restores bigints, bitfields, CIDs, bytes and maps exactly", () => {
  const s = populated();
  const text = serializeMinerState(s);
  assert.match(text, /"\$bigint":"100000000000000000000"/);
  const back = deserializeMinerState(text);
  assert.equal(serializeMinerState(back), text);
  assert.equal(typeof back.Balance, "bigint");
  assert.equal(back.Burnt, 7n);
  assert.ok(back.AllocatedSectors instanceof BitField);
  assert.deepEqual(back.AllocatedSectors.toArray(), [1, 2, 9]);
  assert.deepEqual(back.Info.PeerId, Uint8Array.of(1, 2, 3));
  assert.ok(back.Sectors instanceof Map && back.PreCommittedSectors instanceof Map);
  const sector = back.Sectors.get(1)!;
  assert.equal(sector.SealedCID.toString(), s.Sectors.get(1)!.SealedCID.toString());
  assert.ok(sector.SealedCID.equals(s.Sectors.get(1)!.SealedCID));
  assert.equal(sector.VerifiedDealWeight, 2048n * 699_889n);
  assert.equal(sector.ExpectedDayReward, null);
  assert.equal(back.PreCommittedSectors.get(9)!.Info.UnsealedCid!.toString(), s.PreCommittedSectors.get(9)!.Info.UnsealedCid!.toString());
  const part = back.Deadlines[0]!.Partitions[0]!;
  assert.deepEqual(part.Faults.toArray(), [2]);
  assert.equal(part.FaultExpirations.get(2), 20_649);
  assert.deepEqual(back.Deadlines[0]!.PostSubmissions.toArray(), [0]);
  assert.throws(() => deserializeMinerState('{"a":1}'), /lacks Id/);
});

test("a clone shares nothing mutable with its source", () => {
  const s = populated();
  const before = serializeMinerState(s);
  const c = cloneMinerState(s);
  c.Info.ControlAddresses.push(103);
  c.Sectors.get(1)!.Expiration = 1;
  c.Sectors.delete(1);
  c.PreCommittedSectors.get(9)!.Info.DealIDs.push(5);
  c.Deadlines[0]!.Partitions[0]!.FaultExpirations.set(1, 5);
  c.Deadlines[0]!.Partitions[0]!.Faults = BitField.EMPTY;
  c.Deadlines[0]!.Partitions.push(newPartition());
  c.Balance = 0n;
  assert.equal(serializeMinerState(s), before);
});

test("ActorError carries its exit code; ensure throws it", () => {
  const e = new ActorError(16, "bad");
  assert.equal(e.exitCode, 16);
  assert.equal(e.name, "ActorError");
  assert.ok(e instanceof Error);
  ensure(true, 16, "unused");
  assert.throws(() => ensure(false, 19, () => "short"), (x: unknown) => x instanceof ActorError && x.exitCode === 19 && x.message === "short");
});
