// The manager's durable state (spec/manager.md §1, §8, §9) behind one interface, shared by the embedded
// SQLite store and the PostgreSQL store to come. Records are plain data (numbers, strings, bigint,
// Uint8Array, JSON documents): the manager maps its domain and wire types onto them, so src/db imports
// nothing of ours. Every method is async so a networked database fits the same contract.

/** A value a JSON document may hold: JSON plus bigint and bytes, which the store encodes losslessly. */
export type DocValue = null | boolean | number | string | bigint | Uint8Array | readonly DocValue[] | DocObject;
export interface DocObject {
  readonly [key: string]: DocValue | undefined;
}

/** Which commit message a sector waits for (its `NeedSend`), and the kind of a batch. */
export const COMMIT_KINDS = ["precommit", "provecommit", "terminate", "snapup"] as const;
export type CommitKind = (typeof COMMIT_KINDS)[number];

/** What a sector is being worked on for; `ListSectors` job filter 1…4 (protocols.md §1.9). */
export const SECTOR_JOBS = ["sealing", "snapup", "rebuild", "unseal"] as const;
export type SectorJob = (typeof SECTOR_JOBS)[number];

/** The two sector-index sets (manager.md §8.3). */
export const LOCATION_SETS = ["normal", "upgrade"] as const;
export type LocationSet = (typeof LOCATION_SETS)[number];

export const MESSAGE_STATES = ["pending", "pushed", "landed", "failed"] as const;
export type MessageStateName = (typeof MESSAGE_STATES)[number];

// ---------------------------------------------------------------------------------------------------
// Sector states (§8.2). One row per sector: `online` tells the two Damocles stores apart, so a sector
// is never in both and finalize/restore is one atomic row change.

/** The columns the manager keeps in step with the document, for lookups without decoding it. */
export interface SectorFields {
  /** `SectorType` (RegisteredSealProof). */
  proofType: number;
  job: SectorJob;
  /** The `Next` state name of the last ReportState (protocols.md appendix A). */
  latestState: string | null;
  finalized: boolean;
  /** Set when aborted; `""` is not an abort. */
  abortReason: string | null;
  /** The commit message this sector waits for; `createBatch` clears it when it links a message. */
  needSend: CommitKind | null;
  /** The rest of the state (Ticket, Seed, Pieces, Pre, Proof, Upgraded…), as the manager shapes it. */
  doc: DocObject;
}

export interface SectorRecord extends SectorFields {
  miner: number;
  number: number;
  online: boolean;
  /** Grows by one at every write; `saveSector` refuses a record read before someone else's write. */
  version: number;
  /** Milliseconds since the epoch, from the store's clock. */
  createdAt: number;
  updatedAt: number;
}

export type NewSector = Pick<SectorRecord, "miner" | "number" | "proofType" | "doc"> & Partial<SectorFields>;
export type ImportedSector = NewSector & { online: boolean };

/** Returns the sector's new fields; identity fields, `online` and `version` of the result are ignored. */
export type SectorMutation = (current: SectorRecord) => SectorFields | Promise<SectorFields>;

export interface SectorFilter {
  /** Omitted: both stores. */
  online?: boolean;
  miner?: number;
  /** `latestState` is one of these. */
  states?: readonly string[];
  job?: SectorJob;
  needSend?: CommitKind;
}

export interface SectorCount {
  online: boolean;
  latestState: string | null;
  count: number;
}

/** A deal or DDO piece placed in a sector (pledge pieces are not recorded). */
export interface SectorDeal {
  /** Position of the piece in the sector. */
  pieceIndex: number;
  /** Built-in market deal id, 0 for a DDO piece. */
  dealId: number;
  /** Verified-registry allocation id, 0 when none. */
  allocationId: number;
  pieceCid: string;
  /** Padded size in bytes. */
  pieceSize: number;
}

// ---------------------------------------------------------------------------------------------------
// Messages (§8.4): the messager's log. A message is recorded before it is pushed and its uid is unique,
// so a restart pushes the same uid again (the messager dedupes by uid) and never a second message.

export interface NewMessage {
  uid: string;
  miner: number;
  from: string;
  to: string;
  method: number;
  params: Uint8Array;
  value: bigint;
  /** Fee settings and other send options, as the manager shapes them. */
  spec?: DocObject | null;
}

export interface MessageReceiptRecord {
  exitCode: number;
  return: Uint8Array;
  gasUsed: bigint;
}

