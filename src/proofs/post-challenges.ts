// PoSt challenge derivation: the winning sector choice and the leaf challenges of a sector.
// spec/filecoin.md §14; formulas from rust-fil-proofs storage-proofs-post/src/fallback/vanilla.rs
// (generate_sector_challenge, generate_leaf_challenge).
import { createHash } from "node:crypto";
import { leBytesMod } from "./challenges.js";

/**
 * The randomness as the proofs library takes it: a copy with the top two bits of byte 31 cleared
 * (Lotus masks chain randomness this way so it is a valid field element; the proofs library refuses others).
 */
export function postRandomness(r: Uint8Array): Uint8Array {
  if (!(r instanceof Uint8Array) || r.length !== 32) throw new RangeError(`PoSt randomness must be 32 bytes, got ${r?.length}`);
  const out = Uint8Array.from(r);
  out[31]! &= 0x3f;
  return out;
}

function u64le(x: number | bigint, field: string): Uint8Array {
  const v = typeof x === "bigint" ? x : Number.isSafeInteger(x) ? BigInt(x) : -1n;
  if (v < 0n || v >= 2n ** 64n) throw new RangeError(`${field} must be an integer in [0, 2^64), got ${x}`);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

function check32(b: Uint8Array, field: string): void {
  if (!(b instanceof Uint8Array) || b.length !== 32) throw new RangeError(`${field} must be 32 bytes, got ${b?.length}`);
}

function checkModulus(m: number, field: string): void {
  if (!Number.isInteger(m) || m < 1 || m > 2 ** 32) throw new RangeError(`${field} must be an integer in [1, 2^32], got ${m}`);
}

/**
 * Winning PoSt sector choice: for i = 0 … sectorCount−1,
 * u64le(sha256(prover_id ‖ randomness ‖ u64le(i))[0..8]) mod eligibleCount.
 * `randomness` is used as given: pass it through postRandomness first.
 */
export function winningSectorIndexes(
  proverId: Uint8Array,
  randomness: Uint8Array,
  eligibleCount: number,
  sectorCount = 1,
): number[] {
  check32(proverId, "proverId");
  check32(randomness, "randomness");
  checkModulus(eligibleCount, "eligibleCount");
  if (!Number.isInteger(sectorCount) || sectorCount < 0) throw new RangeError(`sectorCount must be a non-negative integer, got ${sectorCount}`);
  const out: number[] = [];
  for (let i = 0; i < sectorCount; i++) {
    const d = createHash("sha256").update(proverId).update(randomness).update(u64le(i, "i")).digest();
    out.push(leBytesMod(d, eligibleCount, 0, 8));
  }
  return out;
}

/**
 * Leaf challenges of one sector: u64le(sha256(randomness ‖ u64le(sector_number) ‖ u64le(ci))[0..8]) mod n.
 * Unlike PoRep, leaf 0 can be challenged. Window V1_1 and winning use ci = 0 … count−1; the retired
 * window V1 types numbered challenges across the proven list: ci = sectorIndex·count + i (count is 10 there).
 */
export function postLeafChallenges(p: {
  randomness: Uint8Array;
  sectorNumber: number | bigint;
  nodes: number;
  count: number;
  legacyWindow?: { sectorIndex: number };
}): number[] {
  check32(p.randomness, "randomness");
  checkModulus(p.nodes, "nodes");
  if (!Number.isInteger(p.count) || p.count < 0) throw new RangeError(`count must be a non-negative integer, got ${p.count}`);
  const sn = u64le(p.sectorNumber, "sectorNumber");
  const first = p.legacyWindow ? p.legacyWindow.sectorIndex * p.count : 0;
  const out: number[] = [];
  for (let i = 0; i < p.count; i++) {
    const d = createHash("sha256").update(p.randomness).update(sn).update(u64le(first + i, "challenge index")).digest();
    out.push(leBytesMod(d, p.nodes, 0, 8));
  }
  return out;
}
