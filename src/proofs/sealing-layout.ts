// Where a sector's files live inside a sealing store (spec/worker.md §10). The names are the same on
// every network: `s-t0<miner>-<number>`.
import { join } from "node:path";
import { TREE_D_FILE } from "./tree-d.js";

export interface SectorPaths {
  /** data/unsealed/s-…: staged data (AddPieces output, PC1 input). */
  unsealed: string;
  /** data/prepared/s-…/: TreeD output directory. */
  preparedDir: string;
  /** data/prepared/s-…/sc-02-data-tree-d.dat. */
  treeDPrepared: string;
  /** data/cache/s-…/: layers, trees, p_aux, t_aux. */
  cacheDir: string;
  /** data/sealed/s-…: the replica. */
  sealed: string;
}

export function sectorName(miner: number | bigint, sectorNumber: number | bigint): string {
  return `s-t0${String(miner)}-${String(sectorNumber)}`;
}

export function sectorPaths(storeDir: string, miner: number | bigint, sectorNumber: number | bigint): SectorPaths {
  const name = sectorName(miner, sectorNumber);
  const data = join(storeDir, "data");
  const preparedDir = join(data, "prepared", name);
  return {
    unsealed: join(data, "unsealed", name),
    preparedDir,
    treeDPrepared: join(preparedDir, TREE_D_FILE),
    cacheDir: join(data, "cache", name),
    sealed: join(data, "sealed", name),
  };
}
