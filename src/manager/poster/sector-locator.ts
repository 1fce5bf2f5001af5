// Where a proven sector's files are: the indexer names the persist stores holding its sealed file and cache dir
// (they may differ), the configured stores give their paths (spec/manager.md §8.3).
import type { SectorIndexer } from "../modules/indexer.js";
import { persistedPaths, type PersistStore } from "../modules/persist-stores.js";
import type { SectorFiles } from "./window-poster.js";

export type SectorLocator = (miner: number, sectorNumber: number, upgraded: boolean) => Promise<SectorFiles | null>;

/** null when the sector is not indexed or a store it names is not configured here. */
export function createSectorLocator(indexer: Pick<SectorIndexer, "find">, stores: () => PersistStore[]): SectorLocator {
  return async (miner, sectorNumber, upgraded) => {
    const sid = { Miner: miner, Number: sectorNumber };
    const access = await indexer.find(upgraded ? "upgrade" : "normal", sid);
    if (!access) return null;
    const byName = (name: string): PersistStore | undefined => stores().find((s) => s.name === name);
    const sealedStore = byName(access.SealedFile);
    const cacheStore = byName(access.CacheDir);
    if (!sealedStore || !cacheStore) return null;
    return { sealedFile: persistedPaths(sealedStore.path, sid, upgraded).sealedFile, cacheDir: persistedPaths(cacheStore.path, sid, upgraded).cacheDir };
  };
}
