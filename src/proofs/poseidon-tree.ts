// Poseidon merkle trees of tree_c and tree_r_last (spec/filecoin.md §10, §12): arity-8 base trees,
// joined by a sub level (arity 8 or 2) and a top level (arity 2) in the sector's shape; their paths;
// and reading paths back from the cache files the PC2 step writes.
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { TreeShape } from "../filecoin/sizes.js";
import { poseidonHash, poseidonHashMany } from "./poseidon.js";

export const TREE_ARITY = 8;
const NODE = 32;
/** Hashes per poseidonHashMany call: big enough to amortise the call, small enough to bound scratch. */
const HASH_BATCH = 1 << 16;

/** Per level from the leaf up: the sibling nodes in ascending position, the path's own position left out. */
export type PoseidonPath = Uint8Array[][];

export interface ShapedTree {
  shape: TreeShape;
  nodes: number;
  /** Each base tree's rows, leaf row first, root last (the content of a tree-c file). */
  baseTrees: Uint8Array[];
  root: Uint8Array;
}

export interface LeafPath {
  leaf: Uint8Array;
  path: PoseidonPath;
}

const isPowerOf8 = (m: number): boolean => Number.isInteger(m) && m >= 1 && (m & (m - 1)) === 0 && Math.log2(m) % 3 === 0;

function checkLeafCount(m: number): void {
  if (!isPowerOf8(m)) throw new RangeError(`base tree leaf count ${m} is not a power of 8`);
}

/** Rows of an arity-8 base tree over `leafCount` leaves, leaf row and root included. */
export function baseTreeRows(leafCount: number): number {
  checkLeafCount(leafCount);
  return Math.log2(leafCount) / 3 + 1;
}

/** Elements of a whole base tree (every row): (8m − 1) / 7. */
export function baseTreeElements(leafCount: number): number {
  checkLeafCount(leafCount);
  return (8 * leafCount - 1) / 7;
}

/** merkletree's default_rows_to_discard for arity 8: rows above the leaves that tree_r_last leaves out. */
export function rowsToDiscard(leafCount: number): number {
  const rows = baseTreeRows(leafCount);
  if (rows <= 2) return 0;
  if (rows === 3) return 1;
  return Math.min(rows - 2, 2);
}

/** Element index (not bytes) where row `row` starts in a whole base tree. */
export function rowStart(leafCount: number, row: number): number {
  let start = 0;
  for (let r = 0, w = leafCount; r < row; r++, w /= TREE_ARITY) start += w;
  return start;
}

/** Elements kept in one tree-r-last file: the rows above the leaf row and the discarded rows. */
export function treeRLastFileElements(leafCount: number): number {
  return baseTreeElements(leafCount) - rowStart(leafCount, rowsToDiscard(leafCount) + 1);
}

/** Number of base trees in a shape: 1 (8-0-0), 2 (8-2-0), 8 (8-8-0), 16 (8-8-2). */
export function baseTreeCount(shape: TreeShape): number {
  if (shape.base !== TREE_ARITY) throw new RangeError(`tree shape base arity ${shape.base} is not supported; only 8`);
  if (![0, 2, 8].includes(shape.sub) || ![0, 2].includes(shape.top) || (shape.top && !shape.sub))
    throw new RangeError(`tree shape ${shape.base}-${shape.sub}-${shape.top} is not one of 8-0-0, 8-2-0, 8-8-0, 8-8-2`);
  return (shape.sub || 1) * (shape.top || 1);
}

/**
 * Fills rows 1… of a base tree in place: `tree` holds the leaf row at the start and room for
 * every row after it. Each row is one contiguous batch input for the next.
 */
export function hashRowsInPlace(tree: Uint8Array, leafCount: number): void {
  let read = 0;
  for (let width = leafCount; width > 1; width /= TREE_ARITY) {
    const write = read + width;
    const outCount = width / TREE_ARITY;
    for (let done = 0; done < outCount; done += HASH_BATCH) {
      const count = Math.min(HASH_BATCH, outCount - done);
      poseidonHashMany(
        TREE_ARITY,
        tree.subarray((read + done * TREE_ARITY) * NODE, (read + (done + count) * TREE_ARITY) * NODE),
        tree.subarray((write + done) * NODE, (write + done + count) * NODE),
      );
    }
    read = write;
  }
}

