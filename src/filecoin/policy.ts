// Protocol constants (spec/filecoin.md §16) and the project's devnet profile (spec/devnet.md §2).
// Keys are the Go/Lotus names so they match StateMinerProvingDeadline and StateGetNetworkParams.
import { sealProofType } from "./proof-types.js";

export const EPOCH_DURATION_SECONDS = 30; // inside the actors, whatever the block time
export const EPOCHS_IN_DAY = 2880;
export const EPOCHS_IN_YEAR = 1_051_200;
export const CHAIN_FINALITY = 900;
export const SEAL_RANDOMNESS_LOOKBACK = CHAIN_FINALITY;
export const MAX_PRE_COMMIT_RANDOMNESS_LOOKBACK = EPOCHS_IN_DAY + CHAIN_FINALITY; // 3780
export const INTERACTIVE_POREP_CONFIDENCE = 6;
export const MESSAGE_CONFIDENCE = 5;
export const MIN_SECTOR_EXPIRATION = 180 * EPOCHS_IN_DAY; // 518,400
export const MAX_SECTOR_EXPIRATION_EXTENSION = 1278 * EPOCHS_IN_DAY; // 3,680,640
export const MAX_PROVE_COMMIT_NI_LOOKBACK = 180 * EPOCHS_IN_DAY;

export interface Policy {
  NetworkName: string;
  /** Seconds between blocks (Lotus BlockDelaySecs). */
  BlockDelaySecs: number;
  PreCommitChallengeDelay: number;
  WPoStChallengeWindow: number;
  WPoStPeriodDeadlines: number;
  WPoStProvingPeriod: number;
  WPoStChallengeLookback: number;
  FaultDeclarationCutoff: number;
  WPoStDisputeWindow: number;
  FaultMaxAge: number;
  WPoStMaxChainCommitAge: number;
  ConsensusMinerMinPower: bigint;
  ChainFinality: number;
  SealRandomnessLookback: number;
  MaxPreCommitRandomnessLookback: number;
  InteractivePoRepConfidence: number;
  MinSectorExpiration: number;
  MaxSectorExpirationExtension: number;
  MaxProveCommitNiLookback: number;
  PreCommitSectorBatchMaxSize: number;
  ProveReplicaUpdatesMaxSize: number;
  MinAggregatedSectors: number;
  MaxAggregatedSectors: number;
  MaxAggregateProofSize: number;
  MinAggregatedSectorsNi: number;
  MaxAggregatedSectorsNi: number;
  MaxPartitionsPerDeadline: number;
  PoStedPartitionsMax: number;
  AddressedSectorsMax: number;
  /** Seal proof ids the network's actors accept for pre-commit / NI. */
  AllowedSealProofs: readonly number[];
  /** Window PoSt proof ids accepted at miner creation. */
  AllowedPoStProofs: readonly number[];
}

const COMMON = {
  ChainFinality: CHAIN_FINALITY,
  SealRandomnessLookback: SEAL_RANDOMNESS_LOOKBACK,
  MaxPreCommitRandomnessLookback: MAX_PRE_COMMIT_RANDOMNESS_LOOKBACK,
  InteractivePoRepConfidence: INTERACTIVE_POREP_CONFIDENCE,
  MinSectorExpiration: MIN_SECTOR_EXPIRATION,
  MaxSectorExpirationExtension: MAX_SECTOR_EXPIRATION_EXTENSION,
  MaxProveCommitNiLookback: MAX_PROVE_COMMIT_NI_LOOKBACK,
  WPoStPeriodDeadlines: 48,
  WPoStMaxChainCommitAge: 60,
  PreCommitSectorBatchMaxSize: 256,
  ProveReplicaUpdatesMaxSize: 256,
  MinAggregatedSectors: 4,
  MaxAggregatedSectors: 819,
  MaxAggregateProofSize: 81_960,
  MinAggregatedSectorsNi: 1,
  MaxAggregatedSectorsNi: 65,
  MaxPartitionsPerDeadline: 3000,
  PoStedPartitionsMax: 3,
  AddressedSectorsMax: 25_000,
} as const;

export const MAINNET_POLICY: Readonly<Policy> = Object.freeze({
  ...COMMON,
  NetworkName: "mainnet",
  BlockDelaySecs: 30,
  PreCommitChallengeDelay: 150,
  WPoStChallengeWindow: 60,
  WPoStProvingPeriod: 2880,
  WPoStChallengeLookback: 20,
  FaultDeclarationCutoff: 70,
  WPoStDisputeWindow: 1800,
  FaultMaxAge: 2880 * 42,
  ConsensusMinerMinPower: 10n << 40n,
  AllowedSealProofs: Object.freeze([8, 9, 13, 14, 18, 19]),
  AllowedPoStProofs: Object.freeze([13, 14]),
});

/** The project's devnet (spec/devnet.md §2.1): 1 s blocks and an 8-minute proving period. */
export const DEVNET_POLICY: Readonly<Policy> = Object.freeze({
  ...COMMON,
  NetworkName: "damocles-devnet",
  BlockDelaySecs: 1,
  PreCommitChallengeDelay: 10,
  WPoStChallengeWindow: 10,
  WPoStProvingPeriod: 480,
  WPoStChallengeLookback: 4,
  FaultDeclarationCutoff: 6,
  WPoStDisputeWindow: 60,
  FaultMaxAge: 480 * 42,
  ConsensusMinerMinPower: 2048n,
  AllowedSealProofs: Object.freeze([5, 6, 7, 10, 11, 12, 15, 16, 17]),
  AllowedPoStProofs: Object.freeze([10, 11, 12]),
});

