// The sector state manager (spec/manager.md §8.2): the wire `SectorState` record (src/api/sealer-types.ts)
// kept in the ManagerStore. The record's document is the SectorState exactly as it travels on the wire
// (z.encode: PascalCase, CIDs as {"/":…}, bytes as base64), so CLI listing, import and export are one codec
// away and a Damocles record imports unchanged. The store's indexed columns are derived from it on every
// write; on read the columns win for what other modules change without the document (NeedSend, cleared
// by createBatch when a message carries the sector).

import { z } from "zod";
import {
  SectorState,
  SectorWorkerJob,
  type SectorWorkerState,
  type SectorID,
} from "../../api/sealer-types.js";
import {
  SectorNotFoundError,
  type CommitKind,
  type DocObject,
  type ManagerStore,
  type SectorFields,
  type SectorJob,
  type SectorRecord,
} from "../../db/manager-store.js";
import { RpcError } from "../../rpc/errors.js";
import { sectorStateToDoc } from "../commitment/sector-doc.js";

/** Damocles `APIErrCodeSectorStateNotFound` (protocols.md §1.3): the worker aborts the sector. */
export const SECTOR_STATE_NOT_FOUND = 11001;

/** The RPC error a handler throws when the addressed sector has no state record. */
export function sectorStateNotFound(sid: SectorID): RpcError {
  return new RpcError(SECTOR_STATE_NOT_FOUND, `error code ${SECTOR_STATE_NOT_FOUND}: sector state not found: s-t0${sid.Miner}-${sid.Number}`);
}

/** A fresh state as Init creates it (Go zero values; optional parts absent). */
export function newSectorState(sid: SectorID, proofType: number): SectorState {
  return {
    ID: { Miner: sid.Miner, Number: sid.Number },
    SectorType: proofType,
    Deals: [],
    Pieces: [],
    MessageInfo: { PreCommitCid: null, CommitCid: null, NeedSend: false },
    TerminateInfo: { TerminateCid: null, TerminatedAt: 0, AddedHeight: 0 },
    Finalized: false,
    Removed: false,
    AbortReason: "",
    Upgraded: false,
    UpgradePublic: null,
    UpgradedInfo: null,
    UpgradeMessageID: null,
    UpgradeLandedEpoch: null,
    Imported: false,
    NeedRebuild: false,
    Unsealing: false,
  };
}

/** What the sector is worked on for: the ListSectors job filter. */
export function sectorJob(s: SectorState): SectorJob {
  if (s.Unsealing) return "unseal";
  if (s.NeedRebuild) return "rebuild";
  if (s.Upgraded) return "snapup";
  return "sealing";
}

const JOB_BY_FILTER: Record<SectorWorkerJob, SectorJob | undefined> = {
  [SectorWorkerJob.All]: undefined,
  [SectorWorkerJob.Sealing]: "sealing",
  [SectorWorkerJob.SnapUp]: "snapup",
  [SectorWorkerJob.Rebuild]: "rebuild",
  [SectorWorkerJob.Unseal]: "unseal",
};

/** The stored document of a state: its wire JSON. */
/** The stored document: one codec with the commitment manager's writes (commitment/sector-doc.ts). */
export const encodeSectorDoc: (s: SectorState) => DocObject = sectorStateToDoc;

/** The state of a stored record; the columns other modules write without the document override it. */
export function sectorFromRecord(r: SectorRecord): SectorState {
  const s = z.decode(SectorState, r.doc as never);
  s.ID = { Miner: r.miner, Number: r.number };
  s.MessageInfo = { ...s.MessageInfo, NeedSend: r.needSend !== null };
  s.Finalized = r.finalized || s.Finalized;
  if (r.abortReason !== null) s.AbortReason = r.abortReason;
  return s;
}

/** The store columns of a state. `needSend` is the commit kind the sector waits for (kept by the caller). */
export function sectorFields(s: SectorState, needSend: CommitKind | null): SectorFields {
  return {
    proofType: s.SectorType,
    job: sectorJob(s),
    latestState: s.LatestState?.StateChange.Next ?? null,
    finalized: s.Finalized,
    abortReason: s.AbortReason === "" ? null : s.AbortReason,
    needSend: s.MessageInfo.NeedSend ? needSend : null,
    doc: encodeSectorDoc(s),
  };
}

