// Poseidon as Filecoin uses it (neptune, Strength::Standard, HashType::MerkleTree; spec/filecoin.md §9):
// the hash of tree_c columns and tree_r_last nodes. Hashing runs in the native addon on the optimized
// constants, prepared once per arity and thread; poseidon-reference.ts is the BigInt definition it is
// tested against.
import { FR_BYTES, isCanonicalFr } from "./fr.js";
import { loadNative, type PreparedPoseidon } from "./native.js";
import {
  optimizedPoseidonConstants,
  packPoseidonConstants,
  POSEIDON_ARITIES,
  type PoseidonArity,
} from "./poseidon-constants.js";

export type { PoseidonArity } from "./poseidon-constants.js";

const prepared = new Map<number, PreparedPoseidon>();

function preparedFor(arity: number): PreparedPoseidon {
  let p = prepared.get(arity);
  if (!p) {
    if (!POSEIDON_ARITIES.includes(arity as PoseidonArity))
      throw new RangeError(`Poseidon arity ${arity} is not supported; use one of ${POSEIDON_ARITIES.join(", ")}`);
    const o = optimizedPoseidonConstants(arity);
    p = loadNative().poseidonPrepare(arity, o.base.fullRounds, o.base.partialRounds, packPoseidonConstants(o));
    prepared.set(arity, p);
  }
  return p;
}

/** Hash of inputs.length (the arity) 32-byte little-endian canonical field elements; 32 bytes LE. */
export function poseidonHash(inputs: Uint8Array[]): Uint8Array {
  const arity = inputs.length;
  const p = preparedFor(arity);
  const input = new Uint8Array(arity * FR_BYTES);
  inputs.forEach((x, i) => {
    if (!isCanonicalFr(x))
      throw new RangeError(
        x.length === FR_BYTES
          ? `Poseidon input ${i} is not a canonical Fr element (must be < p)`
          : `Poseidon input ${i} is ${x.length} bytes; an Fr element is ${FR_BYTES}`,
      );
    input.set(x, i * FR_BYTES);
  });
  const out = new Uint8Array(FR_BYTES);
  loadNative().poseidonHashMany(p, input, out);
  return out;
}

/**
 * Batch hashing: `input` holds count×arity elements (count×arity×32 bytes), `out` receives the count
 * hashes (count×32 bytes). `out` must not overlap `input`.
 */
export function poseidonHashMany(arity: PoseidonArity, input: Uint8Array, out: Uint8Array): void {
  const p = preparedFor(arity);
  const count = out.length / FR_BYTES;
  if (!Number.isInteger(count) || input.length !== count * arity * FR_BYTES)
    throw new RangeError(
      `poseidonHashMany(${arity}) needs count×${arity * FR_BYTES} input bytes and count×32 output bytes, ` +
        `got ${input.length} and ${out.length}`,
    );
  const bad = loadNative().poseidonHashMany(p, input, out);
  if (bad >= 0)
    throw new RangeError(
      `poseidonHashMany: input element ${bad} (hash ${Math.floor(bad / arity)}, position ${bad % arity}) ` +
        "is not a canonical Fr element (must be < p)",
    );
}