/**
 * Epochs between PreCommitEpoch and the last epoch a ProveCommit may land (builtin-actors
 * max_prove_commit_duration): 1 day for legacy V1, 30 days for V1_1 and synthetic, plus the challenge delay.
 */
export function maxProveCommitDuration(policy: Pick<Policy, "PreCommitChallengeDelay">, sealProof: number): number {
  const kind = sealProofType(sealProof).kind;
  // builtin-actors returns None for NI types: they are never pre-committed.
  if (kind === "ni") throw new RangeError(`seal proof ${sealProof} is NI PoRep: it has no pre-commit and no MaxProveCommitDuration`);
  const days = kind === "v1" ? 1 : 30;
  return days * EPOCHS_IN_DAY + policy.PreCommitChallengeDelay;
}

/** Longest a sector may live: 540 days for legacy V1, 5 years otherwise. */
export function sectorMaxLifetime(sealProof: number): number {
  return sealProofType(sealProof).kind === "v1" ? 540 * EPOCHS_IN_DAY : 5 * EPOCHS_IN_YEAR;
}

/** The ticket epoch the manager draws at: `max(0, head − SealRandomnessLookback)`. */
export function sealTicketEpoch(policy: Pick<Policy, "SealRandomnessLookback">, head: number): number {
  return Math.max(0, head - policy.SealRandomnessLookback);
}

/** First epoch at which the interactive seed may be drawn (the actors' rule; Lotus waits 6 more). */
export function interactiveSeedEpoch(policy: Pick<Policy, "PreCommitChallengeDelay">, preCommitEpoch: number): number {
  return preCommitEpoch + policy.PreCommitChallengeDelay;
}

/**
 * The pre-commit checks of spec/filecoin.md §18.4 that depend only on epochs; returns the broken
 * rule or null. `current` is the epoch the message lands in.
 */
export function checkPreCommitEpochs(
  policy: Policy,
  p: { sealProof: number; current: number; sealRandEpoch: number; expiration: number },
): string | null {
  const { sealProof, current, sealRandEpoch, expiration } = p;
  if (sealRandEpoch >= current) return `SealRandEpoch ${sealRandEpoch} must be before the current epoch ${current}`;
  if (sealRandEpoch < current - policy.MaxPreCommitRandomnessLookback)
    return `SealRandEpoch ${sealRandEpoch} is older than ${policy.MaxPreCommitRandomnessLookback} epochs before ${current}`;
  const activation = current + maxProveCommitDuration(policy, sealProof);
  if (expiration - activation < policy.MinSectorExpiration)
    return `Expiration ${expiration} must be at least ${policy.MinSectorExpiration} epochs after ${activation} (current + MaxProveCommitDuration)`;
  if (expiration > current + policy.MaxSectorExpirationExtension)
    return `Expiration ${expiration} exceeds current + MaxSectorExpirationExtension = ${current + policy.MaxSectorExpirationExtension}`;
  if (expiration - activation > sectorMaxLifetime(sealProof))
    return `Expiration ${expiration} exceeds the sector lifetime ${sectorMaxLifetime(sealProof)} after ${activation}`;
  return null;
}

/** The invariants of spec/devnet.md §2.2; returns one message per broken rule (empty when valid). */
export function checkPolicyInvariants(p: Policy): string[] {
  const errors: string[] = [];
  const rule = (ok: boolean, n: number, text: string): void => {
    if (!ok) errors.push(`rule ${n}: ${text}`);
  };
  rule(p.WPoStProvingPeriod === p.WPoStPeriodDeadlines * p.WPoStChallengeWindow, 1,
    `WPoStProvingPeriod (${p.WPoStProvingPeriod}) must equal WPoStPeriodDeadlines × WPoStChallengeWindow (${p.WPoStPeriodDeadlines} × ${p.WPoStChallengeWindow})`);
  rule(p.WPoStChallengeLookback > 0 && p.WPoStChallengeLookback < p.WPoStChallengeWindow, 2,
    `WPoStChallengeLookback (${p.WPoStChallengeLookback}) must be in (0, WPoStChallengeWindow = ${p.WPoStChallengeWindow})`);
  rule(p.WPoStChallengeLookback < p.FaultDeclarationCutoff, 3,
    `WPoStChallengeLookback (${p.WPoStChallengeLookback}) must be below FaultDeclarationCutoff (${p.FaultDeclarationCutoff})`);
  rule(p.FaultDeclarationCutoff <= p.WPoStChallengeWindow, 4,
    `FaultDeclarationCutoff (${p.FaultDeclarationCutoff}) must not exceed WPoStChallengeWindow (${p.WPoStChallengeWindow})`);
  rule(3 * p.WPoStChallengeWindow + p.WPoStDisputeWindow <= p.WPoStProvingPeriod, 5,
    `3 × WPoStChallengeWindow + WPoStDisputeWindow (${3 * p.WPoStChallengeWindow + p.WPoStDisputeWindow}) must not exceed WPoStProvingPeriod (${p.WPoStProvingPeriod})`);
  const mpcd = 30 * EPOCHS_IN_DAY + p.PreCommitChallengeDelay;
  rule(p.PreCommitChallengeDelay >= 1 && p.PreCommitChallengeDelay + p.InteractivePoRepConfidence < mpcd, 6,
    `PreCommitChallengeDelay (${p.PreCommitChallengeDelay}) must be ≥ 1 and, plus InteractivePoRepConfidence, below MaxProveCommitDuration (${mpcd})`);
  rule(p.SealRandomnessLookback < p.MaxPreCommitRandomnessLookback, 7,
    `SealRandomnessLookback (${p.SealRandomnessLookback}) must be below MaxPreCommitRandomnessLookback (${p.MaxPreCommitRandomnessLookback})`);
  return errors;
}
