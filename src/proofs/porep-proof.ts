// C1: the vanilla PoRep proofs of a sealed sector (spec/filecoin.md §12). For every challenge of every
// partition: the data leaf and its tree_d path, the replica leaf and its tree_r_last path, and the
// columns (every layer's label plus the tree_c path) of the challenged node and its 14 parents.
// The verifier is porep-verify.ts; the devnet envelope (the built-in c2 output) is devnet-proof.ts.
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { proverId, porepId, replicaId } from "../filecoin/ids.js";
import { readPAux } from "./aux-files.js";
import { porepChallenges } from "./challenges.js";
import { NI_SEED, porepLayout } from "./porep-layout.js";
import { poseidonHash } from "./poseidon.js";
import { readTreeCPath, readTreeRLastPath, type PoseidonPath } from "./poseidon-tree.js";
import { SdrGraph } from "./sdr-graph.js";
import { LAYER_FILE } from "./sdr-labels.js";
import { readTreeDPath, TREE_D_FILE } from "./tree-d.js";

export type { PoseidonPath } from "./poseidon-tree.js";

/** One node's column: its label in every layer (layer 1 first) and the tree_c path of the column hash. */
export interface ColumnOpening {
  labels: Uint8Array[];
  path: PoseidonPath;
}

export interface ChallengeProof {
  node: number;
  dataLeaf: Uint8Array;
  /** One sibling per binary level, leaf level first. */
  treeDPath: Uint8Array[];
  replicaLeaf: Uint8Array;
  treeRLastPath: PoseidonPath;
  /** 15 columns: the challenged node, its 6 base parents, its 8 expander parents (filecoin.md §7.3 order). */
  columns: ColumnOpening[];
}

export interface PartitionProof {
  commC: Uint8Array;
  commRLast: Uint8Array;
  challenges: ChallengeProof[];
}

export interface VanillaPoRep {
  sealProof: number;
  minerId: bigint;
  /** NI PoRep: the sealing number. */
  sectorNumber: bigint;
  ticket: Uint8Array;
  /** NI PoRep: NI_SEED. */
  seed: Uint8Array;
  /** The raw tree_d root. */
  commD: Uint8Array;
  commR: Uint8Array;
  partitions: PartitionProof[];
}

// The layout lives in porep-layout.ts (the devnet codec needs it without this module); re-exported for importers.
export { BASE_PARENTS, COLUMNS_PER_CHALLENGE, EXPANDER_PARENTS, NI_SEED, porepLayout, type PoRepLayout } from "./porep-layout.js";

const graphCache = new Map<number, SdrGraph>();

/** The SDR graph of a seal proof type, built once per type (its keys cost a few hashes). */
export function graphFor(sealProof: number): SdrGraph {
  let g = graphCache.get(sealProof);
  if (!g) {
    const { type, nodes } = porepLayout(sealProof);
    g = new SdrGraph(porepId(sealProof), nodes, type.apiVersion);
    graphCache.set(sealProof, g);
  }
  return g;
}

/** The 15 nodes whose columns a challenge opens: the node, then its 14 parents in graph order. */
export function columnNodes(graph: SdrGraph, node: number): number[] {
  return [node, ...graph.parents(node)];
}

export interface GenerateVanillaPoRepInput {
  sealProof: number;
  minerId: number | bigint;
  /** NI PoRep: the sealing number. */
  sectorNumber: number | bigint;
  ticket: Uint8Array;
  /** Interactive randomness; required except for NI types (which use NI_SEED and reject any other). */
  seed?: Uint8Array;
  /** The raw tree_d root (32 bytes). */
  commD: Uint8Array;
  commR: Uint8Array;
  /** The sector's cache directory: layer files, tree_d, tree_c, tree_r_last, p_aux. */
  cacheDir: string;
  sealedFile: string;
}

function need32(b: Uint8Array | undefined, field: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32)
    throw new RangeError(`${field} must be 32 bytes, got ${b instanceof Uint8Array ? `${b.length} bytes` : String(b)}`);
  return b;
}

