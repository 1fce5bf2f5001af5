// CommP (spec/filecoin.md §5.1): the payload zero-filled to 127·2^k bytes, Fr32-padded, and a binary H tree
// over the 2^k·128/32 nodes. Streaming: the padded data is hashed one chunk (a whole subtree, 1 MiB by
// default) at a time through hashLevel's batched SHA-256, and only one pending root per level above the
// chunk is kept, so a 64 GiB file needs a few MiB of memory. Trailing zero subtrees are never hashed: their
// roots come from the zero-commitment table, so a small payload in a big piece costs only its own size.
import { open } from "node:fs/promises";
import { paddedPieceSizeFor } from "../filecoin/cid.js";
import { fr32PadInto, PADDED_BLOCK, UNPADDED_BLOCK } from "./fr32.js";
import { hashLevel, hashPair, NODE_BYTES } from "./node-hash.js";
import { log2Size, zeroCommitmentOfLog2 } from "./zero-commitments.js";

/** log2 of the padded bytes hashed per batch: 1 MiB keeps the level buffers in cache. */
export const DEFAULT_CHUNK_LOG2 = 20;
/** Unpadded bytes per file read: a whole number of chunks. */
const READ_CHUNKS = 8;

export interface CommPResult {
  commP: Uint8Array;
  /** Padded piece size in bytes (a power of two ≥ 128). */
  pieceSize: number;
  /** Payload bytes that went in. */
  payloadSize: number;
}

/**
 * Root of a binary H tree over padded nodes, fed in whole chunks of 2^chunkLog2 bytes plus one partial
 * tail; everything past the data is zero.
 */
export class PaddedTreeHasher {
  readonly chunkLog2: number;
  readonly chunkBytes: number;
  #scratchA: Uint8Array;
  #scratchB: Uint8Array;
  /** #pending[l]: root of a finished 2^(chunkLog2+l)-byte subtree waiting for its right sibling. */
  #pending: (Uint8Array | undefined)[] = [];
  #chunks = 0;

  constructor(chunkLog2 = DEFAULT_CHUNK_LOG2) {
    if (!Number.isInteger(chunkLog2) || chunkLog2 < 7 || chunkLog2 > 30)
      throw new RangeError(`chunk size 2^${chunkLog2} must be 2^7 … 2^30 bytes`);
    this.chunkLog2 = chunkLog2;
    this.chunkBytes = 2 ** chunkLog2;
    this.#scratchA = new Uint8Array(this.chunkBytes / 2);
    this.#scratchB = new Uint8Array(this.chunkBytes / 4);
  }

  /** Whole chunks absorbed so far. */
  get chunks(): number {
    return this.#chunks;
  }

  /** Absorbs one whole chunk of padded nodes (exactly chunkBytes; not modified). */
  absorbChunk(padded: Uint8Array): void {
    if (padded.length !== this.chunkBytes)
      throw new RangeError(`absorbChunk takes ${this.chunkBytes} bytes, got ${padded.length}`);
    this.#push(this.subtreeRoot(padded, this.chunkLog2));
    this.#chunks++;
  }

  #push(root: Uint8Array): void {
    let l = 0;
    while (this.#pending[l]) {
      root = hashPair(this.#pending[l]!, root);
      this.#pending[l] = undefined;
      l++;
    }
    this.#pending[l] = root;
  }

