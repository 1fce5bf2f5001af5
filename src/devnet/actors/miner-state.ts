// The devnet miner actor's state (builtin-actors actors/miner/src/state.rs, kept as plain objects instead of
// HAMTs and AMTs): info, money, pre-commits, sectors, 48 deadlines of partitions. Field names follow the Go/Lotus
// names where one exists. The chain stores it as JSON text (serializeMinerState) in SQLite.
import { CID } from "multiformats/cid";
import { idAddress } from "../../filecoin/address.js";
import { BitField } from "../../filecoin/bitfield.js";
import { assignProvingPeriodOffset, currentDeadlineIndex, currentProvingPeriodStart } from "../../filecoin/deadlines.js";
import type { SectorPreCommitInfo } from "../../filecoin/miner-params.js";
import type { Policy } from "../../filecoin/policy.js";
import { sealProofType } from "../../filecoin/proof-types.js";
import { sectorParams } from "../../filecoin/sizes.js";

/** Lotus MinerInfo, with actor ids for addresses (the API layer formats them) plus the seal type. */
export interface MinerInfo {
  Owner: number;
  Worker: number;
  ControlAddresses: number[];
  PeerId: Uint8Array | null;
  Multiaddrs: Uint8Array[];
  /** The V1_1 seal type of the miner's size; pre-commits may use any seal type with the same window type. */
  SealProofType: number;
  WindowPoStProofType: number;
  SectorSize: number;
  WindowPoStPartitionSectors: number;
  ConsensusFaultElapsed: number;
}

export interface SectorPreCommitOnChainInfo {
  Info: SectorPreCommitInfo;
  PreCommitDeposit: bigint;
  PreCommitEpoch: number;
}

/** builtin-actors SectorOnChainInfo (Lotus JSON field names). */
export interface SectorOnChainInfo {
  SectorNumber: number;
  SealProof: number;
  SealedCID: CID;
  DeprecatedDealIDs: number[];
  Activation: number;
  Expiration: number;
  /** Unverified piece bytes × (Expiration − PowerBaseEpoch). */
  DealWeight: bigint;
  /** Claimed verified bytes × (Expiration − PowerBaseEpoch): QA power = size + 9 × this / duration. */
  VerifiedDealWeight: bigint;
  InitialPledge: bigint;
  ExpectedDayReward: bigint | null;
  ExpectedStoragePledge: bigint | null;
  PowerBaseEpoch: number;
  ReplacedDayReward: bigint | null;
  SectorKeyCID: CID | null;
  /** 1 = SIMPLE_QA_POWER, set on every sector activated since actors v12. */
  Flags: number;
  DailyFee: bigint;
}

/**
 * builtin-actors Partition without the queues: a sector is live until terminated; faulty sectors lose power;
 * unproven sectors (activated, not yet WindowPoSted) have no power yet (builtin-actors partition_state.rs).
 */
export interface Partition {
  /** Every sector assigned here, including faulty, unproven and terminated ones. */
  Sectors: BitField;
  Unproven: BitField;
  Faults: BitField;
  /** Faulty sectors declared recovered; they recover when the next WindowPoSt proves them. */
  Recoveries: BitField;
  Terminated: BitField;
  /** Faulty sector → the deadline-end epoch at which it is terminated if still faulty (FaultMaxAge). */
  FaultExpirations: Map<number, number>;
}

export interface Deadline {
  Partitions: Partition[];
  /** Partitions proven in the current occurrence of the deadline; cleared when it ends. */
  PostSubmissions: BitField;
}

export interface MinerState {
  Id: number;
  Info: MinerInfo;
  /** The actor's whole balance (attoFIL); messages' Value lands here. */
  Balance: bigint;
  PreCommitDeposits: bigint;
  InitialPledge: bigint;
  /** Any epoch congruent to the proving period start; advanced by a period after the last deadline. */
  ProvingPeriodStart: number;
  /** The next deadline to be processed at its Close. */
  CurrentDeadline: number;
  Deadlines: Deadline[];
  PreCommittedSectors: Map<number, SectorPreCommitOnChainInfo>;
  Sectors: Map<number, SectorOnChainInfo>;
  /** Every number ever pre-committed or activated. */
  AllocatedSectors: BitField;
  /** Total attoFIL burnt from this actor (expired pre-commit deposits); the chain credits f099 with the growth. */
  Burnt: bigint;
}

export interface NewMinerStateInput {
  id: number;
  owner: number;
  worker: number;
  controlAddresses?: number[];
  /** The miner's V1_1 seal proof type (devnet.md §2.4), which fixes the size and window type. */
  sealProofType: number;
  /** Checked against the seal type when given. */
  sectorSize?: number;
  /** Proving period offset in [0, WPoStProvingPeriod); default builtin-actors' hash of the address and epoch. */
  provingPeriodOffset?: number;
  /** Creation epoch. */
  epoch: number;
  policy: Policy;
  balance?: bigint;
}

