// Randomness (spec/filecoin.md §15): domain-separation tags of go-state-types crypto/randomness.go
// and the draw of lotus chain/rand/rand.go.
import { blake2b } from "@noble/hashes/blake2.js";

export const DomainSeparationTag = {
  TicketProduction: 1,
  ElectionProofProduction: 2,
  WinningPoStChallengeSeed: 3,
  WindowedPoStChallengeSeed: 4,
  SealRandomness: 5,
  InteractiveSealChallengeSeed: 6,
  WindowedPoStDeadlineAssignment: 7,
  MarketDealCronSeed: 8,
  PoStChainCommit: 9,
} as const;
export type DomainSeparationTag = (typeof DomainSeparationTag)[keyof typeof DomainSeparationTag];

const blake2b256 = (data: Uint8Array): Uint8Array => blake2b(data, { dkLen: 32 });

/** draw = blake2b256(i64be(tag) ‖ digest[32] ‖ i64be(epoch) ‖ entropy). */
export function drawRandomness(digest: Uint8Array, tag: DomainSeparationTag | number, epoch: number, entropy: Uint8Array): Uint8Array {
  if (digest.length !== 32) throw new RangeError(`randomness digest must be 32 bytes, got ${digest.length}`);
  if (!Number.isSafeInteger(epoch)) throw new RangeError(`randomness epoch ${String(epoch)} must be a safe integer`);
  const msg = new Uint8Array(8 + 32 + 8 + entropy.length);
  const dv = new DataView(msg.buffer);
  dv.setBigInt64(0, BigInt(tag), false);
  msg.set(digest, 8);
  dv.setBigInt64(40, BigInt(epoch), false);
  msg.set(entropy, 48);
  return blake2b256(msg);
}

/** Chain randomness digest of a ticket: blake2b256(VRFProof). */
export function ticketDigest(vrfProof: Uint8Array): Uint8Array {
  return blake2b256(vrfProof);
}

/** Beacon randomness digest of a drand entry: blake2b256(Data). */
export function beaconDigest(data: Uint8Array): Uint8Array {
  return blake2b256(data);
}