  /**
   * Root of the 2^spanLog2-byte subtree whose first bytes are `data` (whole nodes, at most one chunk)
   * and the rest zero; odd tails are paired with the zero commitment of their level, never hashed.
   */
  subtreeRoot(data: Uint8Array, spanLog2: number): Uint8Array {
    if (data.length % NODE_BYTES !== 0 || data.length > 2 ** spanLog2 || data.length > this.chunkBytes)
      throw new RangeError(`subtreeRoot: ${data.length} bytes do not fit a 2^${spanLog2}-byte subtree in one chunk`);
    if (data.length === 0) return zeroCommitmentOfLog2(spanLog2).slice();
    let cur = data;
    let nodes = data.length / NODE_BYTES;
    let out = this.#scratchA;
    for (let level = 5; level < spanLog2; level++) {
      const pairs = nodes >>> 1;
      if (pairs > 0) hashLevel(cur.subarray(0, pairs * 64), out.subarray(0, pairs * 32));
      if (nodes & 1) {
        const last = cur.subarray((nodes - 1) * 32, nodes * 32);
        out.set(hashPair(last, zeroCommitmentOfLog2(level)), pairs * 32);
      }
      nodes = (nodes + 1) >>> 1;
      cur = out;
      out = out === this.#scratchA ? this.#scratchB : this.#scratchA;
    }
    return cur.slice(0, 32);
  }

