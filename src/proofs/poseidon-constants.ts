// Poseidon parameters exactly as neptune derives them for Strength::Standard (spec/filecoin.md §9),
// generated at load from their definitions rather than pasted: round numbers from the Poseidon paper's
// security inequalities (neptune's f32 port of calc_round_numbers.py, margin included), round constants
// from the Grain LFSR (with neptune's S-box field quirk), and the Cauchy MDS matrix.
//
// `optimizePoseidonConstants` rewrites them for the fast evaluation (Poseidon paper, appendix B; neptune
// does the same): every constant moves behind the S-box it follows, the partial rounds keep only a constant
// for element 0, and each partial round's dense MDS multiply becomes a sparse one, so a partial round costs
// O(t) multiplications instead of O(t²). poseidon-reference.ts checks both forms against each other.
import { FR_MODULUS, frAdd, frInv, frMul, frSub, frToLE } from "./fr.js";

export type PoseidonArity = 2 | 4 | 8 | 11 | 16;
export const POSEIDON_ARITIES: readonly PoseidonArity[] = [2, 4, 8, 11, 16];

export type Matrix = bigint[][];

export interface PoseidonConstants {
  arity: number;
  /** t = arity + 1 */
  width: number;
  /** R_F, half before and half after the partial rounds */
  fullRounds: number;
  partialRounds: number;
  /** HashType::MerkleTree: 2^arity − 1 */
  domainTag: bigint;
  /** (R_F + R_P)·t constants, t per round in round order */
  roundConstants: bigint[];
  /** M[i][j] = 1 / (i + t + j); new state s'_i = Σ_j M[i][j]·s_j */
  mds: Matrix;
}

// ---- round numbers -------------------------------------------------------------------------------

const f32 = Math.fround;

// neptune's round_numbers_are_secure: n = 256 (it rounds the 255-bit field up), M = 128 bits, in f32.
function roundNumbersAreSecure(t: number, rf: number, rp: number): boolean {
  const n = 256;
  const m = 128;
  const rfStat = m <= (n - 3) * (t + 1) ? 6 : 10;
  const rfInterp = f32(f32(f32(f32(0.43) * m) + f32(Math.log2(t))) - rp);
  const rfGrob1 = f32(f32(f32(0.21) * n) - rp);
  const rfGrob2 = f32(f32(f32(f32(f32(0.14) * n) - 1) - rp) / (t - 1));
  const rfMax = Math.max(...[rfStat, rfInterp, rfGrob1, rfGrob2].map((x) => Math.max(0, Math.ceil(x))));
  return rf >= rfMax;
}

/** [R_F, R_P] for width t: the cheapest secure pair (t·R_F + R_P S-boxes), then R_F + 2 and R_P × 1.075. */
export function poseidonRoundNumbers(t: number): [number, number] {
  let [rf, rp, minSboxes] = [0, 0, Infinity];
  for (let rfTest = 2; rfTest <= 1000; rfTest += 2)
    for (let rpTest = 4; rpTest < 200; rpTest++) {
      // security only grows with R_P and the cost with it, so the first secure R_P is this R_F's best
      if (!roundNumbersAreSecure(t, rfTest, rpTest)) continue;
      const rfM = rfTest + 2;
      const rpM = Math.ceil(f32(f32(1.075) * rpTest));
      const sboxes = t * rfM + rpM;
      if (sboxes < minSboxes || (sboxes === minSboxes && rfM < rf)) [rf, rp, minSboxes] = [rfM, rpM, sboxes];
      break;
    }
  return [rf, rp];
}

// ---- round constants (Grain LFSR) --------------------------------------------------------------

const FIELD_PRIME = 1;
const SBOX_FIELD = 1; // neptune's quirk: 1 although its S-box is x^5 (the paper's generator uses 0)
const FIELD_BITS = 255;

/** Self-shrinking Grain LFSR output bits for the given instance. */
function grainBits(t: number, rf: number, rp: number): () => number {
  // bits[n & 127] is bit n of the sequence; bit n (n ≥ 80) = b[n−80+62] ⊕ b[n−80+51] ⊕ b[n−80+38] ⊕
  // b[n−80+23] ⊕ b[n−80+13] ⊕ b[n−80], i.e. the state's b62 ⊕ b51 ⊕ b38 ⊕ b23 ⊕ b13 ⊕ b0.
  const bits = new Uint8Array(128);
  let n = 0;
  const put = (value: number, width: number): void => {
    for (let i = width - 1; i >= 0; i--) bits[n++] = (value >>> i) & 1;
  };
  put(FIELD_PRIME, 2);
  put(SBOX_FIELD, 4);
  put(FIELD_BITS, 12);
  put(t, 12);
  put(rf, 10);
  put(rp, 10);
  put(0x3fffffff, 30);
  const step = (): number => {
    const bit =
      bits[(n - 18) & 127]! ^ bits[(n - 29) & 127]! ^ bits[(n - 42) & 127]! ^
      bits[(n - 57) & 127]! ^ bits[(n - 67) & 127]! ^ bits[(n - 80) & 127]!;
    bits[n++ & 127] = bit;
    return bit;
  };
  for (let i = 0; i < 160; i++) step();
  return () => {
    for (;;) {
      const keep = step();
      const bit = step();
      if (keep) return bit;
    }
  };
}

