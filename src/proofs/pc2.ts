// PC2 (spec/filecoin.md §10): column hashes → tree_c, replica = data + last layer → tree_r_last,
// comm_r = Poseidon_2(comm_c, comm_r_last); writes the sealed file, the tree files, p_aux and t_aux.
//
// The sector is processed in chunks of C = 8^k nodes, one aligned subtree of a base tree at a
// time, so memory stays at a few times C·32·layers bytes whatever the sector size: each chunk's
// subtree rows go straight to their place in the row-major tree files, and only the chunk roots
// are kept to build the rows above them at the end.
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { sealProofType } from "../filecoin/proof-types.js";
import { sectorParams, type TreeShape } from "../filecoin/sizes.js";
import { AtomicFile } from "./atomic-file.js";
import { writePAux, writeTAux } from "./aux-files.js";
import { frAddMany } from "./fr.js";
import {
  TREE_ARITY,
  baseTreeCount,
  baseTreeElements,
  baseTreeRows,
  buildBaseTree,
  hashRowsInPlace,
  rootFromBaseRoots,
  rowStart,
  rowsToDiscard,
  treeCFile,
  treeRLastFile,
} from "./poseidon-tree.js";
import { poseidonHash, poseidonHashMany, type PoseidonArity } from "./poseidon.js";
import { LAYER_FILE } from "./sdr-labels.js";

const NODE = 32;
/** Nodes per chunk: 8^6 = 262,144 nodes (8 MiB per layer), a whole 8MiB sector in one go. */
const CHUNK_NODES = TREE_ARITY ** 6;

export interface Pc2Input {
  sealProofId: number;
  cacheDir: string;
  /** The Fr32-padded sector data (the unsealed/staged file). */
  stagedFile: string;
  /** Written with the replica (replaced atomically). */
  sealedFile: string;
  /** Nodes per chunk, a power of 8 (default 8^6, capped at one base tree); tests use small chunks. */
  chunkNodes?: number;
}

export interface Pc2Output {
  commC: Uint8Array;
  commRLast: Uint8Array;
  commR: Uint8Array;
}

/** Built-in PC1/PC2 seal the 8-0-0 sizes (2KiB, 8MiB, 512MiB); larger sizes need an external processor. */
export function assertBuiltinSealSize(sealProofId: number): void {
  const pt = sealProofType(sealProofId);
  const { shape, label } = sectorParams(pt.sectorSize);
  if (shape.sub !== 0 || shape.top !== 0)
    throw new RangeError(
      `seal proof ${pt.rustName} (${label}) is not sealed by the built-in pc1/pc2 (2KiB, 8MiB and 512MiB only): ` +
        "configure an external processor for pc1 and pc2",
    );
}

async function readExact(fh: FileHandle, buf: Uint8Array, offset: number, what: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, offset + done);
    if (bytesRead === 0) throw new Error(`${what} is too short: needed ${buf.length} bytes at offset ${offset}`);
    done += bytesRead;
  }
}

async function checkSize(fh: FileHandle, size: number, what: string): Promise<void> {
  const st = await fh.stat();
  if (st.size !== size) throw new Error(`${what} has ${st.size} bytes; the sector needs exactly ${size}`);
}

/** Interleaves the layers' labels per node: col[v] = label_1[v] ‖ … ‖ label_L[v] (8 u32 words each). */
function interleave(layers: Uint32Array[], col: Uint32Array, count: number): void {
  const l = layers.length;
  for (let v = 0; v < count; v++) {
    const dst = v * 8 * l;
    for (let k = 0; k < l; k++) {
      const src = layers[k]!;
      const s = v * 8;
      const d = dst + k * 8;
      col[d] = src[s]!;
      col[d + 1] = src[s + 1]!;
      col[d + 2] = src[s + 2]!;
      col[d + 3] = src[s + 3]!;
      col[d + 4] = src[s + 4]!;
      col[d + 5] = src[s + 5]!;
      col[d + 6] = src[s + 6]!;
      col[d + 7] = src[s + 7]!;
    }
  }
}

/**
 * Writes chunk `j`'s subtree (rows 0…log8(C), chunk-local) into a base tree file that keeps rows
 * `firstRow`… of a tree over `perTree` leaves, row-major from `firstRow`.
 */
async function writeChunkRows(
  file: AtomicFile,
  chunkTree: Uint8Array,
  chunkNodes: number,
  j: number,
  perTree: number,
  firstRow: number,
): Promise<void> {
  const base = rowStart(perTree, firstRow);
  let local = 0;
  for (let r = 0, w = chunkNodes; w >= 1; r++, w /= TREE_ARITY) {
    if (r >= firstRow) await file.writeAt(chunkTree.subarray(local * NODE, (local + w) * NODE), (rowStart(perTree, r) - base + j * w) * NODE);
    local += w;
    if (w === 1) break;
  }
}

/** Writes the rows above the chunk roots (the top tree over them) into the same file. */
async function writeTopRows(
  file: AtomicFile,
  chunkRoots: Uint8Array,
  chunkNodes: number,
  perTree: number,
  firstRow: number,
): Promise<Uint8Array> {
  const top = buildBaseTree(chunkRoots);
  const offsetRows = baseTreeRows(chunkNodes) - 1;
  const base = rowStart(perTree, firstRow);
  let local = 0;
  for (let t = 0, w = chunkRoots.length / NODE; w >= 1; t++, w /= TREE_ARITY) {
    const r = offsetRows + t;
    if (t > 0 && r >= firstRow) await file.writeAt(top.subarray(local * NODE, (local + w) * NODE), (rowStart(perTree, r) - base) * NODE);
    local += w;
    if (w === 1) break;
  }
  return top.slice(top.length - NODE);
}

