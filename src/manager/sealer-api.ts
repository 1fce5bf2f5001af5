// The manager's `Venus.*` handlers (spec/manager.md §5.3, protocols.md §1.6, §1.9, §4i): the sealing-worker
// set and the read-side CLI methods, wired onto the modules behind them. Conventions (protocols.md §1.3):
// 11001 exactly when the addressed sector has no state record, code 1 for any other failure, outcomes in
// results. Methods whose module does not exist yet answer -32601 naming the method, like a Damocles
// manager without that module.

import { rm } from "node:fs/promises";
import type { ServerMethods } from "../api/define.js";
import { sealerApi, type SealerMethodName } from "../api/sealer.js";
import type { SectorID, SectorPieceV2, SectorState, WorkerSealingDefaults } from "../api/sealer-types.js";
import type { ChainClient, MarketClient } from "../chain/index.js";
import { SectorNotFoundError, type ManagerStore, type SectorRecord } from "../db/manager-store.js";
import { formatIdAddress } from "../filecoin/address.js";
import { cidToCommR } from "../filecoin/cid.js";
import { sealProofType } from "../filecoin/proof-types.js";
import { METHOD_ERROR, METHOD_NOT_FOUND, RpcError } from "../rpc/errors.js";
import type { Clock, CommitmentManager, Logger } from "./commitment/types.js";
import { workerSealingDefaults, type ManagerConfig } from "./config/schema.js";
import { createAllocator } from "./modules/allocator.js";
import { checkPledgePieces, createDealManager, isPledgePiece } from "./modules/deals.js";
import { createSectorIndexer } from "./modules/indexer.js";
import { configuredStores, createPersistStoreManager, persistedPaths, type PersistStore, type StoreSpace } from "./modules/persist-stores.js";
import { createRandomness, seedWait } from "./modules/randomness.js";
import { createSectorStateManager, sectorFromRecord, sectorStateNotFound } from "./modules/sector-state.js";
import { createWorkerRegistry } from "./modules/worker-registry.js";

/** WinningPoSt sector-set lookback (policy since network version 10): files stay this long after termination. */
const WINNING_POST_SECTOR_SET_LOOKBACK = 10;

export const MANAGER_VERSION = "damocles-manager-ts/0.1.0";

export interface SealerMetrics {
  newSector(miner: number): void;
}

export interface SealerDeps {
  store: ManagerStore;
  chain: ChainClient;
  /** null: no market API (CC sectors only). */
  market: MarketClient | null;
  /** null until the commitment manager is wired: its four methods then answer -32601. */
  commitment: CommitmentManager | null;
  config: () => ManagerConfig;
  clock: Clock;
  logger: Logger;
  metrics?: SealerMetrics | null;
  /** The persist stores (configured plus scanned, see loadPersistStores); default: the configured ones. */
  persistStores?: () => readonly PersistStore[];
  /** Space of a persist store; default statfs of its path. */
  storeSpace?: (s: PersistStore) => Promise<StoreSpace>;
  /** Uniform in [0, 1): miner and store choice. */
  random?: () => number;
  version?: string;
}

/** The methods served by createSealerApi; every other one answers -32601. */
export const IMPLEMENTED_SEALER_METHODS: readonly SealerMethodName[] = [
  "AllocateSector", "AcquireDeals", "AssignTicket", "SubmitPreCommit", "PollPreCommitState", "SubmitPersisted",
  "SubmitPersistedEx", "WaitSeed", "SubmitProof", "PollProofState", "ReportState", "ReportFinalized", "ReportAborted",
  "WorkerPing", "StoreReserveSpace", "StoreBasicInfo", "WorkerSealingDefaults",
  "ListSectors", "FindSector", "FindSectorInAllStates", "FindSectorsWithDeal", "FindSectorWithPiece", "ImportSector",
  "RestoreSector", "WorkerGetPingInfo", "WorkerPingInfoList", "WorkerPingInfoRemove", "SectorIndexerFind",
  "TerminateSector", "PollTerminateSectorState", "RemoveSector", "FinalizeSector", "StoreReleaseReserved", "StoreList", "Version",
  "GetTicket", "GetSeed", "GetWindowPoStChanlleengeRand", "GetWindowPoStCommitRand", "GetInfo",
];

