// CommD from a piece list (spec/filecoin.md §5.3): the stack algorithm of rust-fil-proofs
// `compute_comm_d`, plus step 5 (grow the single root to the sector size with zero subtrees), so callers
// need not complete the list with filler pieces. Every piece sits at the next offset that is a multiple of
// its own padded size; gaps and the tail are zero.
import { hashPair } from "./node-hash.js";
import { log2Size, zeroCommitment, zeroCommitmentOfLog2 } from "./zero-commitments.js";

export interface PieceInfo {
  /** Padded piece size in bytes: a power of two, 128 … sector size. */
  size: number;
  /** The piece's CommP (raw 32-byte root). */
  commP: Uint8Array;
  /** How errors name the piece (e.g. the command-line argument); default "piece <index>". */
  label?: string;
}

interface Entry {
  log2: number;
  root: Uint8Array;
}

/** Checks sizes and placement; names the piece, its size and where it would land. */
function checkPieces(sectorSize: number, pieces: readonly PieceInfo[]): void {
  let end = 0;
  pieces.forEach((p, i) => {
    const name = p.label ?? `piece ${i}`;
    const l = log2Size(p.size, `${name} padded size`);
    if (l < 7) throw new RangeError(`${name} padded size ${p.size} is below the 128-byte minimum piece`);
    if (!(p.commP instanceof Uint8Array) || p.commP.length !== 32)
      throw new RangeError(`${name} commP must be 32 bytes, got ${p.commP?.length}`);
    const offset = Math.ceil(end / p.size) * p.size;
    if (offset + p.size > sectorSize)
      throw new RangeError(
        `${name} (padded size ${p.size}) does not fit: it would occupy ${offset} … ${offset + p.size} after ` +
          `${i} earlier piece(s) ending at ${end}, but the sector is ${sectorSize} bytes`,
      );
    end = offset + p.size;
  });
}

/** CommD (raw 32-byte root) of a sector of `sectorSize` bytes holding `pieces` in order. */
export function commDFromPieces(sectorSize: number, pieces: readonly PieceInfo[]): Uint8Array {
  const sectorLog2 = log2Size(sectorSize, "sector size");
  if (sectorLog2 < 7) throw new RangeError(`sector size ${sectorSize} is below 128 bytes`);
  if (pieces.length === 0) return zeroCommitment(sectorSize);
  checkPieces(sectorSize, pieces);

  const stack: Entry[] = [];
  const reduce = (): void => {
    while (stack.length >= 2 && stack[stack.length - 1]!.log2 === stack[stack.length - 2]!.log2) {
      const upper = stack.pop()!;
      const lower = stack.pop()!;
      stack.push({ log2: lower.log2 + 1, root: hashPair(lower.root, upper.root) });
    }
  };
  const padTop = (): void => {
    const top = stack[stack.length - 1]!;
    stack.push({ log2: top.log2, root: zeroCommitmentOfLog2(top.log2) });
    reduce();
  };

  for (const [i, p] of pieces.entries()) {
    const q: Entry = { log2: Math.log2(p.size), root: p.commP };
    if (i > 0) while (stack[stack.length - 1]!.log2 < q.log2) padTop();
    stack.push(q);
    reduce();
  }
  while (stack.length > 1) padTop();
  let { log2, root } = stack[0]!;
  while (log2 < sectorLog2) root = hashPair(root, zeroCommitmentOfLog2(log2++));
  if (log2 > sectorLog2) throw new RangeError(`pieces total 2^${log2} bytes, more than the ${sectorSize}-byte sector`);
  return Uint8Array.from(root);
}