export interface MessageRecord extends Required<NewMessage> {
  state: MessageStateName;
  signedCid: string | null;
  receipt: MessageReceiptRecord | null;
  /** Key of the tipset holding the receipt. */
  tipset: string | null;
  height: number | null;
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface MessageLanding {
  receipt: MessageReceiptRecord;
  tipset: string;
  height: number;
}

// Batches: one message carrying the commitments of several sectors of one miner.

export interface NewBatch {
  miner: number;
  kind: CommitKind;
  /** Sector numbers of `miner`, each waiting with `needSend === kind`. */
  sectors: readonly number[];
  /** A recorded message. */
  messageUid: string;
}

export interface BatchRecord {
  id: number;
  miner: number;
  kind: CommitKind;
  sectors: number[];
  messageUid: string;
  createdAt: number;
}

export interface SectorMessage {
  batch: BatchRecord;
  message: MessageRecord;
}

// ---------------------------------------------------------------------------------------------------
// Indexer (§8.3), reservations (§9), worker pings (§8.11).

/** `SectorAccessStores`: persist-store names. */
export interface SectorLocation {
  sealedStore: string;
  cacheStore: string;
}

export interface IndexedSector extends SectorLocation {
  miner: number;
  number: number;
  set: LocationSet;
}

export interface NewReservation {
  miner: number;
  number: number;
  store: string;
  /** Bytes. */
  size: number;
  /**
   * The store's free bytes, when known: the reservation is made only if the store's other reservations
   * plus `size` fit, checked in the same transaction as the write (spec: Free ≥ reserved so far + size).
   */
  free?: number;
}

export interface ReservationRecord {
  miner: number;
  number: number;
  store: string;
  size: number;
  reservedAt: number;
}

export interface WorkerPingRecord {
  name: string;
  dest: string;
  version: string;
  summary: { threads: number; empty: number; paused: number; running: number; waiting: number; errors: number };
  /** Unix seconds, as the spec's `LastPing`. */
  lastPing: number;
}

// ---------------------------------------------------------------------------------------------------
// Jobs: the generic keyed records of the snapup (§8.8 candidates), rebuild (§8.9), unseal (§8.10) and
// worker-prover (§8.7) collections. `kind` names the collection, `state` is indexed for listing.

export interface NewJob {
  kind: string;
  key: string;
  state: string;
  doc: DocObject;
}

export interface JobRecord extends NewJob {
  createdAt: number;
  updatedAt: number;
}

export type JobMutation = (current: JobRecord) => Pick<NewJob, "state" | "doc"> | Promise<Pick<NewJob, "state" | "doc">>;

// ---------------------------------------------------------------------------------------------------

export interface ManagerStore {
  /**
   * Runs `fn` in one transaction: every store call made through `tx` (or through this store from
   * inside `fn`) commits together, or none does when `fn` throws. Other callers wait until it ends,
   * so `fn` must await only this store, never the chain or the network. A nested `transaction` is a
   * savepoint (its failure undoes only its part) and finishes before the outer one commits.
   */
  transaction<T>(fn: (tx: ManagerTx) => Promise<T>): Promise<T>;
  /** Waits for running calls, then closes. */
  close(): Promise<void>;

  // Allocator (§8.1)
  /**
   * Stores and returns max(last allocated, `min`) + 1 for the miner. Throws SectorNumberExhaustedError,
   * storing nothing, when that exceeds `max`.
   */
  nextSectorNumber(miner: number, opts?: { min?: number; max?: number }): Promise<number>;
  /** The number `nextSectorNumber` would return now, without storing it. */
  peekSectorNumber(miner: number, opts?: { min?: number }): Promise<number>;
  /** The last allocated number, null if the miner never allocated. */
  lastSectorNumber(miner: number): Promise<number | null>;
  /** Import: raises the counter to `last` (never lowers it); returns the counter. */
  raiseSectorNumber(miner: number, last: number): Promise<number>;

  // Sector states (§8.2)
  /** Creates an online sector; SectorExistsError if the sector is known online or offline. */
  createSector(sector: NewSector): Promise<SectorRecord>;
  /** `online` omitted: online first, then offline. */
  getSector(miner: number, number: number, opts?: { online?: boolean }): Promise<SectorRecord | null>;
  /** Read-modify-write in one transaction; SectorNotFoundError if absent (from the store asked for). */
  updateSector(miner: number, number: number, mutate: SectorMutation, opts?: { online?: boolean }): Promise<SectorRecord>;
  /** Writes a record read earlier; SectorConflictError if its version is no longer the stored one. */
  saveSector(record: SectorRecord): Promise<SectorRecord>;
  /**
   * Moves an online sector offline, applying `mutate` in the same transaction. A sector already offline
   * is returned unchanged (ReportFinalized may be repeated); SectorNotFoundError if unknown.
   */
  finalizeSector(miner: number, number: number, mutate?: SectorMutation): Promise<SectorRecord>;
  /** Moves an offline sector online (the reverse of finalizeSector, same rules). */
  restoreSector(miner: number, number: number, mutate?: SectorMutation): Promise<SectorRecord>;
  /** Writes a sector as given (CLI ImportSector); false when it exists and `override` is not set. */
  importSector(sector: ImportedSector, opts?: { override?: boolean }): Promise<boolean>;
  /** Ordered by miner, then number. */
  listSectors(filter?: SectorFilter): Promise<SectorRecord[]>;
  countSectors(): Promise<SectorCount[]>;

