// tree_d (spec/filecoin.md §5.4): the binary H tree over the staged sector's n nodes, stored in the cache
// directory as sc-02-data-tree-d.dat with every level, leaves first and the root (CommD) last: (2n−1)·32 bytes.
// Built in chunks: each chunk of the staged file is one subtree whose levels are hashed in batches and written
// at their offsets; only the chunk roots (n·32/chunk bytes) stay in memory for the levels above.
import { open, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomically } from "./atomic-file.js";
import { hashLevel, hashPair, NODE_BYTES } from "./node-hash.js";
import { log2Size, zeroCommitment, zeroCommitmentOfLog2 } from "./zero-commitments.js";

export const TREE_D_FILE = "sc-02-data-tree-d.dat";

/** log2 of the staged bytes hashed per chunk. */
const DEFAULT_TREE_D_CHUNK_LOG2 = 22;
/** Bytes per write when repeating one node over a level. */
const FILL_BYTES = 1 << 20;

function nodesLog2(nodes: number): number {
  if (!Number.isSafeInteger(nodes) || nodes < 2 || !Number.isInteger(Math.log2(nodes)))
    throw new RangeError(`tree_d node count ${String(nodes)} must be a power of two ≥ 2`);
  return Math.log2(nodes);
}

/** tree_d file size for `nodes` leaves: (2n−1)·32 bytes. */
export const treeDFileSize = (nodes: number): number => (2 * nodes - 1) * NODE_BYTES;

/** Byte offset of each level in the tree_d file, leaves (level 0) first, root last. */
export function treeDLevelOffsets(nodes: number): number[] {
  const levels = nodesLog2(nodes) + 1;
  const out: number[] = [];
  let offset = 0;
  for (let j = 0, count = nodes; j < levels; j++, count /= 2) {
    out.push(offset);
    offset += count * NODE_BYTES;
  }
  return out;
}

function sectorNodes(sectorSize: number): number {
  if (log2Size(sectorSize, "sector size") < 7) throw new RangeError(`sector size ${sectorSize} is below 128 bytes`);
  return sectorSize / NODE_BYTES;
}

/**
 * Builds `cacheDir/sc-02-data-tree-d.dat` from the staged sector file (exactly `sectorSize` bytes) and
 * returns its root, the raw CommD.
 */
export async function buildTreeD(
  stagedFile: string,
  cacheDir: string,
  sectorSize: number,
  options: { chunkLog2?: number } = {},
): Promise<Uint8Array> {
  const nodes = sectorNodes(sectorSize);
  const offsets = treeDLevelOffsets(nodes);
  const st = await stat(stagedFile).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === "ENOENT" ? `staged file ${stagedFile} does not exist` : `cannot read staged file ${stagedFile}: ${err.message}`, { cause: err });
  });
  if (!st.isFile() || st.size !== sectorSize)
    throw new RangeError(`staged file ${stagedFile} is ${st.isFile() ? `${st.size} bytes` : "not a regular file"}; a ${sectorSize}-byte sector needs exactly ${sectorSize}`);

  const chunkLog2 = Math.min(options.chunkLog2 ?? DEFAULT_TREE_D_CHUNK_LOG2, Math.log2(sectorSize));
  if (chunkLog2 < 6) throw new RangeError(`tree_d chunk 2^${chunkLog2} must be at least 64 bytes`);
  const chunk = 2 ** chunkLog2;
  const chunks = sectorSize / chunk;
  const chunkLevels = chunkLog2 - 5;
  const levelBufs = Array.from({ length: chunkLevels + 1 }, (_, j) => (j === 0 ? new Uint8Array(0) : new Uint8Array(chunk >> j)));
  const roots = new Uint8Array(chunks * NODE_BYTES);
  let root = new Uint8Array(0);

  const input = await open(stagedFile, "r");
  let reading: Promise<unknown> | undefined;
  try {
    const readChunk = async (buf: Uint8Array, k: number): Promise<Uint8Array> => {
      let got = 0;
      while (got < chunk) {
        const { bytesRead } = await input.read(buf, got, chunk - got, k * chunk + got);
        if (bytesRead === 0) throw new Error(`staged file ${stagedFile} ended at ${k * chunk + got} bytes while building tree_d`);
        got += bytesRead;
      }
      return buf;
    };
    await writeFileAtomically(join(cacheDir, TREE_D_FILE), async (out) => {
      let [cur, spare] = [new Uint8Array(chunk), new Uint8Array(chunk)];
      let next = readChunk(cur, 0);
      for (let k = 0; k < chunks; k++) {
        reading = next;
        const leaves = await next;
        if (k + 1 < chunks) reading = next = readChunk(spare, k + 1); // the next read overlaps this chunk's hashing
        let prev = leaves;
        for (let j = 1; j <= chunkLevels; j++) {
          hashLevel(prev, levelBufs[j]!);
          prev = levelBufs[j]!;
        }
        roots.set(prev.subarray(0, NODE_BYTES), k * NODE_BYTES);
        await Promise.all(
          levelBufs.map((b, j) =>
            j === 0 ? out.write(leaves, 0, chunk, k * chunk) : out.write(b, 0, b.length, offsets[j]! + (k * chunk) / 2 ** j),
          ),
        );
        [cur, spare] = [spare, cur];
      }
      // levels above the chunks, from the chunk roots
      let level = roots;
      for (let j = chunkLevels + 1; level.length > NODE_BYTES; j++) {
        const up = new Uint8Array(level.length / 2);
        hashLevel(level, up);
        await out.write(up, 0, up.length, offsets[j]!);
        level = up;
      }
      root = level.slice();
    });
  } finally {
    await reading?.catch(() => undefined);
    await input.close();
  }
  return root;
}

