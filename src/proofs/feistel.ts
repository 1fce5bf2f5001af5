// The Feistel permutation behind the SDR expander parents (spec/filecoin.md §7.2,
// rust-fil-proofs storage-proofs-core/src/crypto/feistel.rs): three rounds over two h-bit halves,
// round function F(R, k) = u64be(blake2b512(u64be(R) ‖ u64be(k))[0..8]) & (2^h − 1), cycle walking
// until the result is below the domain size N.
import { blake2b } from "@noble/hashes/blake2.js";

export const FEISTEL_ROUNDS = 3;

/** Bits per half: the smallest h ≥ 1 with 4^h ≥ n. */
export function feistelHalfBits(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`Feistel domain size ${String(n)} must be a positive integer`);
  let h = 1;
  while (4 ** h < n) h++;
  return h;
}

/** F(R, k) for one round (R below 2^h, h ≤ 26; k a u64). Used to fill the round tables and by tests. */
export function feistelRound(right: number, key: bigint, halfBits: number): number {
  const msg = new Uint8Array(16);
  const dv = new DataView(msg.buffer);
  dv.setBigUint64(0, BigInt(right), false);
  dv.setBigUint64(8, key, false);
  const d = blake2b(msg); // 64-byte output: the output length is part of BLAKE2b's parameter block
  // Only the low h ≤ 26 bits of the big-endian u64 survive the mask: they sit in bytes 4..7.
  const low = (d[4]! << 24) | (d[5]! << 16) | (d[6]! << 8) | d[7]!;
  return low & ((1 << halfBits) - 1);
}

/**
 * Permutation of [0, n) keyed by the first three of `keys`. The round function depends only on
 * (R, k) with R < 2^h, so all of it is tabulated once (3·2^h BLAKE2b calls: 6,144 for 8MiB,
 * 393,216 for 64GiB) and permuting costs table lookups, not hashes.
 */
export class FeistelPermutation {
  readonly n: number;
  readonly halfBits: number;
  private readonly half: number; // 2^h
  private readonly t0: Uint32Array;
  private readonly t1: Uint32Array;
  private readonly t2: Uint32Array;

  constructor(n: number, keys: readonly bigint[]) {
    if (keys.length < FEISTEL_ROUNDS) throw new RangeError(`Feistel needs ${FEISTEL_ROUNDS} keys, got ${keys.length}`);
    this.n = n;
    this.halfBits = feistelHalfBits(n);
    if (this.halfBits > 26) throw new RangeError(`Feistel domain ${n} is too large (half width ${this.halfBits} bits > 26)`);
    this.half = 2 ** this.halfBits;
    const table = (k: bigint): Uint32Array => {
      const t = new Uint32Array(this.half);
      for (let r = 0; r < this.half; r++) t[r] = feistelRound(r, k, this.halfBits);
      return t;
    };
    this.t0 = table(keys[0]!);
    this.t1 = table(keys[1]!);
    this.t2 = table(keys[2]!);
  }

  /** One pass of the three rounds over a value below 4^h. */
  encode(index: number): number {
    const half = this.half;
    const l0 = Math.floor(index / half);
    const r0 = index - l0 * half;
    // (L, R) → (R, L xor F(R, k_i)), unrolled for the three keys
    const r1 = l0 ^ this.t0[r0]!;
    const r2 = r0 ^ this.t1[r1]!;
    const r3 = r1 ^ this.t2[r2]!;
    return r2 * half + r3;
  }

  /** The inverse of encode. */
  decode(index: number): number {
    const half = this.half;
    const l3 = Math.floor(index / half);
    const r3 = index - l3 * half;
    const l2 = r3 ^ this.t2[l3]!;
    const l1 = l3 ^ this.t1[l2]!;
    const l0 = l2 ^ this.t0[l1]!;
    return l0 * half + l1;
  }

  /** encode, repeated while the result is ≥ n (cycle walking keeps the result inside [0, n)). */
  permute(index: number): number {
    let u = this.encode(index);
    while (u >= this.n) u = this.encode(u);
    return u;
  }

  invertPermute(index: number): number {
    let u = this.decode(index);
    while (u >= this.n) u = this.decode(u);
    return u;
  }
}