  // Deals per sector (§8.5)
  /** Replaces the sector's deals. */
  setSectorDeals(miner: number, number: number, deals: readonly SectorDeal[]): Promise<void>;
  listSectorDeals(miner: number, number: number): Promise<SectorDeal[]>;
  /** Removes and returns the sector's deals, for ReleaseDeals on abort. */
  releaseSectorDeals(miner: number, number: number): Promise<SectorDeal[]>;
  findSectorsWithDeal(dealId: number, opts?: { online?: boolean }): Promise<SectorRecord[]>;
  findSectorsWithPiece(pieceCid: string, opts?: { online?: boolean }): Promise<SectorRecord[]>;

  // Messages (§8.4)
  /**
   * Records a pending message before it is pushed. The same uid again returns the recorded message and
   * writes nothing; MessageConflictError if its miner, addresses, method, params or value differ.
   */
  recordMessage(msg: NewMessage): Promise<MessageRecord>;
  getMessage(uid: string): Promise<MessageRecord | null>;
  markPushed(uid: string, signedCid: string): Promise<MessageRecord>;
  markLanded(uid: string, landing: MessageLanding): Promise<MessageRecord>;
  markFailed(uid: string, error: string): Promise<MessageRecord>;
  /** Pending and pushed messages, oldest first: what a restarted manager pushes or waits for again. */
  listUnfinishedMessages(opts?: { miner?: number }): Promise<MessageRecord[]>;

  // Batches (§8.4)
  /**
   * Links the sectors to the message and clears their `needSend`, atomically; throws, writing nothing,
   * if a sector is not waiting for a message of this kind or the message is not recorded.
   */
  createBatch(batch: NewBatch): Promise<BatchRecord>;
  getBatch(id: number): Promise<BatchRecord | null>;
  /** Batches whose message is still pending or pushed, oldest first. */
  listOpenBatches(filter?: { miner?: number; kind?: CommitKind }): Promise<BatchRecord[]>;
  /** The newest batch of this kind holding the sector, with its message. */
  findSectorMessage(miner: number, number: number, kind: CommitKind): Promise<SectorMessage | null>;

  // Indexer (§8.3)
  setSectorLocation(miner: number, number: number, location: SectorLocation, set: LocationSet): Promise<void>;
  findSectorLocation(miner: number, number: number, set: LocationSet): Promise<SectorLocation | null>;
  removeSectorLocation(miner: number, number: number, set: LocationSet): Promise<boolean>;
  /** Entries whose sealed file or cache dir is in `store`. */
  listSectorsInStore(store: string, set?: LocationSet): Promise<IndexedSector[]>;

  // Persist store reservations (§9)
  /**
   * Reserves `size` bytes of `store` for the sector, replacing an earlier reservation of the sector.
   * Idempotent: the same store and size again returns the held reservation. Null when `free` is given
   * and the store cannot take it (an earlier reservation of the sector is then kept).
   */
  reserveSpace(r: NewReservation): Promise<ReservationRecord | null>;
  getReservation(miner: number, number: number): Promise<ReservationRecord | null>;
  /** False when the sector held nothing. */
  releaseReservation(miner: number, number: number): Promise<boolean>;
  reservedBytes(store: string): Promise<number>;
  listReservations(filter?: { store?: string }): Promise<ReservationRecord[]>;

  // Worker registry (§8.11)
  /** Upserts by name. */
  recordPing(ping: WorkerPingRecord): Promise<void>;
  getPing(name: string): Promise<WorkerPingRecord | null>;
  listPings(): Promise<WorkerPingRecord[]>;
  removePing(name: string): Promise<boolean>;