const notImplemented = (name: string) => (): never => {
  throw new RpcError(METHOD_NOT_FOUND, `not implemented in this manager: Venus.${name}`);
};

const fail = (message: string): RpcError => new RpcError(METHOD_ERROR, message);

/** The deals of a piece list, comparable as a string. */
const dealKeys = (pieces: readonly SectorPieceV2[]): string =>
  pieces.map((p) => `${p.DealInfo.DealID}/${p.DealInfo.AllocationID}/${p.Piece.PieceCID.toString()}`).join(",");

const maddr = (miner: number): string => formatIdAddress(miner, "t");
const sref = (sid: SectorID): string => `s-t0${sid.Miner}-${sid.Number}`;

export function createSealerApi(deps: SealerDeps): ServerMethods<typeof sealerApi> {
  const { store, chain, logger } = deps;
  const now = (): number => deps.clock.now();
  const states = createSectorStateManager(store);
  const allocator = createAllocator({
    store,
    chain,
    states,
    config: deps.config,
    now,
    metrics: deps.metrics ?? null,
    logger,
    ...(deps.random ? { random: deps.random } : {}),
  });
  const deals = createDealManager({ store, market: deps.market, config: deps.config, headHeight: async () => (await chain.head()).Height });
  const randomness = createRandomness(chain);
  const indexer = createSectorIndexer(store);
  const registry = createWorkerRegistry(store, now);
  const persist = createPersistStoreManager({
    store,
    stores: deps.persistStores ?? (() => configuredStores(deps.config().Common)),
    ...(deps.storeSpace ? { space: deps.storeSpace } : {}),
    ...(deps.random ? { random: deps.random } : {}),
  });

  const commitment = (name: string): CommitmentManager => {
    if (!deps.commitment) throw new RpcError(METHOD_NOT_FOUND, `not implemented in this manager: Venus.${name}`);
    return deps.commitment;
  };
  /** The commitment manager reports an unknown sector as SectorNotFoundError: the worker needs 11001. */
  const mapNotFound = (sid: SectorID) => (e: unknown): never => {
    if (e instanceof SectorNotFoundError) throw sectorStateNotFound(sid);
    throw e;
  };
  const releaseQuietly = (sid: SectorID, pieces: readonly SectorPieceV2[]): Promise<void> =>
    deals.releasePieces(sid.Miner, pieces).catch((e: unknown) => logger.error({ sector: sref(sid), err: String(e) }, "releasing deals failed"));
  const fromRecords = (rs: SectorRecord[]): SectorState[] => rs.map(sectorFromRecord);

  const submitPersisted = async (sid: SectorID, instance: string, isUpgrade: boolean): Promise<boolean> => {
    const s = await states.mustLoad(sid);
    const commR = !isUpgrade && s.Pre ? cidToCommR(s.Pre.CommR) : undefined;
    const why = await persist.checkPersisted(sid, s.SectorType, instance, isUpgrade, commR);
    if (why !== null) {
      logger.warn({ sector: sref(sid), store: instance, upgrade: isUpgrade, reason: why }, "persisted sector is not provable");
      return false;
    }
    await indexer.update(isUpgrade ? "upgrade" : "normal", sid, { SealedFile: instance, CacheDir: instance });
    return true;
  };

  const api: ServerMethods<typeof sealerApi> = {
    // ---- sealing-worker set ----
    AllocateSector: (spec) => allocator.allocate(spec),

    async AcquireDeals(sid, spec) {
      const s = await states.mustLoad(sid);
      if (s.Pieces.length > 0) return s.Pieces; // idempotent: a repeated call gets the same deals
      const pieces = await deals.acquire(sid, s.SectorType, spec);
      if (pieces.length === 0) return null;
      let stored: SectorPieceV2[] = [];
      try {
        checkPledgePieces(pieces);
        // State and per-sector deal rows in one transaction: both or neither.
        await store.transaction(async () => {
          await states.update(sid, (st) => {
            stored = st.Pieces;
            if (stored.length === 0) st.Pieces = pieces;
          });
          if (stored.length === 0) await deals.record(sid, pieces);
        });
      } catch (e) {
        await releaseQuietly(sid, pieces);
        throw e;
      }
      if (stored.length === 0) return pieces;
      // A concurrent call stored its pieces first: keep those, give back ours unless they are the same deals.
      if (dealKeys(stored) !== dealKeys(pieces)) await releaseQuietly(sid, pieces);
      return stored;
    },

    async AssignTicket(sid) {
      await states.mustLoad(sid);
      const t = await chain.sealTicket(sid.Miner);
      const ticket = { Ticket: t.ticket, Epoch: t.epoch };
      await states.update(sid, (st) => {
        st.Ticket = ticket;
      });
      return ticket;
    },

    SubmitPreCommit: (sector, info, reset) =>
      commitment("SubmitPreCommit")
        .submitPreCommit({ miner: sector.ID.Miner, number: sector.ID.Number, proofType: sector.ProofType }, info, reset)
        .catch(mapNotFound(sector.ID)),
    PollPreCommitState: (sid) => commitment("PollPreCommitState").preCommitState({ miner: sid.Miner, number: sid.Number }).catch(mapNotFound(sid)),
    SubmitProof: (sid, info, reset) =>
      commitment("SubmitProof").submitProof({ miner: sid.Miner, number: sid.Number }, info, reset).catch(mapNotFound(sid)),
    PollProofState: (sid) => commitment("PollProofState").proofState({ miner: sid.Miner, number: sid.Number }).catch(mapNotFound(sid)),
    TerminateSector: (sid) => commitment("TerminateSector").submitTerminate({ miner: sid.Miner, number: sid.Number }).catch(mapNotFound(sid)),
    PollTerminateSectorState: (sid) => commitment("PollTerminateSectorState").terminateState({ miner: sid.Miner, number: sid.Number }).catch(mapNotFound(sid)),

    SubmitPersisted: (sid, instance) => submitPersisted(sid, instance, false),
    SubmitPersistedEx: (sid, instance, isUpgrade) => submitPersisted(sid, instance, isUpgrade),

    async WaitSeed(sid, proofType) {
      await states.mustLoad(sid);
      const head = await chain.head();
      let seedEpoch: number;
      if (sealProofType(proofType).kind === "ni") {
        seedEpoch = head.Height - 1; // NI-PoRep: no interactive wait
      } else {
        const net = await chain.networkInfo();
        const pci = await chain.StateSectorPreCommitInfo(maddr(sid.Miner), sid.Number, head.Cids);
        if (!pci) throw fail(`${sref(sid)} has no PreCommit on chain at height ${head.Height}`);
        const w = seedWait(head.Height, pci.PreCommitEpoch, net.preCommitChallengeDelay, net.blockDelaySecs);
        if (!w.ready) return { ShouldWait: true, Delay: w.delaySecs, Seed: null };
        seedEpoch = w.seedEpoch;
      }
      const seed = await randomness.seed(head.Cids, seedEpoch, sid.Miner);
      await states.update(sid, (st) => {
        st.Seed = seed;
      });
      return { ShouldWait: false, Delay: 0, Seed: seed };
    },

    async ReportState(sid, req) {
      try {
        const s = await states.update(sid, (st) => {
          st.LatestState = req;
        });
        return { Id: sid, Finalized: s.Finalized, AbortReason: s.AbortReason };
      } catch (e) {
        if (!(e instanceof RpcError)) throw e;
      }
      // Not online: finalized or aborted elsewhere (e.g. `sectors abort`); the worker wipes it.
      const s = await states.mustLoad(sid, "offline");
      return { Id: sid, Finalized: true, AbortReason: s.AbortReason };
    },

    async ReportFinalized(sid) {
      const s = await states.mustLoad(sid, "any");
      // A snapped sector is finalized by its committer; a rebuild or unseal job on it ends here (Damocles order).
      if (s.Unsealing || s.NeedRebuild || !s.Upgraded) {
        await states.finalize(sid, (st) => {
          if (st.Unsealing) st.Unsealing = false;
          else if (st.NeedRebuild) st.NeedRebuild = false;
          st.Finalized = true;
        });
      }
      await persist.release(sid);
      return null;
    },

    async ReportAborted(sid, reason) {
      await states.mustLoad(sid, "any");
      // Repeating it for a sector already offline only releases what may still be held.
      if (await states.load(sid, "online")) {
        await deals.release(sid); // market calls stay outside the state transaction
        await states.finalize(sid, (st) => {
          st.AbortReason = reason === "" ? "aborted" : reason; // "" would read as "not aborted"
          st.Finalized = true;
          st.Upgraded = false;
          st.UpgradePublic = null;
          st.UpgradedInfo = null;
          st.UpgradeMessageID = null;
          st.UpgradeLandedEpoch = null;
        });
      }
      await persist.release(sid);
      return null;
    },

    async StoreReserveSpace(sid, size, candidates) {
      await states.mustLoad(sid);
      return persist.reserve(sid, size, candidates);
    },
    StoreBasicInfo: (name) => persist.basicInfo(name),
    WorkerPing: async (info) => {
      await registry.ping(info);
      return null;
    },
    WorkerSealingDefaults: (name) => workerSealingDefaults(deps.config().Common, name) as WorkerSealingDefaults | null,

    // ---- CLI ----
    ListSectors: (ws, job) => states.list(ws, job),
    FindSector: (ws, sid) => states.load(sid, ws),
    FindSectorInAllStates: (sid) => states.load(sid, "any"),
    async FindSectorsWithDeal(ws, dealId) {
      if (dealId === 0) throw fail("FindSectorsWithDeal: deal id 0 names no deal");
      return fromRecords(await store.findSectorsWithDeal(dealId, { online: ws === "online" }));
    },
    FindSectorWithPiece: async (ws, cid) => fromRecords(await store.findSectorsWithPiece(cid.toString(), { online: ws === "online" }))[0] ?? null,
    async ImportSector(ws, state, override) {
      const ok = await states.importState(ws, state, override);
      if (ok) await store.raiseSectorNumber(state.ID.Miner, state.ID.Number);
      return ok;
    },
    async RestoreSector(sid, forced) {
      const s = await states.mustLoad(sid, "offline");
      if (!forced) {
        if (s.Pieces.some((p) => !isPledgePiece(p))) throw fail(`${sref(sid)} holds deals: restoring it needs forced`);
        if (s.AbortReason === "") throw fail(`${sref(sid)} was finalized, not aborted: restoring it needs forced`);
      }
      await states.restore(sid, (st) => {
        st.Finalized = false;
        if (!forced) st.AbortReason = "";
      });
      return null;
    },
    async FinalizeSector(sid) {
      await states.mustLoad(sid, "any");
      if (!(await chain.StateSectorGetInfo(maddr(sid.Miner), sid.Number, []))) throw fail(`${sref(sid)} is not on chain: only an on-chain sector is force-finalized`);
      await states.finalize(sid, (st) => {
        st.Finalized = true;
      });
      await persist.release(sid);
      return null;
    },
    async RemoveSector(sid) {
      const s = await states.mustLoad(sid, "offline");
      if (s.Removed) return null;
      if (s.TerminateInfo.TerminatedAt > 0) {
        const head = await chain.head();
        const after = s.TerminateInfo.TerminatedAt + WINNING_POST_SECTOR_SET_LOOKBACK;
        if (head.Height < after) throw fail(`${sref(sid)}: wait until epoch ${after} (termination + WinningPoSt lookback) before removing its files`);
      }
      // Project guard: never delete the files of a sector that is still proven.
      const live = await chain.StateSectorGetInfo(maddr(sid.Miner), sid.Number, []);
      if (live) throw fail(`${sref(sid)} is still live on chain (expiration ${live.Expiration}): only a terminated or expired sector's files are removed`);
      const set = s.Upgraded ? "upgrade" : "normal";
      const at = await indexer.find(set, sid);
      if (!at) throw fail(`${sref(sid)} has no ${set} index entry: its persist store is unknown`);
      const sealedStore = persist.get(at.SealedFile);
      const cacheStore = persist.get(at.CacheDir);
      if (!sealedStore || !cacheStore) throw fail(`${sref(sid)}: persist store "${sealedStore ? at.CacheDir : at.SealedFile}" is not configured`);
      await rm(persistedPaths(cacheStore.path, sid, s.Upgraded).cacheDir, { recursive: true, force: true });
      await rm(persistedPaths(sealedStore.path, sid, s.Upgraded).sealedFile);
      await states.update(
        sid,
        (st) => {
          st.Removed = true;
        },
        { online: false },
      );
      return null;
    },
    StoreReleaseReserved: (sid) => persist.release(sid),
    StoreList: () => persist.list(),
    WorkerGetPingInfo: (name) => registry.get(name),
    WorkerPingInfoList: () => registry.list(),
    WorkerPingInfoRemove: async (name) => {
      await registry.remove(name);
      return null;
    },
    SectorIndexerFind: (set, sid) => indexer.locate(set, sid),
    Version: () => deps.version ?? MANAGER_VERSION,

    // ---- RandomnessAPI, MinerAPI ----
    GetTicket: (tsk, epoch, miner) => randomness.ticket(tsk, epoch, miner),
    GetSeed: (tsk, epoch, miner) => randomness.seed(tsk, epoch, miner),
    GetWindowPoStChanlleengeRand: (tsk, epoch, miner) => randomness.windowPoStChallenge(tsk, epoch, miner),
    GetWindowPoStCommitRand: (tsk, epoch) => randomness.windowPoStCommit(tsk, epoch),
    GetInfo: (miner) => allocator.minerInfo(miner),

    // ---- not yet served ----
    AllocateSanpUpSector: notImplemented("AllocateSanpUpSector"),
    SubmitSnapUpProof: notImplemented("SubmitSnapUpProof"),
    AllocateRebuildSector: notImplemented("AllocateRebuildSector"),
    AllocateUnsealSector: notImplemented("AllocateUnsealSector"),
    AchieveUnsealSector: notImplemented("AchieveUnsealSector"),
    AcquireUnsealDest: notImplemented("AcquireUnsealDest"),
    WdPoStAllocateJobs: notImplemented("WdPoStAllocateJobs"),
    WdPoStHeartbeatJobs: notImplemented("WdPoStHeartbeatJobs"),
    WdPoStFinishJob: notImplemented("WdPoStFinishJob"),
    WdPoStResetJob: notImplemented("WdPoStResetJob"),
    WdPoStRemoveJob: notImplemented("WdPoStRemoveJob"),
    WdPoStAllJobs: notImplemented("WdPoStAllJobs"),
    WdPoStHeartbeatJobsEx: notImplemented("WdPoStHeartbeatJobsEx"),
    CheckProvable: notImplemented("CheckProvable"),
    SimulateWdPoSt: notImplemented("SimulateWdPoSt"),
    SnapUpPreFetch: notImplemented("SnapUpPreFetch"),
    SnapUpCandidates: notImplemented("SnapUpCandidates"),
    SnapUpCancelCommitment: notImplemented("SnapUpCancelCommitment"),
    ProvingSectorInfo: notImplemented("ProvingSectorInfo"),
    SectorSetForRebuild: notImplemented("SectorSetForRebuild"),
    UnsealPiece: notImplemented("UnsealPiece"),
    GetMinerConfig: notImplemented("GetMinerConfig"),
  };
  return api;
}