/** What PC2 needs to know about the sector; runPc2 derives it from the seal proof type. */
export interface Pc2Geometry {
  nodes: number;
  layers: number;
  shape: TreeShape;
  /** Nodes per chunk, a power of 8 (default 8^6, capped at one base tree); tests use small chunks. */
  chunkNodes?: number;
}

export interface Pc2FilesInput extends Pc2Geometry {
  cacheDir: string;
  stagedFile: string;
  sealedFile: string;
}

export async function runPc2({ sealProofId, cacheDir, stagedFile, sealedFile, chunkNodes }: Pc2Input): Promise<Pc2Output> {
  assertBuiltinSealSize(sealProofId);
  const { nodes, layers, shape } = sectorParams(sealProofType(sealProofId).sectorSize);
  return runPc2Files({ nodes, layers, shape, chunkNodes, cacheDir, stagedFile, sealedFile });
}

/** PC2 for any geometry (the shapes of the proofs library's test sizes included). */
export async function runPc2Files(input: Pc2FilesInput): Promise<Pc2Output> {
  const { cacheDir, stagedFile, sealedFile } = input;
  const count = baseTreeCount(input.shape);
  const perTree = input.nodes / count;
  baseTreeRows(perTree); // throws unless a power of 8
  baseTreeRows(input.chunkNodes ?? CHUNK_NODES);
  const g = {
    ...input,
    count,
    perTree,
    chunk: Math.min(perTree, input.chunkNodes ?? CHUNK_NODES),
    discard: rowsToDiscard(perTree),
  };
  const size = g.nodes * NODE;
  const inputs: FileHandle[] = [];
  const outputs: AtomicFile[] = [];
  try {
    const layerFiles: FileHandle[] = [];
    for (let l = 1; l <= g.layers; l++) {
      const path = join(cacheDir, LAYER_FILE(l));
      const fh = await open(path, "r");
      inputs.push(fh);
      await checkSize(fh, size, path);
      layerFiles.push(fh);
    }
    const staged = await open(stagedFile, "r");
    inputs.push(staged);
    await checkSize(staged, size, stagedFile);

    const sealed = await AtomicFile.create(sealedFile, { size });
    outputs.push(sealed);
    const treeRFirstRow = g.discard + 1;
    const treeCSize = baseTreeElements(g.perTree) * NODE;
    const treeRSize = treeCSize - rowStart(g.perTree, treeRFirstRow) * NODE;

    const C = g.chunk;
    const layerBufs = Array.from({ length: g.layers }, () => new Uint8Array(C * NODE));
    const layerWords = layerBufs.map((b) => new Uint32Array(b.buffer));
    const col = new Uint8Array(C * NODE * g.layers);
    const colWords = new Uint32Array(col.buffer);
    const data = new Uint8Array(C * NODE);
    const cTree = new Uint8Array(baseTreeElements(C) * NODE);
    const rTree = new Uint8Array(baseTreeElements(C) * NODE);
    const chunksPerTree = g.perTree / C;
    const cBaseRoots: Uint8Array[] = [];
    const rBaseRoots: Uint8Array[] = [];

    for (let k = 0; k < g.count; k++) {
      const treeC = await AtomicFile.create(join(cacheDir, treeCFile(k, g.count)), { size: treeCSize });
      outputs.push(treeC);
      const treeR = await AtomicFile.create(join(cacheDir, treeRLastFile(k, g.count)), { size: treeRSize });
      outputs.push(treeR);
      const cRoots = new Uint8Array(chunksPerTree * NODE);
      const rRoots = new Uint8Array(chunksPerTree * NODE);
      for (let j = 0; j < chunksPerTree; j++) {
        const offset = (k * g.perTree + j * C) * NODE;
        for (let l = 0; l < g.layers; l++)
          await readExact(layerFiles[l]!, layerBufs[l]!, offset, join(cacheDir, LAYER_FILE(l + 1)));
        await readExact(staged, data, offset, stagedFile);

        // tree_c leaves: the column hashes Poseidon_layers(label_1[v] … label_L[v]).
        interleave(layerWords, colWords, C);
        poseidonHashMany(g.layers as PoseidonArity, col, cTree.subarray(0, C * NODE));
        hashRowsInPlace(cTree, C);
        await writeChunkRows(treeC, cTree, C, j, g.perTree, 0);
        cRoots.set(cTree.subarray(cTree.length - NODE), j * NODE);

        // Replica: data + key (the last layer) mod p; then its tree, minus the discarded rows.
        const replica = rTree.subarray(0, C * NODE);
        frAddMany(data, layerBufs[g.layers - 1]!, replica);
        await sealed.writeAt(replica, offset);
        hashRowsInPlace(rTree, C);
        await writeChunkRows(treeR, rTree, C, j, g.perTree, treeRFirstRow);
        rRoots.set(rTree.subarray(rTree.length - NODE), j * NODE);
      }
      cBaseRoots.push(await writeTopRows(treeC, cRoots, C, g.perTree, 0));
      rBaseRoots.push(await writeTopRows(treeR, rRoots, C, g.perTree, treeRFirstRow));
    }

    for (const fh of inputs.splice(0)) await fh.close();
    for (const f of outputs.splice(0)) await f.commit();

    const commC = rootFromBaseRoots(cBaseRoots, g.shape);
    const commRLast = rootFromBaseRoots(rBaseRoots, g.shape);
    await writePAux(cacheDir, commC, commRLast);
    await writeTAux(cacheDir, g.nodes, g.layers, g.shape);
    return { commC, commRLast, commR: poseidonHash([commC, commRLast]) };
  } finally {
    for (const fh of inputs) await fh.close().catch(() => undefined);
    for (const f of outputs) await f.abandon();
  }
}
