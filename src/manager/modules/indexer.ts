// The sector indexer (spec/manager.md §8.3): which persist stores (by name) hold a sector's sealed file and
// cache dir, in the `normal` and `upgrade` sets. Written by SubmitPersistedEx (and the snap committer),
// read by PoSt, snap-up, unseal and `util storage find`.

import type { SectorAccessStores, SectorID, SectorIndexLocation, SectorIndexType } from "../../api/sealer-types.js";
import type { ManagerStore } from "../../db/manager-store.js";

export interface SectorIndexer {
  find(set: SectorIndexType, sid: SectorID): Promise<SectorAccessStores | null>;
  /** SectorIndexerFind's answer: Found false with empty names when absent. */
  locate(set: SectorIndexType, sid: SectorID): Promise<SectorIndexLocation>;
  update(set: SectorIndexType, sid: SectorID, access: SectorAccessStores): Promise<void>;
  remove(set: SectorIndexType, sid: SectorID): Promise<boolean>;
}

export function createSectorIndexer(store: ManagerStore): SectorIndexer {
  const self: SectorIndexer = {
    async find(set, sid) {
      const loc = await store.findSectorLocation(sid.Miner, sid.Number, set);
      return loc ? { SealedFile: loc.sealedStore, CacheDir: loc.cacheStore } : null;
    },
    async locate(set, sid) {
      const found = await self.find(set, sid);
      return { Found: found !== null, Instance: found ?? { SealedFile: "", CacheDir: "" } };
    },
    update: (set, sid, access) => store.setSectorLocation(sid.Miner, sid.Number, { sealedStore: access.SealedFile, cacheStore: access.CacheDir }, set),
    remove: (set, sid) => store.removeSectorLocation(sid.Miner, sid.Number, set),
  };
  return self;
}
