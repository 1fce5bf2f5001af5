// The devnet's WinningPoSt election (spec/devnet.md §6.2): one winner per round, chosen with
// probability proportional to QA power among miners that listen for proof events, and the one
// sector it must prove (spec/filecoin.md §14, §15). Pure: whoever holds the chain gets the same answer.
import { minerEntropy } from "../filecoin/address.js";
import { proverId } from "../filecoin/ids.js";
import { DomainSeparationTag, drawRandomness } from "../filecoin/randomness.js";
import { postRandomness, winningSectorIndexes } from "../proofs/post-challenges.js";

/** spec/devnet.md §2.1: fixed in every profile. */
export const CONSENSUS_MINER_MIN_POWER = 2048n;

export interface ElectionCandidate {
  minerId: number;
  /** QA power after tipset e − 1. */
  qaPower: bigint;
  /** A proof-event listener is connected for this miner. */
  listening: boolean;
}

export interface ElectionResult {
  minerId: number;
  /** x = draw mod Q, and Q: kept for logs and tests. */
  ticket: bigint;
  totalPower: bigint;
}

const bigEndian = (b: Uint8Array): bigint => {
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return v;
};

/**
 * Rule 1–3 of §6.2: eligible = listening and QA power ≥ the minimum; x = draw(beacon digest of e, 2,
 * e, empty) as a big-endian integer mod Q; ordered by actor id, the first miner whose running QA-power
 * total exceeds x wins. No eligible miner: null.
 */
export function electWinner(
  candidates: readonly ElectionCandidate[],
  beaconDigest: Uint8Array,
  epoch: number,
  minPower: bigint = CONSENSUS_MINER_MIN_POWER,
): ElectionResult | null {
  const eligible = candidates
    .filter((c) => c.listening && c.qaPower >= minPower)
    .sort((a, b) => a.minerId - b.minerId);
  const total = eligible.reduce((sum, c) => sum + c.qaPower, 0n);
  if (total === 0n) return null;
  const x = bigEndian(drawRandomness(beaconDigest, DomainSeparationTag.ElectionProofProduction, epoch, new Uint8Array(0))) % total;
  let running = 0n;
  for (const c of eligible) {
    running += c.qaPower;
    if (running > x) return { minerId: c.minerId, ticket: x, totalPower: total };
  }
  throw new Error("unreachable: the running total reaches Q, which exceeds x"); // x < Q
}

/** Rule 4: Rand = draw(beacon digest of e, 3, e, CBOR(miner)) with the top two bits of byte 31 cleared. */
export function winningChallengeRandomness(beaconDigest: Uint8Array, epoch: number, minerId: number): Uint8Array {
  return postRandomness(drawRandomness(beaconDigest, DomainSeparationTag.WinningPoStChallengeSeed, epoch, minerEntropy(minerId)));
}

export interface ActiveSector {
  sectorNumber: number;
}

/**
 * The challenged sector among the miner's active sectors, taken in sector-number order (the list of
 * MinerGetBaseInfo.Sectors); null when the miner has none.
 */
export function winningSector<S extends ActiveSector>(minerId: number, randomness: Uint8Array, activeSectors: readonly S[]): S | null {
  if (activeSectors.length === 0) return null;
  const sorted = [...activeSectors].sort((a, b) => a.sectorNumber - b.sectorNumber);
  const [index] = winningSectorIndexes(proverId(minerId), randomness, sorted.length, 1);
  return sorted[index!]!;
}
