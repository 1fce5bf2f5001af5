// Read-only queries over a miner's state, shaped like the Lotus state API results they serve
// (StateMinerInfo, StateMinerProvingDeadline, StateMinerDeadlines, StateMinerPartitions, StateSectorGetInfo, …).
// Values stay plain (actor ids, bigint, BitField, CID); the Lotus API layer encodes them.
import { BitField } from "../../filecoin/bitfield.js";
import { deadlineInfoAt, nextNotElapsed, type DeadlineInfo } from "../../filecoin/deadlines.js";
import type { Policy } from "../../filecoin/policy.js";
import {
  activeSectors as partitionActiveSectors,
  availableBalance as minerAvailableBalance,
  liveSectors,
  minerPower,
  type PowerPair,
} from "./miner.js";
import type { MinerState, SectorOnChainInfo, SectorPreCommitOnChainInfo } from "./miner-state.js";

/** Lotus api.MinerInfo; addresses are actor ids (null where Lotus has an undefined address). */
export interface MinerInfoView {
  Owner: number;
  Worker: number;
  NewWorker: number | null;
  ControlAddresses: number[];
  WorkerChangeEpoch: number;
  PeerId: Uint8Array | null;
  Multiaddrs: Uint8Array[];
  WindowPoStProofType: number;
  SectorSize: number;
  WindowPoStPartitionSectors: number;
  ConsensusFaultElapsed: number;
  PendingOwnerAddress: number | null;
  Beneficiary: number;
  BeneficiaryTerm: { Quota: bigint; UsedQuota: bigint; Expiration: number };
  PendingBeneficiaryTerm: null;
}

export function minerInfo(s: MinerState): MinerInfoView {
  const i = s.Info;
  return {
    Owner: i.Owner,
    Worker: i.Worker,
    NewWorker: null,
    ControlAddresses: [...i.ControlAddresses],
    WorkerChangeEpoch: -1,
    PeerId: i.PeerId,
    Multiaddrs: [...i.Multiaddrs],
    WindowPoStProofType: i.WindowPoStProofType,
    SectorSize: i.SectorSize,
    WindowPoStPartitionSectors: i.WindowPoStPartitionSectors,
    ConsensusFaultElapsed: i.ConsensusFaultElapsed,
    PendingOwnerAddress: null,
    Beneficiary: i.Owner,
    BeneficiaryTerm: { Quota: 0n, UsedQuota: 0n, Expiration: 0 },
    PendingBeneficiaryTerm: null,
  };
}

/** StateMinerProvingDeadline: the deadline open at `epoch` (Lotus applies NextNotElapsed, a no-op here). */
export function provingDeadline(s: MinerState, epoch: number, policy: Policy): DeadlineInfo {
  return nextNotElapsed(deadlineInfoAt(s.ProvingPeriodStart, epoch, policy));
}

/** StateMinerDeadlines: one entry per deadline. */
export function deadlines(s: MinerState): Array<{ PostSubmissions: BitField; DisputableProofCount: number }> {
  return s.Deadlines.map((d) => ({ PostSubmissions: d.PostSubmissions, DisputableProofCount: 0 }));
}

export interface PartitionView {
  AllSectors: BitField;
  FaultySectors: BitField;
  RecoveringSectors: BitField;
  LiveSectors: BitField;
  ActiveSectors: BitField;
}

/** StateMinerPartitions of deadline `dlIdx`. */
export function partitions(s: MinerState, dlIdx: number): PartitionView[] {
  const d = s.Deadlines[dlIdx];
  if (!d) throw new RangeError(`deadline index ${dlIdx} must be in 0..${s.Deadlines.length - 1}`);
  return d.Partitions.map((p) => ({
    AllSectors: p.Sectors,
    FaultySectors: p.Faults,
    RecoveringSectors: p.Recoveries,
    LiveSectors: liveSectors(p),
    ActiveSectors: partitionActiveSectors(p),
  }));
}

/** StateSectorPreCommitInfo; null when the number is not pre-committed (never, proven or expired). */
export function preCommitInfo(s: MinerState, n: number): SectorPreCommitOnChainInfo | null {
  return s.PreCommittedSectors.get(n) ?? null;
}

/** StateSectorGetInfo; terminated sectors keep their info until CompactPartitions removes it. */
export function sectorInfo(s: MinerState, n: number): SectorOnChainInfo | null {
  return s.Sectors.get(n) ?? null;
}

/** StateSectorPartition. */
export function sectorPartition(s: MinerState, n: number): { Deadline: number; Partition: number } | null {
  for (const [Deadline, d] of s.Deadlines.entries())
    for (const [Partition, p] of d.Partitions.entries()) if (p.Sectors.has(n)) return { Deadline, Partition };
  return null;
}

/** StateMinerAllocated: every number ever pre-committed or activated. */
export const allocated = (s: MinerState): BitField => s.AllocatedSectors;
export const isAllocated = (s: MinerState, n: number): boolean => s.AllocatedSectors.has(n);

const unionOver = (s: MinerState, pick: (p: MinerState["Deadlines"][number]["Partitions"][number]) => BitField): BitField =>
  s.Deadlines.reduce((acc, d) => d.Partitions.reduce((a, p) => a.union(pick(p)), acc), BitField.EMPTY);

/** StateMinerFaults: faulty sectors, recovering ones included. */
export const faults = (s: MinerState): BitField => unionOver(s, (p) => p.Faults);
/** StateMinerRecoveries. */
export const recoveries = (s: MinerState): BitField => unionOver(s, (p) => p.Recoveries);

/** StateMinerActiveSectors: infos of the sectors with power, in number order. */
export function activeSectors(s: MinerState): SectorOnChainInfo[] {
  return infosOf(s, unionOver(s, partitionActiveSectors));
}

/** StateMinerSectors: every sector info in number order, only those in `filter` when given. */
export function sectors(s: MinerState, filter?: BitField): SectorOnChainInfo[] {
  const numbers = [...s.Sectors.keys()].filter((n) => !filter || filter.has(n)).sort((a, b) => a - b);
  return numbers.map((n) => s.Sectors.get(n)!);
}

const infosOf = (s: MinerState, set: BitField): SectorOnChainInfo[] => set.toArray().flatMap((n) => s.Sectors.get(n) ?? []);

/** StateMinerPower's miner part: raw and QA bytes of active sectors. */
export const power = (s: MinerState): PowerPair => minerPower(s);

/** StateMinerAvailableBalance. */
export const availableBalance = (s: MinerState): bigint => minerAvailableBalance(s);

/** Pre-committed sector numbers, ascending (for Devnet.Status). */
export const preCommittedSectors = (s: MinerState): number[] => [...s.PreCommittedSectors.keys()].sort((a, b) => a - b);