function toU64(v: number | bigint, field: string): bigint {
  if (typeof v === "number" && !Number.isSafeInteger(v)) throw new RangeError(`${field} ${v} is not a safe integer`);
  const b = BigInt(v);
  if (b < 0n || b >= 1n << 64n) throw new RangeError(`${field} ${v} is outside 0..2^64-1`);
  return b;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Reads the challenged nodes' openings from the sector's files. Synthetic types: the challenges are the
 * selected synthetic challenges and the openings are read from the layer files directly (this project
 * keeps the layers until C1 instead of writing syn-porep-vanilla-proofs.dat); the proofs are identical.
 */
export async function generateVanillaPoRep(input: GenerateVanillaPoRepInput): Promise<VanillaPoRep> {
  const layout = porepLayout(input.sealProof);
  const { type, nodes, layers, shape } = layout;
  const ni = type.kind === "ni";
  const minerId = toU64(input.minerId, "minerId");
  const sectorNumber = toU64(input.sectorNumber, "sectorNumber");
  const ticket = need32(input.ticket, "ticket");
  const commD = need32(input.commD, "commD");
  const commR = need32(input.commR, "commR");
  let seed: Uint8Array;
  if (ni) {
    if (input.seed !== undefined && !sameBytes(input.seed, NI_SEED))
      throw new RangeError(`seal proof ${input.sealProof} is non-interactive: its seed is 32 bytes of 1, omit seed`);
    seed = NI_SEED;
  } else {
    seed = need32(input.seed, `seed (required for seal proof ${input.sealProof}, ${type.kind})`);
  }

  const { commC, commRLast } = await readPAux(input.cacheDir);
  if (!sameBytes(poseidonHash([commC, commRLast]), commR))
    throw new Error(`p_aux in ${input.cacheDir} does not give the commR passed in: the sector's files belong to another seal`);
  const rid = replicaId({ proverId: proverId(minerId), sectorNumber, ticket, commD, porepId: porepId(input.sealProof) });
  const graph = graphFor(input.sealProof);
  const treeDFile = join(input.cacheDir, TREE_D_FILE);

  const layerFiles: FileHandle[] = [];
  try {
    for (let l = 1; l <= layers; l++) layerFiles.push(await open(join(input.cacheDir, LAYER_FILE(l)), "r"));
    const readLabel = async (layer: number, node: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(32);
      const { bytesRead } = await layerFiles[layer - 1]!.read(buf, 0, 32, node * 32);
      if (bytesRead !== 32)
        throw new Error(`layer file ${LAYER_FILE(layer)} in ${input.cacheDir} is short: node ${node} unreadable`);
      return buf;
    };

    const partitions: PartitionProof[] = [];
    for (let k = 0; k < layout.partitions; k++) {
      const nodesOfPartition = porepChallenges({
        sealProof: input.sealProof,
        nodes,
        replicaId: rid,
        seed,
        commR,
        partition: k,
        challengesPerPartition: layout.challengesPerPartition,
      });
      const challenges: ChallengeProof[] = [];
      for (const c of nodesOfPartition) {
        const d = await readTreeDPath(treeDFile, nodes, c);
        const r = await readTreeRLastPath(input.cacheDir, input.sealedFile, nodes, shape, c);
        const columns: ColumnOpening[] = [];
        for (const v of columnNodes(graph, c)) {
          const labels: Uint8Array[] = [];
          for (let l = 1; l <= layers; l++) labels.push(await readLabel(l, v));
          const { path } = await readTreeCPath(input.cacheDir, nodes, shape, v);
          columns.push({ labels, path });
        }
        challenges.push({ node: c, dataLeaf: d.leaf, treeDPath: d.siblings, replicaLeaf: r.leaf, treeRLastPath: r.path, columns });
      }
      partitions.push({ commC, commRLast, challenges });
    }
    return { sealProof: input.sealProof, minerId, sectorNumber, ticket, seed, commD, commR, partitions };
  } finally {
    await Promise.all(layerFiles.map((f) => f.close()));
  }
}