/** Changes a state in place (or returns a replacement). */
export type StateMutation = (s: SectorState) => void | SectorState | Promise<void | SectorState>;

export interface UpdateOptions {
  /** Which store; default online (the sealing-worker methods address online sectors only). */
  online?: boolean;
  /** The commit kind to wait for when the mutation sets MessageInfo.NeedSend (default: keep the stored kind). */
  needSend?: CommitKind;
}

export interface SectorStateManager {
  /** Creates the online state of a new sector. */
  init(sid: SectorID, proofType: number): Promise<SectorState>;
  /** null when absent; `where` "any" = online first, then offline. */
  load(sid: SectorID, where?: SectorWorkerState | "any"): Promise<SectorState | null>;
  /** As load, but a missing sector is RPC error 11001. */
  mustLoad(sid: SectorID, where?: SectorWorkerState | "any"): Promise<SectorState>;
  /** Read-modify-write in one transaction; 11001 when the sector is not in the store asked for. */
  update(sid: SectorID, mutate: StateMutation, opts?: UpdateOptions): Promise<SectorState>;
  /** Online ⇒ offline with `mutate` applied in the same transaction; an offline sector is returned unchanged. */
  finalize(sid: SectorID, mutate?: StateMutation): Promise<SectorState>;
  /** Offline ⇒ online (RestoreSector, unseal tasks). */
  restore(sid: SectorID, mutate?: StateMutation): Promise<SectorState>;
  list(where: SectorWorkerState, job?: SectorWorkerJob): Promise<SectorState[]>;
  /** Writes a record as given (ImportSector); false when it exists and `override` is not set. */
  importState(where: SectorWorkerState, s: SectorState, override: boolean): Promise<boolean>;
}

const online = (where: SectorWorkerState): boolean => where === "online";

export function createSectorStateManager(store: ManagerStore): SectorStateManager {
  const mutation =
    (mutate: StateMutation | undefined, needSend?: CommitKind) =>
    async (current: SectorRecord): Promise<SectorFields> => {
      let s = sectorFromRecord(current);
      if (mutate) s = (await mutate(s)) ?? s;
      return sectorFields(s, needSend ?? current.needSend ?? null);
    };

  const notFound = <T>(sid: SectorID) => (e: unknown): T => {
    if (e instanceof SectorNotFoundError) throw sectorStateNotFound(sid);
    throw e;
  };

  const self: SectorStateManager = {
    async init(sid, proofType) {
      const s = newSectorState(sid, proofType);
      const r = await store.createSector({ miner: sid.Miner, number: sid.Number, ...sectorFields(s, null) });
      return sectorFromRecord(r);
    },
    async load(sid, where = "online") {
      const r = await store.getSector(sid.Miner, sid.Number, where === "any" ? {} : { online: online(where) });
      return r ? sectorFromRecord(r) : null;
    },
    async mustLoad(sid, where) {
      const s = await self.load(sid, where);
      if (!s) throw sectorStateNotFound(sid);
      return s;
    },
    update(sid, mutate, opts = {}) {
      return store
        .updateSector(sid.Miner, sid.Number, mutation(mutate, opts.needSend), { online: opts.online ?? true })
        .then(sectorFromRecord, notFound(sid));
    },
    finalize(sid, mutate) {
      return store.finalizeSector(sid.Miner, sid.Number, mutation(mutate)).then(sectorFromRecord, notFound(sid));
    },
    restore(sid, mutate) {
      return store.restoreSector(sid.Miner, sid.Number, mutation(mutate)).then(sectorFromRecord, notFound(sid));
    },
    async list(where, job = SectorWorkerJob.All) {
      const jobName = JOB_BY_FILTER[job];
      const rs = await store.listSectors({ online: online(where), ...(jobName ? { job: jobName } : {}) });
      return rs.map(sectorFromRecord);
    },
    importState(where, s, override) {
      return store.importSector(
        { miner: s.ID.Miner, number: s.ID.Number, online: online(where), ...sectorFields(s, s.MessageInfo.NeedSend ? (s.Proof ? "provecommit" : "precommit") : null) },
        { override },
      );
    },
  };
  return self;
}