/** A whole arity-8 base tree over `leaves` (m·32 bytes, m a power of 8): every row, leaf row first, root last. */
export function buildBaseTree(leaves: Uint8Array): Uint8Array {
  if (leaves.length % NODE !== 0) throw new RangeError(`leaf bytes ${leaves.length} are not a multiple of 32`);
  const m = leaves.length / NODE;
  const tree = new Uint8Array(baseTreeElements(m) * NODE);
  tree.set(leaves);
  hashRowsInPlace(tree, m);
  return tree;
}

const lastNode = (tree: Uint8Array): Uint8Array => tree.subarray(tree.length - NODE);

/** Joins base roots into the shape's root (sub level, then top level). */
export function rootFromBaseRoots(baseRoots: Uint8Array[], shape: TreeShape): Uint8Array {
  const count = baseTreeCount(shape);
  if (baseRoots.length !== count) throw new RangeError(`shape needs ${count} base roots, got ${baseRoots.length}`);
  if (!shape.sub) return baseRoots[0]!;
  const subRoots: Uint8Array[] = [];
  for (let i = 0; i < count; i += shape.sub) subRoots.push(poseidonHash(baseRoots.slice(i, i + shape.sub)));
  return shape.top ? poseidonHash(subRoots) : subRoots[0]!;
}

/** Builds a tree of `shape` over `leaves` (nodes·32 bytes). */
export function buildShapedTree(leaves: Uint8Array, shape: TreeShape): ShapedTree {
  const count = baseTreeCount(shape);
  const nodes = leaves.length / NODE;
  const perTree = nodes / count;
  if (!Number.isInteger(nodes) || !isPowerOf8(perTree))
    throw new RangeError(`${nodes} leaves do not split into ${count} base trees of a power of 8 leaves`);
  const baseTrees: Uint8Array[] = [];
  for (let k = 0; k < count; k++) baseTrees.push(buildBaseTree(leaves.subarray(k * perTree * NODE, (k + 1) * perTree * NODE)));
  return { shape, nodes, baseTrees, root: rootFromBaseRoots(baseTrees.map(lastNode), shape) };
}

/** Arity of each path level, leaf up: log8(n/B) eights, then the sub and top arities when present. */
export function pathArities(nodes: number, shape: TreeShape): number[] {
  const perTree = nodes / baseTreeCount(shape);
  const arities: number[] = new Array<number>(baseTreeRows(perTree) - 1).fill(TREE_ARITY);
  if (shape.sub) arities.push(shape.sub);
  if (shape.top) arities.push(shape.top);
  return arities;
}

function checkIndex(index: number, nodes: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= nodes)
    throw new RangeError(`node index ${index} is outside 0…${nodes - 1}`);
}

/** The siblings of position `pos` of `row` (its group of `arity` nodes, `pos` itself left out). */
function siblingsOf(row: Uint8Array, pos: number, arity: number): Uint8Array[] {
  const group = pos - (pos % arity);
  const out: Uint8Array[] = [];
  for (let j = group; j < group + arity; j++) if (j !== pos) out.push(row.slice(j * NODE, (j + 1) * NODE));
  return out;
}

/** Levels above the base trees, from the base roots: siblings for base tree `k`. */
function upperLevels(baseRoots: Uint8Array[], k: number, shape: TreeShape): PoseidonPath {
  if (!shape.sub) return [];
  const path: PoseidonPath = [];
  const group = k - (k % shape.sub);
  path.push(baseRoots.slice(group, group + shape.sub).filter((_, j) => group + j !== k));
  if (shape.top) {
    const subRoots: Uint8Array[] = [];
    for (let i = 0; i < baseRoots.length; i += shape.sub) subRoots.push(poseidonHash(baseRoots.slice(i, i + shape.sub)));
    const s = Math.floor(k / shape.sub);
    path.push(subRoots.filter((_, j) => j !== s));
  }
  return path;
}

