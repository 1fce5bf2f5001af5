// ChaCha8 as rand_chacha 0.3 `ChaCha8Rng::from_seed` produces it (spec/filecoin.md §7.1): the
// 32-byte seed is the key, state words 12–13 hold a 64-bit block counter from 0, words 14–15 the
// stream id 0, and each u64 is the next 8 keystream bytes read little-endian.
// Hand-written rather than @noble/ciphers' chacha8 because the graph seeds one generator per node
// (2^24 of them for 512MiB) and only needs two blocks each: a reusable state beats a per-call setup.

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

/** One ChaCha block with `rounds` rounds (8 for ChaCha8): writes 16 keystream words into `out` at `outOffset`. */
export function chachaBlock(
  key: Uint32Array /* 8 words */,
  counterLo: number,
  counterHi: number,
  out: Uint32Array,
  outOffset = 0,
  rounds = 8,
): void {
  const i0 = SIGMA[0]!, i1 = SIGMA[1]!, i2 = SIGMA[2]!, i3 = SIGMA[3]!;
  const i4 = key[0]!, i5 = key[1]!, i6 = key[2]!, i7 = key[3]!;
  const i8 = key[4]!, i9 = key[5]!, i10 = key[6]!, i11 = key[7]!;
  const i12 = counterLo | 0, i13 = counterHi | 0, i14 = 0, i15 = 0;
  let x0 = i0, x1 = i1, x2 = i2, x3 = i3, x4 = i4, x5 = i5, x6 = i6, x7 = i7;
  let x8 = i8, x9 = i9, x10 = i10, x11 = i11, x12 = i12, x13 = i13, x14 = i14, x15 = i15;
  for (let r = 0; r < rounds; r += 2) {
    // column round
    x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 16); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 12);
    x0 = (x0 + x4) | 0; x12 = rotl(x12 ^ x0, 8); x8 = (x8 + x12) | 0; x4 = rotl(x4 ^ x8, 7);
    x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 16); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 12);
    x1 = (x1 + x5) | 0; x13 = rotl(x13 ^ x1, 8); x9 = (x9 + x13) | 0; x5 = rotl(x5 ^ x9, 7);
    x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 16); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 12);
    x2 = (x2 + x6) | 0; x14 = rotl(x14 ^ x2, 8); x10 = (x10 + x14) | 0; x6 = rotl(x6 ^ x10, 7);
    x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 16); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 12);
    x3 = (x3 + x7) | 0; x15 = rotl(x15 ^ x3, 8); x11 = (x11 + x15) | 0; x7 = rotl(x7 ^ x11, 7);
    // diagonal round
    x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 16); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 12);
    x0 = (x0 + x5) | 0; x15 = rotl(x15 ^ x0, 8); x10 = (x10 + x15) | 0; x5 = rotl(x5 ^ x10, 7);
    x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 16); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 12);
    x1 = (x1 + x6) | 0; x12 = rotl(x12 ^ x1, 8); x11 = (x11 + x12) | 0; x6 = rotl(x6 ^ x11, 7);
    x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 16); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 12);
    x2 = (x2 + x7) | 0; x13 = rotl(x13 ^ x2, 8); x8 = (x8 + x13) | 0; x7 = rotl(x7 ^ x8, 7);
    x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 16); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 12);
    x3 = (x3 + x4) | 0; x14 = rotl(x14 ^ x3, 8); x9 = (x9 + x14) | 0; x4 = rotl(x4 ^ x9, 7);
  }
  const o = outOffset;
  out[o] = x0 + i0; out[o + 1] = x1 + i1; out[o + 2] = x2 + i2; out[o + 3] = x3 + i3;
  out[o + 4] = x4 + i4; out[o + 5] = x5 + i5; out[o + 6] = x6 + i6; out[o + 7] = x7 + i7;
  out[o + 8] = x8 + i8; out[o + 9] = x9 + i9; out[o + 10] = x10 + i10; out[o + 11] = x11 + i11;
  out[o + 12] = x12 + i12; out[o + 13] = x13 + i13; out[o + 14] = x14 + i14; out[o + 15] = x15 + i15;
}

/** Reads a 32-byte seed as the eight little-endian key words. */
export function chachaKey(seed: Uint8Array, out = new Uint32Array(8)): Uint32Array {
  if (seed.length !== 32) throw new RangeError(`ChaCha8 seed must be 32 bytes, got ${seed.length}`);
  for (let i = 0; i < 8; i++)
    out[i] = (seed[4 * i]! | (seed[4 * i + 1]! << 8) | (seed[4 * i + 2]! << 16) | (seed[4 * i + 3]! << 24)) >>> 0;
  return out;
}

/**
 * `ChaCha8Rng::from_seed(seed)`: a deterministic generator of u64 values (as bigint, for tests and
 * callers that need few values; the graph reads keystream words directly through chachaBlock).
 */
export class ChaCha8Rng {
  private readonly key: Uint32Array;
  private readonly buf = new Uint32Array(16);
  private block = 0; // next block counter (fits a double; 2^53 blocks are far beyond any use)
  private idx = 16; // next unread word of buf

  constructor(seed: Uint8Array) {
    this.key = chachaKey(seed);
  }

  /** Next keystream word (u32). */
  nextU32(): number {
    if (this.idx === 16) {
      chachaBlock(this.key, this.block % 0x100000000, Math.floor(this.block / 0x100000000), this.buf);
      this.block++;
      this.idx = 0;
    }
    return this.buf[this.idx++]!;
  }

  /** Next u64: two keystream words, low word first (8 little-endian bytes). */
  nextU64(): bigint {
    const lo = this.nextU32();
    const hi = this.nextU32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** `n` keystream bytes. */
  fillBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const w = this.nextU32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (w >>> (8 * j)) & 0xff;
    }
    return out;
  }
}
