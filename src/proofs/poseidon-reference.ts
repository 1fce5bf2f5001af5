// Poseidon in plain BigInt, written to be obviously the definition (spec/filecoin.md §9), plus the same
// hash through the optimized constants. Tests hold the native addon to the first; the second shows the
// optimized constants right independently of the C code. About 1,500 arity-8 hashes per second.
import { FR_MODULUS, frAdd, frMul } from "./fr.js";
import { matVec, optimizedPoseidonConstants, poseidonConstants } from "./poseidon-constants.js";

const pow5 = (x: bigint): bigint => {
  const x2 = frMul(x, x);
  return frMul(frMul(x2, x2), x);
};

function checkInputs(inputs: readonly bigint[]): void {
  inputs.forEach((x, i) => {
    if (x < 0n || x >= FR_MODULUS) throw new RangeError(`Poseidon input ${i} (${x}) is not in [0, p)`);
  });
}

/** neptune's Poseidon (Strength::Standard, HashType::MerkleTree) of inputs.length field elements. */
export function poseidonHashReference(inputs: readonly bigint[]): bigint {
  checkInputs(inputs);
  const { width: t, fullRounds, partialRounds, domainTag, roundConstants, mds } = poseidonConstants(inputs.length);
  const half = fullRounds / 2;
  let state = [domainTag, ...inputs];
  for (let r = 0; r < fullRounds + partialRounds; r++) {
    state = state.map((x, i) => frAdd(x, roundConstants[r * t + i]!));
    const full = r < half || r >= half + partialRounds;
    state = state.map((x, i) => (full || i === 0 ? pow5(x) : x));
    state = matVec(mds, state);
  }
  return state[1]!;
}

/** The same hash through the optimized constants (sparse partial rounds), still in BigInt. */
export function poseidonHashOptimizedReference(inputs: readonly bigint[]): bigint {
  checkInputs(inputs);
  const o = optimizedPoseidonConstants(inputs.length);
  const { fullRounds, domainTag } = o.base;
  const half = fullRounds / 2;
  let state = [domainTag, ...inputs].map((x, i) => frAdd(x, o.initial[i]!));
  for (let r = 0; r < half; r++) {
    state = state.map((x, i) => frAdd(pow5(x), o.firstPost[r]![i]!));
    state = matVec(r === half - 1 ? o.preSparse : o.mds, state);
  }
  o.partialMatrices.forEach(({ row, col }, r) => {
    const s0 = frAdd(pow5(state[0]!), o.partialPost[r]!);
    const first = state.reduce((acc, x, i) => (acc + row[i]! * (i === 0 ? s0 : x)) % FR_MODULUS, 0n);
    state = [first, ...state.slice(1).map((x, i) => frAdd(x, frMul(col[i]!, s0)))];
  });
  for (let r = 0; r < half; r++) {
    const post = o.lastPost[r];
    state = state.map((x, i) => (post ? frAdd(pow5(x), post[i]!) : pow5(x)));
    state = matVec(o.mds, state);
  }
  return state[1]!;
}