/** Leaf and path of node `index` in an in-memory shaped tree. */
export function shapedTreePath(tree: ShapedTree, index: number): LeafPath {
  checkIndex(index, tree.nodes);
  const perTree = tree.nodes / tree.baseTrees.length;
  const k = Math.floor(index / perTree);
  const base = tree.baseTrees[k]!;
  const path: PoseidonPath = [];
  let pos = index % perTree;
  let start = 0;
  for (let width = perTree; width > 1; width /= TREE_ARITY) {
    path.push(siblingsOf(base.subarray(start * NODE, (start + width) * NODE), pos, TREE_ARITY));
    start += width;
    pos = Math.floor(pos / TREE_ARITY);
  }
  path.push(...upperLevels(tree.baseTrees.map(lastNode), k, tree.shape));
  return { leaf: base.slice((index % perTree) * NODE, (index % perTree + 1) * NODE), path };
}

/**
 * Root implied by a leaf and its path at `index` (positions from the index, never from the bytes);
 * null when the path has the wrong number of levels or siblings for the shape. A node that is not a
 * canonical field element makes Poseidon throw a RangeError naming it.
 */
export function rootFromPath(
  leaf: Uint8Array,
  path: PoseidonPath,
  index: number,
  nodes: number,
  shape: TreeShape,
): Uint8Array | null {
  const arities = pathArities(nodes, shape);
  if (path.length !== arities.length || leaf.length !== NODE) return null;
  if (!Number.isInteger(index) || index < 0 || index >= nodes) return null;
  let cur = leaf;
  let pos = index;
  for (let level = 0; level < arities.length; level++) {
    const arity = arities[level]!;
    const sibs = path[level]!;
    if (sibs.length !== arity - 1 || sibs.some((s) => s.length !== NODE)) return null;
    const p = pos % arity;
    cur = poseidonHash([...sibs.slice(0, p), cur, ...sibs.slice(p)]);
    pos = Math.floor(pos / arity);
  }
  return cur;
}

// ---- cache files -------------------------------------------------------------------------------

/** `sc-02-data-tree-c.dat` for one base tree, `sc-02-data-tree-c-<k>.dat` for several (merkletree split_config). */
export function treeCFile(k: number, count: number): string {
  return count === 1 ? "sc-02-data-tree-c.dat" : `sc-02-data-tree-c-${k}.dat`;
}

export function treeRLastFile(k: number, count: number): string {
  return count === 1 ? "sc-02-data-tree-r-last.dat" : `sc-02-data-tree-r-last-${k}.dat`;
}

async function readAt(path: string, offset: number, length: number): Promise<Uint8Array> {
  const fh = await open(path, "r");
  try {
    const buf = new Uint8Array(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    if (bytesRead !== length)
      throw new Error(`${path} is too short: needed ${length} bytes at offset ${offset}, got ${bytesRead}`);
    return buf;
  } finally {
    await fh.close();
  }
}

async function checkFileSize(path: string, elements: number): Promise<void> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    if (size !== elements * NODE)
      throw new Error(`${path} has ${size} bytes; a base tree file here holds ${elements * NODE} (${elements} nodes)`);
  } finally {
    await fh.close();
  }
}

/** The last node (root) of each base tree file. */
async function fileRoots(files: string[]): Promise<Uint8Array[]> {
  return Promise.all(
    files.map(async (f) => {
      const fh = await open(f, "r");
      try {
        const { size } = await fh.stat();
        if (size < NODE || size % NODE !== 0) throw new Error(`${f} has ${size} bytes, not a whole number of nodes`);
        const buf = new Uint8Array(NODE);
        await fh.read(buf, 0, NODE, size - NODE);
        return buf;
      } finally {
        await fh.close();
      }
    }),
  );
}

