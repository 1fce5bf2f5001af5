// Zero commitments (spec/filecoin.md §5.2): zero(32) = 32 zero bytes, zero(2s) = H(zero(s), zero(s)).
// zero(S) is the CommD of an empty sector; whole zero subtrees of a piece or sector are taken from here
// instead of being hashed. The table (2^5 … 2^63 bytes) is computed once, on first use.
import type { CID } from "multiformats/cid";
import { commDToCid } from "../filecoin/cid.js";
import { hashPair } from "./node-hash.js";

export const MIN_LOG2 = 5;
export const MAX_LOG2 = 63;

let table: Uint8Array[] | undefined;

function zeroTable(): Uint8Array[] {
  if (!table) {
    const t: Uint8Array[] = [new Uint8Array(32)];
    for (let l = MIN_LOG2 + 1; l <= MAX_LOG2; l++) t.push(hashPair(t[t.length - 1]!, t[t.length - 1]!));
    table = t;
  }
  return table;
}

/** log2 of a power-of-two size in 2^5 … 2^63 bytes; RangeError naming the size otherwise. */
export function log2Size(size: number | bigint, what = "padded size"): number {
  if (typeof size === "number" && !Number.isInteger(size))
    throw new RangeError(`${what} ${String(size)} is not a whole number of bytes`);
  const v = BigInt(size);
  if (v <= 0n || (v & (v - 1n)) !== 0n)
    throw new RangeError(`${what} ${String(size)} is not a power of two`);
  const l = v.toString(2).length - 1;
  if (l < MIN_LOG2 || l > MAX_LOG2)
    throw new RangeError(`${what} ${String(size)} is outside 32 … 2^63 bytes`);
  return l;
}

/** zero(2^log2) as a view into the shared table: callers must not modify it. */
export function zeroCommitmentOfLog2(log2: number): Uint8Array {
  if (!Number.isInteger(log2) || log2 < MIN_LOG2 || log2 > MAX_LOG2)
    throw new RangeError(`zero commitment level 2^${log2} is outside 2^5 … 2^63 bytes`);
  return zeroTable()[log2 - MIN_LOG2]!;
}

/** Root of an all-zero piece of `paddedSize` bytes (a power of two, 32 … 2^63); a fresh copy. */
export function zeroCommitment(paddedSize: number | bigint): Uint8Array {
  return zeroCommitmentOfLog2(log2Size(paddedSize)).slice();
}

/** PieceCID v1 of an all-zero piece; pieces are at least 128 bytes. */
export function zeroPieceCid(paddedSize: number | bigint): CID {
  const l = log2Size(paddedSize);
  if (l < 7) throw new RangeError(`piece size ${String(paddedSize)} is below the 128-byte minimum piece`);
  return commDToCid(zeroCommitmentOfLog2(l));
}