/**
 * Writes the tree_d of an all-zero (committed-capacity) sector into `dir`: level j is zero(32·2^j)
 * repeated, the leaf level is left as a hole. Returns zero(S).
 */
export async function writeStaticTreeD(sectorSize: number, dir: string): Promise<Uint8Array> {
  const nodes = sectorNodes(sectorSize);
  const offsets = treeDLevelOffsets(nodes);
  const fillLevels = async (fh: FileHandle): Promise<void> => {
    for (let j = 1; j < offsets.length; j++) {
      const levelBytes = (nodes / 2 ** j) * NODE_BYTES;
      const fill = new Uint8Array(Math.min(levelBytes, FILL_BYTES));
      const z = zeroCommitmentOfLog2(5 + j);
      for (let i = 0; i < fill.length; i += NODE_BYTES) fill.set(z, i);
      for (let done = 0; done < levelBytes; done += fill.length) await fh.write(fill, 0, fill.length, offsets[j]! + done);
    }
  };
  await writeFileAtomically(join(dir, TREE_D_FILE), fillLevels, { size: treeDFileSize(nodes) });
  return zeroCommitment(sectorSize);
}

/** Leaf count of a tree_d file from its size; RangeError naming the path if it is not (2n−1)·32 bytes. */
async function treeDNodes(path: string): Promise<number> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === "ENOENT" ? `tree_d file ${path} does not exist` : `cannot read tree_d file ${path}: ${err.message}`, { cause: err });
  });
  const nodes = (st.size / NODE_BYTES + 1) / 2;
  if (st.size % NODE_BYTES !== 0 || !Number.isInteger(nodes) || nodes < 2 || !Number.isInteger(Math.log2(nodes)))
    throw new RangeError(`tree_d file ${path} is ${st.size} bytes; expected (2n−1)·32 bytes for a power-of-two n`);
  return nodes;
}

async function readNode(fh: FileHandle, position: number, path: string): Promise<Uint8Array> {
  const node = new Uint8Array(NODE_BYTES);
  const { bytesRead } = await fh.read(node, 0, NODE_BYTES, position);
  if (bytesRead !== NODE_BYTES) throw new Error(`tree_d file ${path}: short read at ${position}`);
  return node;
}

/** CommD as Lotus reads it: the last 32 bytes of the tree_d file. */
export async function readCommDFromTreeD(path: string): Promise<Uint8Array> {
  const nodes = await treeDNodes(path);
  const fh = await open(path, "r");
  try {
    return await readNode(fh, treeDFileSize(nodes) - NODE_BYTES, path);
  } finally {
    await fh.close();
  }
}

/** A leaf and its sibling at every level, bottom up, read from a tree_d file of `nodes` leaves. */
export async function readTreeDPath(
  path: string,
  nodes: number,
  leafIndex: number,
): Promise<{ leaf: Uint8Array; siblings: Uint8Array[] }> {
  const offsets = treeDLevelOffsets(nodes);
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= nodes)
    throw new RangeError(`leaf index ${String(leafIndex)} is outside 0 … ${nodes - 1}`);
  const fileNodes = await treeDNodes(path);
  if (fileNodes !== nodes) throw new RangeError(`tree_d file ${path} has ${fileNodes} leaves, not ${nodes}`);
  const fh = await open(path, "r");
  try {
    const leaf = await readNode(fh, leafIndex * NODE_BYTES, path);
    const siblings: Uint8Array[] = [];
    for (let j = 0, idx = leafIndex; j < offsets.length - 1; j++, idx = Math.floor(idx / 2))
      siblings.push(await readNode(fh, offsets[j]! + (idx % 2 === 0 ? idx + 1 : idx - 1) * NODE_BYTES, path));
    return { leaf, siblings };
  } finally {
    await fh.close();
  }
}

/** Checks a binary path: at level i the running node is the right child iff bit i of `index` is set. */
export function verifyTreeDPath(leaf: Uint8Array, siblings: readonly Uint8Array[], index: number, root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** siblings.length) return false;
  if (leaf.length !== NODE_BYTES || root.length !== NODE_BYTES || siblings.some((s) => s.length !== NODE_BYTES)) return false;
  let cur = leaf;
  let idx = index;
  for (const sib of siblings) {
    cur = idx % 2 === 1 ? hashPair(sib, cur) : hashPair(cur, sib);
    idx = Math.floor(idx / 2);
  }
  return Buffer.compare(cur, root) === 0;
}