export function newPartition(): Partition {
  return {
    Sectors: BitField.EMPTY,
    Unproven: BitField.EMPTY,
    Faults: BitField.EMPTY,
    Recoveries: BitField.EMPTY,
    Terminated: BitField.EMPTY,
    FaultExpirations: new Map(),
  };
}

/** builtin-actors miner constructor: info, and the proving period start and deadline of the creation epoch. */
export function newMinerState(p: NewMinerStateInput): MinerState {
  const seal = sealProofType(p.sealProofType);
  if (!p.policy.AllowedSealProofs.includes(seal.id) || seal.kind === "ni")
    throw new RangeError(`seal proof ${seal.id} is not a pre-commit seal type of policy ${p.policy.NetworkName}`);
  if (p.sectorSize !== undefined && p.sectorSize !== seal.sectorSize)
    throw new RangeError(`sector size ${p.sectorSize} does not match seal proof ${seal.id} (${seal.sectorSize} bytes)`);
  const period = p.policy.WPoStProvingPeriod;
  const offset = p.provingPeriodOffset ?? assignProvingPeriodOffset(idAddress(p.id), p.epoch, p.policy);
  if (!Number.isInteger(offset) || offset < 0 || offset >= period)
    throw new RangeError(`proving period offset ${offset} must be an integer in [0, ${period})`);
  const periodStart = currentProvingPeriodStart(p.epoch, offset, p.policy);
  return {
    Id: p.id,
    Info: {
      Owner: p.owner,
      Worker: p.worker,
      ControlAddresses: [...(p.controlAddresses ?? [])],
      PeerId: null,
      Multiaddrs: [],
      SealProofType: seal.id,
      WindowPoStProofType: seal.windowPostProof,
      SectorSize: seal.sectorSize,
      WindowPoStPartitionSectors: sectorParams(seal.sectorSize).windowPostPartitionSectors,
      ConsensusFaultElapsed: -1,
    },
    Balance: p.balance ?? 0n,
    PreCommitDeposits: 0n,
    InitialPledge: 0n,
    ProvingPeriodStart: periodStart,
    CurrentDeadline: currentDeadlineIndex(p.epoch, periodStart, p.policy),
    Deadlines: Array.from({ length: p.policy.WPoStPeriodDeadlines }, () => ({ Partitions: [], PostSubmissions: BitField.EMPTY })),
    PreCommittedSectors: new Map(),
    Sectors: new Map(),
    AllocatedSectors: BitField.EMPTY,
    Burnt: 0n,
  };
}

// BitFields and CIDs are immutable, so a clone shares them; everything with a mutable container is copied.
const clonePartition = (p: Partition): Partition => ({ ...p, FaultExpirations: new Map(p.FaultExpirations) });

export function cloneMinerState(s: MinerState): MinerState {
  return {
    ...s,
    Info: { ...s.Info, ControlAddresses: [...s.Info.ControlAddresses], Multiaddrs: [...s.Info.Multiaddrs] },
    Deadlines: s.Deadlines.map((d) => ({ PostSubmissions: d.PostSubmissions, Partitions: d.Partitions.map(clonePartition) })),
    PreCommittedSectors: new Map(
      [...s.PreCommittedSectors].map(([n, pc]) => [n, { ...pc, Info: { ...pc.Info, DealIDs: [...pc.Info.DealIDs] } }]),
    ),
    Sectors: new Map([...s.Sectors].map(([n, info]) => [n, { ...info, DeprecatedDealIDs: [...info.DeprecatedDealIDs] }])),
  };
}

// ---- JSON text for SQLite: tagged values for what JSON lacks ----

const TAGS = ["$bigint", "$bitfield", "$cid", "$bytes", "$map"] as const;

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key]; // before toJSON (CID has one)
  if (typeof raw === "bigint") return { $bigint: raw.toString() };
  if (raw instanceof BitField) return { $bitfield: raw.runs() };
  if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("base64") };
  if (raw instanceof Map) return { $map: [...raw] };
  const cid = raw !== null && typeof raw === "object" ? CID.asCID(raw) : null;
  if (cid) return { $cid: cid.toString() };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1 || !(TAGS as readonly string[]).includes(keys[0]!)) return value;
  const v = (value as Record<string, unknown>)[keys[0]!];
  switch (keys[0]) {
    case "$bigint":
      return BigInt(v as string);
    case "$bitfield":
      return BitField.fromRuns(v as number[]);
    case "$cid":
      return CID.parse(v as string);
    case "$bytes":
      return new Uint8Array(Buffer.from(v as string, "base64"));
    default:
      return new Map(v as Array<[unknown, unknown]>);
  }
}

/** JSON text of the state: bigints, bitfields (runs), CIDs, bytes and maps become one-key tagged objects. */
export function serializeMinerState(s: MinerState): string {
  return JSON.stringify(s, replacer);
}

export function deserializeMinerState(text: string): MinerState {
  const s = JSON.parse(text, reviver) as MinerState;
  if (typeof s?.Id !== "number" || !Array.isArray(s.Deadlines) || !(s.Sectors instanceof Map))
    throw new TypeError("miner state JSON lacks Id, Deadlines or Sectors (not produced by serializeMinerState)");
  return s;
}
