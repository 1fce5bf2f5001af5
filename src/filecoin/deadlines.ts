// Window PoSt deadline maths (spec/filecoin.md §17): go-state-types dline/deadline.go and
// builtin-actors actors/miner/src/deadlines.rs. Field names are Lotus's StateMinerProvingDeadline JSON.
import { blake2b } from "@noble/hashes/blake2.js";
import { addressBytes, type Address } from "./address.js";
import { encodeCbor } from "./cbor.js";
import type { Policy } from "./policy.js";

export type DeadlinePolicy = Pick<
  Policy,
  "WPoStPeriodDeadlines" | "WPoStProvingPeriod" | "WPoStChallengeWindow" | "WPoStChallengeLookback" | "FaultDeclarationCutoff"
>;

export interface DeadlineInfo {
  CurrentEpoch: number;
  PeriodStart: number;
  Index: number;
  Open: number;
  Close: number;
  Challenge: number;
  FaultCutoff: number;
  WPoStPeriodDeadlines: number;
  WPoStProvingPeriod: number;
  WPoStChallengeWindow: number;
  WPoStChallengeLookback: number;
  FaultDeclarationCutoff: number;
}

/**
 * Deadline `index` of the period starting at `periodStart`, seen at `currentEpoch`. An index past the
 * last deadline gives the no-duty deadline right after the period (as dline.NewInfo does).
 */
export function newDeadlineInfo(periodStart: number, index: number, currentEpoch: number, policy: DeadlinePolicy): DeadlineInfo {
  const params = {
    WPoStPeriodDeadlines: policy.WPoStPeriodDeadlines,
    WPoStProvingPeriod: policy.WPoStProvingPeriod,
    WPoStChallengeWindow: policy.WPoStChallengeWindow,
    WPoStChallengeLookback: policy.WPoStChallengeLookback,
    FaultDeclarationCutoff: policy.FaultDeclarationCutoff,
  };
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`deadline index ${String(index)} must be a non-negative integer`);
  if (index < policy.WPoStPeriodDeadlines) {
    const open = periodStart + index * policy.WPoStChallengeWindow;
    return {
      CurrentEpoch: currentEpoch,
      PeriodStart: periodStart,
      Index: index,
      Open: open,
      Close: open + policy.WPoStChallengeWindow,
      Challenge: open - policy.WPoStChallengeLookback,
      FaultCutoff: open - policy.FaultDeclarationCutoff,
      ...params,
    };
  }
  const after = periodStart + policy.WPoStProvingPeriod;
  return { CurrentEpoch: currentEpoch, PeriodStart: periodStart, Index: index, Open: after, Close: after, Challenge: after, FaultCutoff: 0, ...params };
}

export const isOpen = (d: DeadlineInfo): boolean => d.CurrentEpoch >= d.Open && d.CurrentEpoch < d.Close;
export const hasElapsed = (d: DeadlineInfo): boolean => d.CurrentEpoch >= d.Close;
export const faultCutoffPassed = (d: DeadlineInfo): boolean => d.CurrentEpoch >= d.FaultCutoff;
export const periodStarted = (d: DeadlineInfo): boolean => d.CurrentEpoch >= d.PeriodStart;
export const nextPeriodStart = (d: DeadlineInfo): number => d.PeriodStart + d.WPoStProvingPeriod;
export const periodElapsed = (d: DeadlineInfo): boolean => d.CurrentEpoch >= nextPeriodStart(d);
export const periodEnd = (d: DeadlineInfo): number => d.PeriodStart + d.WPoStProvingPeriod - 1;
/** Last epoch at which a proof may be submitted. */
export const lastEpoch = (d: DeadlineInfo): number => d.Close - 1;

/** This deadline if it has not closed yet, else its next occurrence that has not (whole periods later). */
export function nextNotElapsed(d: DeadlineInfo): DeadlineInfo {
  if (!hasElapsed(d)) return d;
  const gap = d.CurrentEpoch - d.Close;
  const delta = (Math.trunc(gap / d.WPoStProvingPeriod) + 1) * d.WPoStProvingPeriod;
  return newDeadlineInfo(d.PeriodStart + delta, d.Index, d.CurrentEpoch, d);
}

/** Index of the deadline open at `currentEpoch` (≥ WPoStPeriodDeadlines once the period is over). */
export function currentDeadlineIndex(currentEpoch: number, periodStart: number, policy: Pick<Policy, "WPoStChallengeWindow">): number {
  return Math.trunc((currentEpoch - periodStart) / policy.WPoStChallengeWindow);
}

/**
 * A deadline may be changed (terminate, extend, compact) only while the current epoch is at least one
 * challenge window before its next not-elapsed opening: neither the current nor the next deadline.
 */
export function deadlineIsMutable(periodStart: number, index: number, currentEpoch: number, policy: DeadlinePolicy): boolean {
  const d = nextNotElapsed(newDeadlineInfo(periodStart, index, currentEpoch, policy));
  return currentEpoch < d.Open - policy.WPoStChallengeWindow;
}

/** Deadline to declare recoveries for while proving deadline `current` (Lotus: current + 2). */
export function recoveryDeadlineIndex(current: number, policy: Pick<Policy, "WPoStPeriodDeadlines">): number {
  return (current + 2) % policy.WPoStPeriodDeadlines;
}

/**
 * builtin-actors assign_proving_period_offset: u64be(blake2b256(CBOR(address) ‖ i64be(epoch))[0..8])
 * mod WPoStProvingPeriod. Used once, when the miner actor is created.
 */
export function assignProvingPeriodOffset(address: Address, currentEpoch: number, policy: Pick<Policy, "WPoStProvingPeriod">): number {
  const cbor = encodeCbor(addressBytes(address));
  const msg = new Uint8Array(cbor.length + 8);
  msg.set(cbor);
  new DataView(msg.buffer).setBigInt64(cbor.length, BigInt(currentEpoch), false);
  const digest = blake2b(msg, { dkLen: 32 });
  const head = new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, false);
  return Number(head % BigInt(policy.WPoStProvingPeriod));
}

/** builtin-actors current_proving_period_start: the latest epoch ≤ current with epoch ≡ offset (mod period). */
export function currentProvingPeriodStart(currentEpoch: number, offset: number, policy: Pick<Policy, "WPoStProvingPeriod">): number {
  const period = policy.WPoStProvingPeriod;
  const mod = currentEpoch % period; // truncating, like Rust's % on i64
  const progress = mod >= offset ? mod - offset : period - (offset - mod);
  return currentEpoch - progress;
}

/**
 * builtin-actors QuantSpec.quantize_down with unit = period and offset = the miner's period start
 * seed: the start of the period that contains `currentEpoch`.
 */
export function quantizeDown(epoch: number, unit: number, offset: number): number {
  const off = offset % unit;
  const rem = (epoch - off) % unit;
  const quot = Math.trunc((epoch - off) / unit);
  const up = rem === 0 || epoch - off < 0 ? unit * quot + off : unit * (quot + 1) + off;
  return up === epoch ? up : up - unit;
}

/** builtin-actors new_deadline_info_from_offset_and_epoch: the deadline open at `currentEpoch`. */
export function deadlineInfoAt(periodStartSeed: number, currentEpoch: number, policy: DeadlinePolicy): DeadlineInfo {
  const periodStart = quantizeDown(currentEpoch, policy.WPoStProvingPeriod, periodStartSeed);
  return newDeadlineInfo(periodStart, currentDeadlineIndex(currentEpoch, periodStart, policy), currentEpoch, policy);
}
