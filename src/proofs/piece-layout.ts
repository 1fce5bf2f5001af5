// The unsealed (staged) sector file (spec/filecoin.md §5.3 last paragraph, §5.4): S bytes of Fr32-padded
// data, each piece at the next offset that is a multiple of its own padded size, zeros elsewhere. Files are
// written to a temporary name and renamed, so a crash never leaves a half-written staged file; zero regions
// are left as holes (ftruncate), so a CC sector costs no writes.
import { writeSync } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { writeFileAtomically } from "./atomic-file.js";
import { CommPHasher } from "./commp.js";
import { fr32PadStream, PADDED_BLOCK, UNPADDED_BLOCK } from "./fr32.js";
import { log2Size, zeroCommitment } from "./zero-commitments.js";

/** Unpadded bytes a piece of `pieceUnpadded` bytes occupies: the smallest 127·2^k ≥ it (at least 127). */
export function pieceFootprint(pieceUnpadded: number): number {
  let need = UNPADDED_BLOCK;
  while (need < pieceUnpadded) need *= 2;
  return need;
}

/**
 * Zero padding around a piece (rust-fil-proofs `get_piece_alignment`), in unpadded bytes: with
 * `writtenUnpadded` bytes already in the sector, `left` zeros bring the piece to a multiple of its
 * footprint and `right` zeros fill the footprint after its `pieceUnpadded` bytes.
 */
export function pieceAlignment(writtenUnpadded: number, pieceUnpadded: number): { left: number; right: number } {
  if (!Number.isSafeInteger(writtenUnpadded) || writtenUnpadded < 0 || !Number.isSafeInteger(pieceUnpadded) || pieceUnpadded < 0)
    throw new RangeError(`pieceAlignment: sizes must be non-negative integers, got ${writtenUnpadded} and ${pieceUnpadded}`);
  const need = pieceFootprint(pieceUnpadded);
  return { left: (need - (writtenUnpadded % need)) % need, right: need - pieceUnpadded };
}

/** Where a piece's bytes come from: a file path, bytes, a stream, or null for an all-zero piece. */
export type PieceSource = string | Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array> | null;

export interface PieceInput {
  source: PieceSource;
  /** Padded piece size (a deal's piece size); required for streams and zero pieces, else the smallest that fits. */
  pieceSize?: number;
}

export interface AddedPiece {
  /** Padded piece size. */
  size: number;
  commP: Uint8Array;
  /** Padded byte offset in the staged file. */
  offset: number;
  /** Payload bytes written (0 for a zero piece). */
  payloadSize: number;
}

const READ_BYTES = 127 * 2 ** 16; // 8 MiB padded per read

async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(READ_BYTES);
    let position = 0;
    while (true) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

const sourceChunks = (source: Exclude<PieceSource, null>): AsyncIterable<Uint8Array> | Iterable<Uint8Array> =>
  typeof source === "string" ? fileChunks(source) : source instanceof Uint8Array ? [source] : source;

/**
 * Streams `source` Fr32-padded into `fh` at padded `offset`, stopping with an error once more than
 * `maxPayload` bytes arrive; returns the hasher holding the piece's tree.
 */
async function writePadded(
  fh: FileHandle,
  source: Exclude<PieceSource, null>,
  offset: number,
  maxPayload: number,
  describe: (got: number) => string,
): Promise<CommPHasher> {
  const hasher = new CommPHasher({
    onPadded: (padded, at) => {
      let done = 0;
      while (done < padded.length) done += writeSync(fh.fd, padded, done, padded.length - done, offset + at + done);
    },
  });
  for await (const chunk of sourceChunks(source)) {
    if (hasher.payloadSize + chunk.length > maxPayload) throw new RangeError(describe(hasher.payloadSize + chunk.length));
    hasher.update(chunk);
  }
  return hasher;
}

async function sizeOf(source: PieceSource): Promise<number | undefined> {
  if (typeof source === "string") {
    const st = await stat(source).catch((err: NodeJS.ErrnoException) => {
      throw new Error(err.code === "ENOENT" ? `no such file: ${source}` : `cannot read ${source}: ${err.message}`, { cause: err });
    });
    if (!st.isFile()) throw new Error(`not a regular file: ${source}`);
    return st.size;
  }
  return source instanceof Uint8Array ? source.length : undefined;
}