/** The base-tree file (named by `fileName`) that holds node `index`, its number k and the index inside it. */
function locateBaseTree(
  cacheDir: string,
  nodes: number,
  shape: TreeShape,
  index: number,
  fileName: (k: number, count: number) => string,
): { files: string[]; k: number; file: string; perTree: number; local: number } {
  checkIndex(index, nodes);
  const count = baseTreeCount(shape);
  const perTree = nodes / count;
  const files = Array.from({ length: count }, (_, k) => join(cacheDir, fileName(k, count)));
  const k = Math.floor(index / perTree);
  return { files, k, file: files[k]!, perTree, local: index % perTree };
}

/** The siblings of position `pos` in a row stored from element `rowAt` of `file` (its group of 8 read). */
async function storedSiblings(file: string, rowAt: number, pos: number): Promise<Uint8Array[]> {
  const group = pos - (pos % TREE_ARITY);
  const row = await readAt(file, (rowAt + group) * NODE, TREE_ARITY * NODE);
  return siblingsOf(row, pos - group, TREE_ARITY);
}

/** Path of node `index` from the tree-c file(s): whole base trees. */
export async function readTreeCPath(cacheDir: string, nodes: number, shape: TreeShape, index: number): Promise<LeafPath> {
  const { files, k, file, perTree, local } = locateBaseTree(cacheDir, nodes, shape, index, treeCFile);
  await checkFileSize(file, baseTreeElements(perTree));
  const leaf = await readAt(file, local * NODE, NODE);
  const path: PoseidonPath = [];
  let pos = local;
  let start = 0;
  for (let width = perTree; width > 1; width /= TREE_ARITY) {
    path.push(await storedSiblings(file, start, pos));
    start += width;
    pos = Math.floor(pos / TREE_ARITY);
  }
  path.push(...upperLevels(await fileRoots(files), k, shape));
  return { leaf, path };
}

/**
 * Path of replica node `index` from the tree-r-last file(s), which keep only the rows above the
 * discarded ones: the discarded rows are rebuilt from the 8^(rows_to_discard+1) replica nodes of
 * the subtree that holds the index (never the whole sector).
 */
export async function readTreeRLastPath(
  cacheDir: string,
  sealedFile: string,
  nodes: number,
  shape: TreeShape,
  index: number,
): Promise<LeafPath> {
  const { files, k, file, perTree, local } = locateBaseTree(cacheDir, nodes, shape, index, treeRLastFile);
  const stored = treeRLastFileElements(perTree);
  await checkFileSize(file, stored);
  const discard = rowsToDiscard(perTree);
  const rows = baseTreeRows(perTree);

  // Rows 0…discard come from a small subtree rebuilt from the replica.
  const subLeaves = Math.min(TREE_ARITY ** (discard + 1), perTree);
  const subStart = local - (local % subLeaves);
  const replica = await readAt(sealedFile, (k * perTree + subStart) * NODE, subLeaves * NODE);
  const sub = buildBaseTree(replica);
  const path: PoseidonPath = [];
  let pos = local - subStart;
  let start = 0;
  let row = 0;
  for (let width = subLeaves; width > 1 && row <= discard; width /= TREE_ARITY, row++) {
    path.push(siblingsOf(sub.subarray(start * NODE, (start + width) * NODE), pos, TREE_ARITY));
    start += width;
    pos = Math.floor(pos / TREE_ARITY);
  }
  // Rows discard+1 … rows−2 are in the file (its element 0 is the first node of row discard+1).
  pos = Math.floor(local / TREE_ARITY ** row);
  const firstStored = rowStart(perTree, discard + 1);
  const storedRoot = await readAt(file, (rowStart(perTree, row) - firstStored + pos) * NODE, NODE);
  // The rebuilt subtree root must be the stored node: a replica changed since PC2 shows here.
  if (Buffer.compare(lastNode(sub), storedRoot) !== 0)
    throw new Error(`${sealedFile} does not match ${file} at node ${index}: the replica changed after PC2`);
  for (; row < rows - 1; row++) {
    path.push(await storedSiblings(file, rowStart(perTree, row) - firstStored, pos));
    pos = Math.floor(pos / TREE_ARITY);
  }
  path.push(...upperLevels(await fileRoots(files), k, shape));
  return { leaf: replica.slice((local - subStart) * NODE, (local - subStart + 1) * NODE), path };
}