  /**
   * Root of the 2^treeLog2-byte tree: the absorbed chunks, then `tail` (whole nodes, at most one chunk),
   * then zeros. Ends this hasher.
   */
  finish(tail: Uint8Array, treeLog2: number): Uint8Array {
    const capacityChunks = treeLog2 >= this.chunkLog2 ? 2 ** (treeLog2 - this.chunkLog2) : 0;
    const tailChunks = tail.length > 0 ? 1 : 0;
    if (tail.length > this.chunkBytes || this.#chunks + tailChunks > Math.max(capacityChunks, 1))
      throw new RangeError(`${this.#chunks} chunks and a ${tail.length}-byte tail exceed a 2^${treeLog2}-byte tree`);
    if (treeLog2 < this.chunkLog2) {
      if (this.#chunks > 0)
        throw new RangeError(`${this.#chunks} chunks of 2^${this.chunkLog2} bytes exceed a 2^${treeLog2}-byte tree`);
      return this.subtreeRoot(tail, treeLog2);
    }
    if (tail.length > 0) this.#push(this.subtreeRoot(tail, this.chunkLog2));
    const top = treeLog2 - this.chunkLog2;
    let acc: Uint8Array | undefined;
    for (let l = 0; l < top; l++) {
      const left = this.#pending[l];
      if (left) acc = hashPair(left, acc ?? zeroCommitmentOfLog2(this.chunkLog2 + l));
      else if (acc) acc = hashPair(acc, zeroCommitmentOfLog2(this.chunkLog2 + l));
    }
    return acc ?? this.#pending[top] ?? zeroCommitmentOfLog2(treeLog2).slice();
  }
}

export interface CommPHasherOptions {
  /** log2 of the padded bytes hashed per batch (tests use small chunks to cross chunk edges). */
  chunkLog2?: number;
  /**
   * Sees every padded chunk (the last one ends at the last 128-byte block holding payload) before it is
   * hashed, with its padded offset in the piece. Synchronous: the buffer is reused when it returns.
   */
  onPadded?: (padded: Uint8Array, offset: number) => void;
}

/** Streaming CommP: update() with the payload in any pieces, then digest() once. */
export class CommPHasher {
  #tree: PaddedTreeHasher;
  #unpadded: Uint8Array;
  #padded: Uint8Array;
  #blocks: number;
  #filled = 0;
  #payload = 0;
  #done = false;
  #onPadded: ((padded: Uint8Array, offset: number) => void) | undefined;

  constructor(options: CommPHasherOptions = {}) {
    this.#tree = new PaddedTreeHasher(options.chunkLog2 ?? DEFAULT_CHUNK_LOG2);
    this.#blocks = this.#tree.chunkBytes / PADDED_BLOCK;
    this.#unpadded = new Uint8Array(this.#blocks * UNPADDED_BLOCK);
    this.#padded = new Uint8Array(this.#tree.chunkBytes);
    this.#onPadded = options.onPadded;
  }

  /** Unpadded bytes per chunk: feeding exactly this much at a time avoids a copy. */
  get chunkPayloadBytes(): number {
    return this.#unpadded.length;
  }

  get payloadSize(): number {
    return this.#payload;
  }

  update(data: Uint8Array): this {
    if (this.#done) throw new Error("CommPHasher.update after digest");
    const chunkU = this.#unpadded.length;
    let off = 0;
    while (off < data.length) {
      if (this.#filled === 0 && data.length - off >= chunkU) {
        this.#absorb(data, off);
        off += chunkU;
        continue;
      }
      const n = Math.min(chunkU - this.#filled, data.length - off);
      this.#unpadded.set(data.subarray(off, off + n), this.#filled);
      this.#filled += n;
      off += n;
      if (this.#filled === chunkU) {
        this.#absorb(this.#unpadded, 0);
        this.#filled = 0;
      }
    }
    this.#payload += data.length;
    return this;
  }

  #absorb(src: Uint8Array, offset: number): void {
    fr32PadInto(src, offset, this.#padded, 0, this.#blocks);
    this.#onPadded?.(this.#padded, this.#tree.chunks * this.#tree.chunkBytes);
    this.#tree.absorbChunk(this.#padded);
  }

  /**
   * The piece commitment. `pieceSize` (padded) may ask for a bigger piece than the payload needs, as a
   * deal's piece size does; the extra is zeros.
   */
  digest(pieceSize?: number): CommPResult {
    if (this.#done) throw new Error("CommPHasher.digest called twice");
    this.#done = true;
    const payloadSize = this.#payload;
    if (payloadSize === 0) throw new RangeError("empty payload: nothing to commit");
    const minimal = paddedPieceSizeFor(payloadSize);
    const size = pieceSize ?? minimal;
    const treeLog2 = log2Size(size, "piece size");
    if (size < minimal)
      throw new RangeError(`piece size ${size} is too small for ${payloadSize} payload bytes; needs at least ${minimal}`);
    const tailBlocks = Math.ceil(this.#filled / UNPADDED_BLOCK);
    this.#unpadded.fill(0, this.#filled, tailBlocks * UNPADDED_BLOCK);
    fr32PadInto(this.#unpadded, 0, this.#padded, 0, tailBlocks);
    const tail = this.#padded.subarray(0, tailBlocks * PADDED_BLOCK);
    if (tail.length > 0) this.#onPadded?.(tail, this.#tree.chunks * this.#tree.chunkBytes);
    return { commP: this.#tree.finish(tail, treeLog2), pieceSize: size, payloadSize };
  }
}

/** CommP of an in-memory payload. */
export function commPFromBytes(bytes: Uint8Array, pieceSize?: number): CommPResult {
  return new CommPHasher().update(bytes).digest(pieceSize);
}

/**
 * CommP of a file, streamed: large reads, the next read in flight while the current one is hashed.
 * Rejects a missing or empty file with a message naming the path.
 */
export async function commPFromFile(path: string, options: CommPHasherOptions = {}): Promise<CommPResult> {
  const fh = await open(path, "r").catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      err.code === "ENOENT" ? `no such file: ${path}` : `cannot open ${path}: ${err.message}`,
      { cause: err },
    );
  });
  let pending: Promise<unknown> | undefined;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`not a regular file: ${path}`);
    const hasher = new CommPHasher(options);
    const readBytes = hasher.chunkPayloadBytes * READ_CHUNKS;
    let [current, next] = [new Uint8Array(readBytes), new Uint8Array(readBytes)];
    let position = 0;
    let reading = fh.read(current, 0, readBytes, position);
    while (true) {
      pending = reading;
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      position += bytesRead;
      reading = fh.read(next, 0, readBytes, position);
      pending = reading;
      hasher.update(current.subarray(0, bytesRead));
      [current, next] = [next, current];
    }
    if (hasher.payloadSize === 0) throw new Error(`empty file: nothing to commit: ${path}`);
    return hasher.digest();
  } finally {
    await pending?.catch(() => undefined); // never close under an in-flight read
    await fh.close();
  }
}
