// The project's own operator method beyond Damocles' API (like WorkerSealingDefaults, protocols.md §4i): it stays in the
// `Venus` namespace (there is no `Damocles.` namespace, §1.1) without changing any Damocles method's result.
import { z } from "zod";
import { defineApi, method } from "../api/define.js";
import { Uint } from "../api/codecs.js";
import { SectorWorkerState } from "../api/sealer-types.js";
import type { ManagerStore } from "../db/manager-store.js";
import type { ServerMethods } from "../api/define.js";

/** `util sealer sectors list` flags an online sector `stale` after this long without a ReportState (manager.md §6). */
export const STALE_AFTER_SECONDS = 24 * 3600;

export const SectorActivity = z.object({ Miner: Uint, Number: Uint, UpdatedAt: Uint });
export type SectorActivity = z.output<typeof SectorActivity>;

export const managerApi = defineApi("Venus", {
  /** When each sector's record was last written (unix seconds): a ReportState, or any change the manager made. */
  SectorsActivity: method([SectorWorkerState], z.array(SectorActivity), "read"),
});
export type ManagerApi = typeof managerApi;

export function createManagerApi(store: ManagerStore): ServerMethods<ManagerApi> {
  return {
    async SectorsActivity(ws) {
      const recs = await store.listSectors({ online: ws === "online" });
      return recs.map((r) => ({ Miner: r.miner, Number: r.number, UpdatedAt: Math.floor(r.updatedAt / 1000) }));
    },
  };
}

/** The spec's rule: online, not finalized or aborted, and no write for STALE_AFTER_SECONDS. */
export function isStale(s: { online: boolean; finalized: boolean; aborted: boolean; updatedAt: number }, nowSeconds: number): boolean {
  return s.online && !s.finalized && !s.aborted && nowSeconds - s.updatedAt >= STALE_AFTER_SECONDS;
}