  // Jobs: snapup candidates, rebuild, unseal, worker-prover (§8.7–8.10)
  /** Upserts by (kind, key), keeping `createdAt`. */
  putJob(job: NewJob): Promise<JobRecord>;
  getJob(kind: string, key: string): Promise<JobRecord | null>;
  /** Read-modify-write in one transaction; throws if the job is unknown. */
  updateJob(kind: string, key: string, mutate: JobMutation): Promise<JobRecord>;
  listJobs(filter: { kind: string; states?: readonly string[] }): Promise<JobRecord[]>;
  deleteJob(kind: string, key: string): Promise<boolean>;
}

/** The store as seen inside `transaction`: everything but closing. */
export type ManagerTx = Omit<ManagerStore, "close">;

// ---------------------------------------------------------------------------------------------------
// Errors the manager maps to its answers (e.g. SectorNotFoundError ⇒ RPC error 11001).

const fmtSector = (miner: number, number: number): string => `s-t0${miner}-${number}`;

export class SectorNotFoundError extends Error {
  constructor(
    readonly miner: number,
    readonly number: number,
    readonly online?: boolean,
  ) {
    const where = online === undefined ? "" : online ? " online" : " offline";
    super(`sector ${fmtSector(miner, number)} is not known${where}`);
    this.name = "SectorNotFoundError";
  }
}

export class SectorExistsError extends Error {
  constructor(
    readonly miner: number,
    readonly number: number,
    readonly online: boolean,
  ) {
    super(`sector ${fmtSector(miner, number)} already exists ${online ? "online" : "offline"}`);
    this.name = "SectorExistsError";
  }
}

/** Someone else wrote the sector since this record was read; read it again and redo the change. */
export class SectorConflictError extends Error {
  constructor(
    readonly miner: number,
    readonly number: number,
    readonly expected: number,
    readonly found: number,
  ) {
    super(`sector ${fmtSector(miner, number)} changed: version ${found} is stored, the record was read at ${expected}`);
    this.name = "SectorConflictError";
  }
}

/** The miner's next number would pass its `MaxNumber`: the allocator drops this miner. */
export class SectorNumberExhaustedError extends RangeError {
  constructor(
    readonly miner: number,
    readonly next: number,
    readonly max: number,
  ) {
    super(`miner ${miner}: next sector number ${next} exceeds MaxNumber ${max}`);
    this.name = "SectorNumberExhaustedError";
  }
}

/** A message uid was recorded before with different content: a uid must name exactly one message. */
export class MessageConflictError extends Error {
  constructor(
    readonly uid: string,
    readonly field: string,
  ) {
    super(`message ${uid} is already recorded with a different ${field}`);
    this.name = "MessageConflictError";
  }
}

// ---------------------------------------------------------------------------------------------------
// Document encoding: JSON text with bigint and bytes tagged, so a document reads back exactly as written.

const BIGINT_TAG = "$bigint";
const BYTES_TAG = "$bytes";

/** Encodes a document as JSON text; throws naming the path of a value JSON cannot carry. */
export function encodeDoc(doc: DocValue, path = "doc"): string {
  return JSON.stringify(toJson(doc, path));
}

function toJson(v: unknown, path: string): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new RangeError(`${path}: ${v} is not a finite number`);
    return v;
  }
  if (typeof v === "bigint") return { [BIGINT_TAG]: v.toString() };
  if (v instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (Array.isArray(v)) {
    return v.map((x: unknown, i) => {
      if (x === undefined) throw new TypeError(`${path}[${i}]: undefined is not storable; use null`);
      return toJson(x, `${path}[${i}]`);
    });
  }
  if (typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === BIGINT_TAG || k === BYTES_TAG) throw new RangeError(`${path}: the key "${k}" is reserved for encoded values`);
      if (x !== undefined) out[k] = toJson(x, `${path}.${k}`);
    }
    return out;
  }
  const what = typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
  throw new TypeError(`${path}: a ${what} is not storable; accepted: null, boolean, number, string, bigint, Uint8Array, arrays and plain objects`);
}

export function decodeDoc(text: string): DocValue {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1) {
        const o = v as Record<string, unknown>;
        if (typeof o[BIGINT_TAG] === "string") return BigInt(o[BIGINT_TAG]);
        if (typeof o[BYTES_TAG] === "string") return new Uint8Array(Buffer.from(o[BYTES_TAG], "base64"));
      }
    }
    return v;
  }) as DocValue;
}

/** Decodes a document that must be an object (sector states, jobs, send specs). */
export function decodeDocObject(text: string, what: string): DocObject {
  const v = decodeDoc(text);
  if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof Uint8Array)
    throw new TypeError(`${what}: stored document is not an object`);
  return v as DocObject;
}