/** The (R_F + R_P)·t round constants: 255-bit big-endian candidates from Grain, those ≥ p skipped. */
export function grainRoundConstants(t: number, rf: number, rp: number): bigint[] {
  const next = grainBits(t, rf, rp);
  const out: bigint[] = [];
  while (out.length < (rf + rp) * t) {
    let x = 0n;
    for (const bits of [31, 32, 32, 32, 32, 32, 32, 32]) {
      let chunk = 0;
      for (let i = 0; i < bits; i++) chunk = chunk * 2 + next();
      x = (x << BigInt(bits)) | BigInt(chunk);
    }
    if (x < FR_MODULUS) out.push(x);
  }
  return out;
}

// ---- matrices mod p ------------------------------------------------------------------------------

export function mdsMatrix(t: number): Matrix {
  return Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, j) => frInv(BigInt(i + t + j))));
}

// Sums of products are reduced once per entry.
export const matVec = (m: Matrix, v: bigint[]): bigint[] =>
  m.map((row) => row.reduce((acc, x, j) => acc + x * v[j]!, 0n) % FR_MODULUS);

export const matMul = (a: Matrix, b: Matrix): Matrix =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((acc, x, k) => acc + x * b[k]![j]!, 0n) % FR_MODULUS));

/** The inverse by Gauss-Jordan elimination; throws if singular. */
export function matInvert(m: Matrix): Matrix {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1n : 0n))]);
  for (let col = 0; col < n; col++) {
    const pivot = a.findIndex((row, r) => r >= col && row[col] !== 0n);
    if (pivot < 0) throw new RangeError(`matrix of size ${n} is singular`);
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const inv = frInv(a[col]![col]!);
    a[col] = a[col]!.map((x) => frMul(x, inv));
    for (let r = 0; r < n; r++) {
      const f = a[r]![col]!;
      if (r === col || f === 0n) continue;
      a[r] = a[r]!.map((x, j) => frSub(x, frMul(f, a[col]![j]!)));
    }
  }
  return a.map((row) => row.slice(n));
}

// ---- the parameters ------------------------------------------------------------------------------

const cache = new Map<number, PoseidonConstants>();

/** neptune's constants for `arity` (Strength::Standard, HashType::MerkleTree); computed once per thread. */
export function poseidonConstants(arity: number): PoseidonConstants {
  if (!POSEIDON_ARITIES.includes(arity as PoseidonArity))
    throw new RangeError(`Poseidon arity ${arity} is not supported; use one of ${POSEIDON_ARITIES.join(", ")}`);
  let c = cache.get(arity);
  if (!c) {
    const width = arity + 1;
    const [fullRounds, partialRounds] = poseidonRoundNumbers(width);
    c = {
      arity,
      width,
      fullRounds,
      partialRounds,
      domainTag: (1n << BigInt(arity)) - 1n,
      roundConstants: grainRoundConstants(width, fullRounds, partialRounds),
      mds: mdsMatrix(width),
    };
    cache.set(arity, c);
  }
  return c;
}

// ---- the optimized form ---------------------------------------------------------------------------

/** A partial round's sparse matrix [[a, b…], [c…, I]]: s0' = a·s0 + Σ b_i·s_i, s_i' = c_i·s0 + s_i. */
export interface SparseMatrix {
  /** first row: a, b_1 … b_{t−1} */
  row: bigint[];
  /** first column below the diagonal: c_1 … c_{t−1} */
  col: bigint[];
}

/**
 * The evaluation order: state = [tag, inputs] + initial; then each round S-boxes (all elements, or element
 * 0 in a partial round), adds its post-S-box constant(s), and multiplies by its matrix.
 */
export interface OptimizedPoseidonConstants {
  base: PoseidonConstants;
  initial: bigint[];
  /** the MDS matrix, for every full round except the last one before the partial rounds */
  mds: Matrix;
  /** the matrix of the last full round before the partial rounds (absorbs the partial rounds' dense factors) */
  preSparse: Matrix;
  /** post-S-box constants of the R_F/2 first full rounds */
  firstPost: bigint[][];
  /** post-S-box constant for element 0 of each partial round */
  partialPost: bigint[];
  partialMatrices: SparseMatrix[];
  /** post-S-box constants of the R_F/2 − 1 last full rounds but the very last (which has none) */
  lastPost: bigint[][];
}

const optimizedCache = new Map<number, OptimizedPoseidonConstants>();