function checkSectorSize(sectorSize: number): void {
  if (log2Size(sectorSize, "sector size") < 7) throw new RangeError(`sector size ${sectorSize} is below 128 bytes`);
}

/**
 * Writes the staged sector file `outPath` (S bytes) with `pieces` laid out in order at aligned offsets,
 * zeros elsewhere, and returns each piece's size, CommP and offset (the add_pieces stage).
 */
export async function addPieces(outPath: string, sectorSize: number, pieces: readonly PieceInput[]): Promise<AddedPiece[]> {
  checkSectorSize(sectorSize);
  // sizes first, so a piece that cannot fit fails before anything is written
  const plan: { size: number; offset: number }[] = [];
  let written = 0; // unpadded
  for (const [i, p] of pieces.entries()) {
    const payload = await sizeOf(p.source);
    if (payload === 0) throw new RangeError(`piece ${i}: empty data; use a zero piece (source null) for an all-zero piece`);
    let size = p.pieceSize;
    if (size === undefined) {
      if (payload === undefined)
        throw new RangeError(`piece ${i}: a ${p.source === null ? "zero piece" : "streamed piece"} needs pieceSize`);
      size = (pieceFootprint(payload) / UNPADDED_BLOCK) * PADDED_BLOCK;
    }
    if (log2Size(size, `piece ${i} size`) < 7) throw new RangeError(`piece ${i} size ${size} is below the 128-byte minimum piece`);
    const need = (size / PADDED_BLOCK) * UNPADDED_BLOCK;
    if (payload !== undefined && payload > need)
      throw new RangeError(`piece ${i}: ${payload} payload bytes exceed the ${need} a ${size}-byte piece holds`);
    const { left } = pieceAlignment(written, need);
    const offset = ((written + left) / UNPADDED_BLOCK) * PADDED_BLOCK;
    if (offset + size > sectorSize)
      throw new RangeError(
        `piece ${i} (padded size ${size}) does not fit: it would occupy ${offset} … ${offset + size} of a ${sectorSize}-byte sector`,
      );
    plan.push({ size, offset });
    written += left + need;
  }

  const added: AddedPiece[] = [];
  await writeFileAtomically(outPath, async (fh) => {
    for (const [i, p] of pieces.entries()) {
      const { size, offset } = plan[i]!;
      if (p.source === null) {
        added.push({ size, commP: zeroCommitment(size), offset, payloadSize: 0 });
        continue;
      }
      const need = (size / PADDED_BLOCK) * UNPADDED_BLOCK;
      const hasher = await writePadded(fh, p.source, offset, need, (got) =>
        `piece ${i}: more than ${need} payload bytes (got ${got}) for a ${size}-byte piece`,
      );
      if (hasher.payloadSize === 0) throw new RangeError(`piece ${i}: empty data`);
      const r = hasher.digest(size);
      added.push({ size, commP: r.commP, offset, payloadSize: r.payloadSize });
    }
  }, { size: sectorSize });
  return added;
}

/**
 * Stages a raw payload as the whole sector: Fr32-pads `inputPath` into `outPath` from offset 0, zero-filled
 * to S bytes. A shorter input is zero-filled, a longer one than S·127/128 bytes is an error.
 */
export async function stagePayload(inputPath: string, outPath: string, sectorSize: number): Promise<{ payloadSize: number }> {
  checkSectorSize(sectorSize);
  const capacity = (sectorSize / PADDED_BLOCK) * UNPADDED_BLOCK;
  const tooLong = (got: number): string =>
    `input ${inputPath} is ${got} bytes, longer than the ${capacity} payload bytes a ${sectorSize}-byte sector holds`;
  const size = await sizeOf(inputPath);
  if (size! > capacity) throw new RangeError(tooLong(size!));
  let payloadSize = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of fileChunks(inputPath)) {
      payloadSize += chunk.length;
      if (payloadSize > capacity) throw new RangeError(tooLong(payloadSize)); // the file grew meanwhile
      yield chunk;
    }
  }
  await writeFileAtomically(outPath, async (fh) => {
    let at = 0;
    for await (const padded of fr32PadStream(counted())) {
      await fh.write(padded, 0, padded.length, at);
      at += padded.length;
    }
  }, { size: sectorSize });
  return { payloadSize };
}
