// The sealing stages composed over a sealing store's layout (spec/worker.md §10): add_pieces from a
// raw payload, tree_d, pc1 and pc2, each re-runnable, and sealSector running them in order. The
// `damocles-worker proofs seal` command uses these, and the worker's built-in processors can too.
import { mkdir, rm, symlink } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { porepId, proverId, replicaId as computeReplicaId } from "../filecoin/ids.js";
import { sealProofType } from "../filecoin/proof-types.js";
import { sectorParams } from "../filecoin/sizes.js";
import { copyFileAtomically } from "./atomic-file.js";
import { parentCacheDir as defaultParentCacheDir } from "./parent-cache.js";
import { assertBuiltinSealSize, runPc2, type Pc2Output } from "./pc2.js";
import { stagePayload } from "./piece-layout.js";
import { generateLabels } from "./sdr-labels.js";
import { sectorPaths, type SectorPaths } from "./sealing-layout.js";
import { TREE_D_FILE, buildTreeD } from "./tree-d.js";

export interface SectorRef {
  sealProofId: number;
  minerId: number;
  sectorNumber: number;
}

/** add_pieces for one raw payload (≤ the sector's unpadded capacity): the Fr32-padded staged file. */
export async function addPiecesFromPayload(sealProofId: number, inputPath: string, paths: SectorPaths): Promise<void> {
  await mkdir(dirname(paths.unsealed), { recursive: true });
  await stagePayload(inputPath, paths.unsealed, sealProofType(sealProofId).sectorSize);
}

/** Points cache/<s>/sc-02-data-tree-d.dat at prepared/<s>/ (relative, so the store can move). */
async function linkTreeD(paths: SectorPaths): Promise<void> {
  await mkdir(paths.cacheDir, { recursive: true });
  const link = join(paths.cacheDir, TREE_D_FILE);
  await rm(link, { force: true });
  await symlink(relative(paths.cacheDir, join(paths.preparedDir, TREE_D_FILE)), link);
}

/** tree_d over the staged file into prepared/<s>/, linked from the cache dir; returns comm_d. */
export async function treeD(sealProofId: number, paths: SectorPaths): Promise<Uint8Array> {
  await mkdir(paths.preparedDir, { recursive: true });
  const commD = await buildTreeD(paths.unsealed, paths.preparedDir, sealProofType(sealProofId).sectorSize);
  await linkTreeD(paths);
  return commD;
}

export interface Pc1Input extends SectorRef {
  ticket: Uint8Array;
  commD: Uint8Array;
  paths: SectorPaths;
  /** Where the SDR parent cache file lives (default: the proofs library's directory). */
  parentCacheDir?: string;
}

/** pc1: replica_id, a copy of the staged file as the sealed file, and the SDR layers. Returns replica_id. */
export async function pc1(p: Pc1Input): Promise<Uint8Array> {
  assertBuiltinSealSize(p.sealProofId);
  const pt = sealProofType(p.sealProofId);
  const { nodes, layers } = sectorParams(pt.sectorSize);
  if (p.ticket.length !== 32) throw new RangeError(`ticket must be 32 bytes, got ${p.ticket.length}`);
  const rid = computeReplicaId({
    proverId: proverId(p.minerId),
    sectorNumber: p.sectorNumber,
    ticket: p.ticket,
    commD: p.commD,
    porepId: porepId(pt.id),
  });
  await linkTreeD(p.paths);
  await mkdir(dirname(p.paths.sealed), { recursive: true });
  await copyFileAtomically(p.paths.unsealed, p.paths.sealed);
  await generateLabels({
    replicaId: rid,
    porepId: porepId(pt.id),
    nodes,
    layers,
    apiVersion: pt.apiVersion,
    cacheDir: p.paths.cacheDir,
    parentCacheDir: p.parentCacheDir ?? defaultParentCacheDir(),
  });
  return rid;
}

/** pc2 over the sector's files: tree_c, replica, tree_r_last, p_aux, t_aux. */
export async function pc2(sealProofId: number, paths: SectorPaths): Promise<Pc2Output> {
  return runPc2({ sealProofId, cacheDir: paths.cacheDir, stagedFile: paths.unsealed, sealedFile: paths.sealed });
}

export interface SealSectorInput extends SectorRef {
  ticket: Uint8Array;
  /** The raw (unpadded) payload; shorter than the capacity is zero-filled. */
  inputPath: string;
  /** The sealing store directory; files go under <storeDir>/data/. */
  storeDir: string;
  parentCacheDir?: string;
}

export interface SealSectorOutput {
  commD: Uint8Array;
  commR: Uint8Array;
  replicaId: Uint8Array;
  commC: Uint8Array;
  commRLast: Uint8Array;
  paths: SectorPaths;
}

/** add_pieces, tree_d, pc1 and pc2 with the built-in code. */
export async function sealSector(p: SealSectorInput): Promise<SealSectorOutput> {
  assertBuiltinSealSize(p.sealProofId);
  const paths = sectorPaths(p.storeDir, p.minerId, p.sectorNumber);
  await addPiecesFromPayload(p.sealProofId, p.inputPath, paths);
  const commD = await treeD(p.sealProofId, paths);
  const replicaId = await pc1({ ...p, commD, paths });
  const { commC, commRLast, commR } = await pc2(p.sealProofId, paths);
  return { commD, commR, replicaId, commC, commRLast, paths };
}