export function optimizedPoseidonConstants(arity: number): OptimizedPoseidonConstants {
  let o = optimizedCache.get(arity);
  if (!o) {
    o = optimize(poseidonConstants(arity));
    optimizedCache.set(arity, o);
  }
  return o;
}

function optimize(base: PoseidonConstants): OptimizedPoseidonConstants {
  const { width: t, fullRounds, partialRounds, roundConstants, mds } = base;
  const rounds = fullRounds + partialRounds;
  const half = fullRounds / 2;
  const mdsInv = matInvert(mds);
  const roundConstant = (r: number): bigint[] => roundConstants.slice(r * t, (r + 1) * t);

  // The next round's constants c_{r+1}, added right after round r's multiply by M, equal M⁻¹·c_{r+1}
  // added right before it, i.e. right after round r's S-box.
  const post = Array.from({ length: rounds }, (_, r) =>
    r + 1 < rounds ? matVec(mdsInv, roundConstant(r + 1)) : new Array<bigint>(t).fill(0n),
  );
  // In a partial round only element 0 passes the S-box, so the other elements of a post-S-box constant can
  // move before the S-box, i.e. behind the previous round's multiply: M⁻¹·(0, rest) after the previous
  // S-box. Walking backwards leaves one scalar per partial round; the first full-vector rest lands in the
  // last full round before the partial rounds.
  const partialPost = new Array<bigint>(partialRounds);
  let carry = new Array<bigint>(t).fill(0n);
  for (let r = half + partialRounds - 1; r >= half; r--) {
    const v = post[r]!.map((x, i) => frAdd(x, carry[i]!));
    partialPost[r - half] = v[0]!;
    carry = matVec(mdsInv, [0n, ...v.slice(1)]);
  }
  post[half - 1] = post[half - 1]!.map((x, i) => frAdd(x, carry[i]!));

  // Split a partial round's matrix W = S·P with P = diag(1, Ŵ) and S sparse ([[w00, w_row·Ŵ⁻¹], [w_col, I]]).
  // P leaves element 0 alone, so it commutes with that round's S-box and constant and joins the previous
  // round's matrix: W_prev = P·M. The last P joins the last full round before the partial rounds.
  const partialMatrices = new Array<SparseMatrix>(partialRounds);
  let w = mds;
  for (let r = partialRounds - 1; r >= 0; r--) {
    const wHat = w.slice(1).map((row) => row.slice(1));
    const wHatInv = matInvert(wHat);
    const wRow = w[0]!.slice(1);
    const b = wHat.map((_, j) => wRow.reduce((acc, x, k) => (acc + x * wHatInv[k]![j]!) % FR_MODULUS, 0n));
    partialMatrices[r] = { row: [w[0]![0]!, ...b], col: w.slice(1).map((row) => row[0]!) };
    const p: Matrix = [[1n, ...new Array<bigint>(t - 1).fill(0n)], ...wHat.map((row) => [0n, ...row])];
    w = matMul(p, mds);
  }

  return {
    base,
    initial: roundConstant(0),
    mds,
    preSparse: w,
    firstPost: post.slice(0, half),
    partialPost,
    partialMatrices,
    lastPost: post.slice(half + partialRounds, rounds - 1),
  };
}

// ---- Montgomery packing for the native side --------------------------------------------------------

/** Number of 32-byte elements `packPoseidonConstants` writes for width t. */
export const packedElementCount = (t: number, fullRounds: number, partialRounds: number): number =>
  1 + t + 2 * t * t + (fullRounds / 2) * t + partialRounds * 2 * t + (fullRounds / 2 - 1) * t;

/**
 * The optimized constants as Montgomery-form elements (x·2^256 mod p, four u64 limbs little-endian), in
 * the order native/poseidon.c reads them: tag, initial[t], mds[t×t], preSparse[t×t], firstPost[R_F/2][t],
 * per partial round {post, row[t], col[t−1]}, lastPost[R_F/2 − 1][t]. Matrices row-major.
 */
export function packPoseidonConstants(o: OptimizedPoseidonConstants): Uint8Array {
  const { width: t, fullRounds, partialRounds } = o.base;
  const values: bigint[] = [
    o.base.domainTag,
    ...o.initial,
    ...o.mds.flat(),
    ...o.preSparse.flat(),
    ...o.firstPost.flat(),
    ...o.partialMatrices.flatMap((m, r) => [o.partialPost[r]!, ...m.row, ...m.col]),
    ...o.lastPost.flat(),
  ];
  if (values.length !== packedElementCount(t, fullRounds, partialRounds))
    throw new Error(`packed ${values.length} Poseidon constants for t=${t}, layout expects another count`);
  const out = new Uint8Array(values.length * 32);
  values.forEach((x, i) => out.set(frToLE((x << 256n) % FR_MODULUS), i * 32));
  return out;
}
