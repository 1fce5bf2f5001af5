// The embedded ManagerStore: one SQLite file (`<home>/manager.db`, WAL, synchronous=FULL), one
// connection. better-sqlite3 is synchronous, so each call runs whole between two awaits; only an async
// `transaction` spans awaits, and while one is open every other caller waits on a FIFO gate. Calls made
// inside a transaction's async context join it (AsyncLocalStorage), so they neither deadlock nor escape it.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Statement } from "better-sqlite3";
import { MANAGER_MIGRATIONS } from "./manager-migrations.js";
import {
  COMMIT_KINDS,
  LOCATION_SETS,
  MessageConflictError,
  SECTOR_JOBS,
  SectorConflictError,
  SectorExistsError,
  SectorNotFoundError,
  SectorNumberExhaustedError,
  decodeDocObject,
  encodeDoc,
  type BatchRecord,
  type CommitKind,
  type ImportedSector,
  type IndexedSector,
  type JobMutation,
  type JobRecord,
  type LocationSet,
  type ManagerStore,
  type ManagerTx,
  type MessageLanding,
  type MessageRecord,
  type MessageStateName,
  type NewBatch,
  type NewJob,
  type NewMessage,
  type NewReservation,
  type NewSector,
  type ReservationRecord,
  type SectorCount,
  type SectorDeal,
  type SectorFields,
  type SectorFilter,
  type SectorLocation,
  type SectorMessage,
  type SectorMutation,
  type SectorRecord,
  type WorkerPingRecord,
} from "./manager-store.js";
import { openSqlite, transaction as sqliteTransaction, type Database } from "./sqlite.js";

/** The state database's file name inside the manager's home (spec/manager.md §1). */
export const MANAGER_DB_FILE = "manager.db";

export interface SqliteManagerStoreOptions {
  /**
   * Hold the file for the life of the store (default true): a second manager on the same home fails
   * at open with SqliteLockedError instead of sharing the state.
   */
  exclusive?: boolean;
  busyTimeoutMs?: number;
  /** Milliseconds since the epoch, for createdAt/updatedAt (tests pass a fixed clock). */
  now?: () => number;
}

/** Opens (creating and migrating if needed) the manager's state database. */
export function openSqliteManagerStore(path: string, opts: SqliteManagerStoreOptions = {}): ManagerStore {
  const db = openSqlite(path, {
    exclusive: opts.exclusive ?? true,
    migrations: MANAGER_MIGRATIONS,
    ...(opts.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: opts.busyTimeoutMs }),
  });
  return new SqliteManagerStore(db, opts.now ?? Date.now);
}

/** Runs queued work one at a time, in call order. */
class Gate {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(() => work());
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** An open transaction or savepoint; `gate` orders nested transactions started inside it. */
interface TxContext {
  open: boolean;
  depth: number;
  gate: Gate;
}

interface SectorRow {
  miner: number;
  number: number;
  online: number;
  proof_type: number;
  job: string;
  latest_state: string | null;
  finalized: number;
  abort_reason: string | null;
  need_send: string | null;
  doc: string;
  version: number;
  created_at: number;
  updated_at: number;
}

interface MessageRow {
  uid: string;
  miner: number;
  from_addr: string;
  to_addr: string;
  method: number;
  params: Buffer;
  value: string;
  spec: string | null;
  state: MessageStateName;
  signed_cid: string | null;
  exit_code: number | null;
  return_data: Buffer | null;
  gas_used: string | null;
  tipset: string | null;
  height: number | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

interface BatchRow {
  id: number;
  miner: number;
  kind: CommitKind;
  message_uid: string;
  created_at: number;
}

interface DealRow {
  piece_index: number;
  deal_id: number;
  allocation_id: number;
  piece_cid: string;
  piece_size: number;
}

interface ReservationRow {
  miner: number;
  number: number;
  store: string;
  size: number;
  reserved_at: number;
}

interface PingRow {
  name: string;
  dest: string;
  version: string;
  threads: number;
  empty: number;
  paused: number;
  running: number;
  waiting: number;
  errors: number;
  last_ping: number;
}

interface JobRow {
  kind: string;
  key: string;
  state: string;
  doc: string;
  created_at: number;
  updated_at: number;
}

const fmtSector = (miner: number, number: number): string => `s-t0${miner}-${number}`;

function uint(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`${field}: expected a non-negative safe integer, got ${String(v)}`);
  return v;
}

function text(v: unknown, field: string): string {
  if (typeof v !== "string" || v === "") throw new RangeError(`${field}: expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, list: readonly T[], field: string): T {
  if (!list.includes(v as T)) throw new RangeError(`${field}: expected one of ${list.join(", ")}, got ${JSON.stringify(v)}`);
  return v as T;
}

function nullableText(v: unknown, field: string): string | null {
  if (v === null) return null;
  if (typeof v !== "string") throw new RangeError(`${field}: expected a string or null, got ${JSON.stringify(v)}`);
  return v;
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const buffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function toSector(r: SectorRow): SectorRecord {
  return {
    miner: r.miner,
    number: r.number,
    online: r.online === 1,
    proofType: r.proof_type,
    job: r.job as SectorRecord["job"],
    latestState: r.latest_state,
    finalized: r.finalized === 1,
    abortReason: r.abort_reason,
    needSend: r.need_send as CommitKind | null,
    doc: decodeDocObject(r.doc, `sector ${fmtSector(r.miner, r.number)}`),
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toMessage(r: MessageRow): MessageRecord {
  return {
    uid: r.uid,
    miner: r.miner,
    from: r.from_addr,
    to: r.to_addr,
    method: r.method,
    params: bytes(r.params),
    value: BigInt(r.value),
    spec: r.spec === null ? null : decodeDocObject(r.spec, `message ${r.uid} spec`),
    state: r.state,
    signedCid: r.signed_cid,
    receipt:
      r.exit_code === null ? null : { exitCode: r.exit_code, return: bytes(r.return_data ?? Buffer.alloc(0)), gasUsed: BigInt(r.gas_used ?? "0") },
    tipset: r.tipset,
    height: r.height,
    error: r.error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const toDeal = (r: DealRow): SectorDeal => ({
  pieceIndex: r.piece_index,
  dealId: r.deal_id,
  allocationId: r.allocation_id,
  pieceCid: r.piece_cid,
  pieceSize: r.piece_size,
});

const toReservation = (r: ReservationRow): ReservationRecord => ({
  miner: r.miner,
  number: r.number,
  store: r.store,
  size: r.size,
  reservedAt: r.reserved_at,
});

const toPing = (r: PingRow): WorkerPingRecord => ({
  name: r.name,
  dest: r.dest,
  version: r.version,
  summary: { threads: r.threads, empty: r.empty, paused: r.paused, running: r.running, waiting: r.waiting, errors: r.errors },
  lastPing: r.last_ping,
});

const toJob = (r: JobRow): JobRecord => ({
  kind: r.kind,
  key: r.key,
  state: r.state,
  doc: decodeDocObject(r.doc, `job ${r.kind}/${r.key}`),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Checks the mutable sector columns and returns them as SQL parameters, in `SECTOR_FIELD_COLUMNS` order. */
function sectorFieldParams(f: SectorFields, what: string): unknown[] {
  if (f === null || typeof f !== "object") throw new TypeError(`${what}: the new fields must be an object`);
  if (!Number.isSafeInteger(f.proofType)) throw new RangeError(`${what}.proofType: expected an integer, got ${String(f.proofType)}`);
  if (typeof f.finalized !== "boolean") throw new RangeError(`${what}.finalized: expected a boolean, got ${String(f.finalized)}`);
  if (f.doc === null || typeof f.doc !== "object" || Array.isArray(f.doc)) throw new TypeError(`${what}.doc: expected an object`);
  return [
    f.proofType,
    oneOf(f.job, SECTOR_JOBS, `${what}.job`),
    nullableText(f.latestState, `${what}.latestState`),
    f.finalized ? 1 : 0,
    nullableText(f.abortReason, `${what}.abortReason`),
    f.needSend === null ? null : oneOf(f.needSend, COMMIT_KINDS, `${what}.needSend`),
    encodeDoc(f.doc, `${what}.doc`),
  ];
}
const SECTOR_FIELD_COLUMNS = "proof_type, job, latest_state, finalized, abort_reason, need_send, doc";
const SECTOR_FIELD_SETS = "proof_type = ?, job = ?, latest_state = ?, finalized = ?, abort_reason = ?, need_send = ?, doc = ?";

const withDefaults = (s: NewSector): SectorFields => ({
  proofType: s.proofType,
  job: s.job ?? "sealing",
  latestState: s.latestState ?? null,
  finalized: s.finalized ?? false,
  abortReason: s.abortReason ?? null,
  needSend: s.needSend ?? null,
  doc: s.doc,
});

const fieldsOf = (s: SectorRecord): SectorFields => ({
  proofType: s.proofType,
  job: s.job,
  latestState: s.latestState,
  finalized: s.finalized,
  abortReason: s.abortReason,
  needSend: s.needSend,
  doc: s.doc,
});

class SqliteManagerStore implements ManagerStore {
  private readonly gate = new Gate();
  private readonly context = new AsyncLocalStorage<TxContext>();
  private readonly statements = new Map<string, Statement>();
  private closing = false;

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  // --- plumbing --------------------------------------------------------------------------------

  private st(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs synchronous work now inside an open transaction of ours, else in turn at the gate. */
  private op<T>(work: () => T): Promise<T> {
    const ctx = this.context.getStore();
    if (ctx?.open) {
      try {
        return Promise.resolve(work());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (this.closing) return Promise.reject(new Error("the manager store is closed"));
    return this.gate.run(work);
  }

  /** Several statements as one unit: a transaction of its own, or a savepoint inside the caller's. */
  private atomic<T>(work: () => T): Promise<T> {
    return this.op(() => sqliteTransaction(this.db, work));
  }

  transaction<T>(fn: (tx: ManagerTx) => Promise<T>): Promise<T> {
    const parent = this.context.getStore();
    // A scope that ended meanwhile (a late callback of a committed transaction) starts a new one.
    if (parent?.open) return parent.gate.run(() => (parent.open ? this.runScope(parent.depth + 1, fn) : this.topLevel(fn)));
    return this.topLevel(fn);
  }

  private topLevel<T>(fn: (tx: ManagerTx) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error("the manager store is closed"));
    return this.gate.run(() => this.runScope(0, fn));
  }

  private async runScope<T>(depth: number, fn: (tx: ManagerTx) => Promise<T>): Promise<T> {
    const ctx: TxContext = { open: true, depth, gate: new Gate() };
    // A savepoint per nesting level, so an inner failure the caller catches undoes only the inner part
    // (and whatever sibling calls of the outer scope ran meanwhile: they share the one connection).
    const savepoint = `manager_tx_${depth}`;
    this.db.exec(depth === 0 ? "BEGIN IMMEDIATE" : `SAVEPOINT ${savepoint}`);
    try {
      const result = await this.context.run(ctx, () => fn(this));
      // Nested transactions `fn` started without awaiting them finish inside this scope, not after it.
      await ctx.gate.run(() => undefined);
      ctx.open = false;
      this.db.exec(depth === 0 ? "COMMIT" : `RELEASE ${savepoint}`);
      return result;
    } catch (err) {
      ctx.open = false;
      if (this.db.inTransaction) this.db.exec(depth === 0 ? "ROLLBACK" : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      throw err;
    }
  }

  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    return this.gate.run(() => this.db.close()).then(() => undefined);
  }

  // --- allocator -------------------------------------------------------------------------------

  async nextSectorNumber(miner: number, opts: { min?: number; max?: number } = {}): Promise<number> {
    uint(miner, "miner");
    const min = uint(opts.min ?? 0, "min");
    const max = opts.max === undefined ? undefined : uint(opts.max, "max");
    return this.atomic(() => {
      const next = this.peek(miner, min);
      if (max !== undefined && next > max) throw new SectorNumberExhaustedError(miner, next, max);
      this.st("INSERT INTO sector_numbers (miner, last) VALUES (?, ?) ON CONFLICT (miner) DO UPDATE SET last = excluded.last").run(
        miner,
        next,
      );
      return next;
    });
  }

  private peek(miner: number, min: number): number {
    const last = this.st("SELECT last FROM sector_numbers WHERE miner = ?").pluck().get(miner) as number | undefined;
    return Math.max(last ?? 0, min) + 1;
  }

  async peekSectorNumber(miner: number, opts: { min?: number } = {}): Promise<number> {
    uint(miner, "miner");
    const min = uint(opts.min ?? 0, "min");
    return this.op(() => this.peek(miner, min));
  }

  async lastSectorNumber(miner: number): Promise<number | null> {
    uint(miner, "miner");
    return this.op(() => (this.st("SELECT last FROM sector_numbers WHERE miner = ?").pluck().get(miner) as number | undefined) ?? null);
  }

  async raiseSectorNumber(miner: number, last: number): Promise<number> {
    uint(miner, "miner");
    uint(last, "last");
    return this.atomic(() => {
      this.st("INSERT INTO sector_numbers (miner, last) VALUES (?, ?) ON CONFLICT (miner) DO UPDATE SET last = max(last, excluded.last)").run(
        miner,
        last,
      );
      return this.st("SELECT last FROM sector_numbers WHERE miner = ?").pluck().get(miner) as number;
    });
  }

  // --- sector states ---------------------------------------------------------------------------

  private readSector(miner: number, number: number, online?: boolean): SectorRecord | null {
    const row = (
      online === undefined
        ? this.st("SELECT * FROM sectors WHERE miner = ? AND number = ?").get(miner, number)
        : this.st("SELECT * FROM sectors WHERE miner = ? AND number = ? AND online = ?").get(miner, number, online ? 1 : 0)
    ) as SectorRow | undefined;
    return row ? toSector(row) : null;
  }

  /** Compare-and-set on the version read in `current`. */
  private writeSector(current: SectorRecord, fields: SectorFields, online: boolean): SectorRecord {
    const { miner, number } = current;
    const params = sectorFieldParams(fields, `sector ${fmtSector(miner, number)}`);
    const r = this.st(
      `UPDATE sectors SET ${SECTOR_FIELD_SETS}, online = ?, version = version + 1, updated_at = ? ` +
        "WHERE miner = ? AND number = ? AND version = ?",
    ).run(...params, online ? 1 : 0, this.now(), miner, number, current.version);
    if (r.changes !== 1) {
      const found = this.readSector(miner, number);
      if (!found) throw new SectorNotFoundError(miner, number);
      throw new SectorConflictError(miner, number, current.version, found.version);
    }
    return this.readSector(miner, number)!;
  }

  private insertSector(s: NewSector, online: boolean): void {
    const params = sectorFieldParams(withDefaults(s), `sector ${fmtSector(s.miner, s.number)}`);
    const now = this.now();
    this.st(
      `INSERT INTO sectors (miner, number, online, ${SECTOR_FIELD_COLUMNS}, version, created_at, updated_at) ` +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
    ).run(s.miner, s.number, online ? 1 : 0, ...params, now, now);
  }

  async createSector(sector: NewSector): Promise<SectorRecord> {
    uint(sector.miner, "sector.miner");
    uint(sector.number, "sector.number");
    return this.atomic(() => {
      const existing = this.readSector(sector.miner, sector.number);
      if (existing) throw new SectorExistsError(sector.miner, sector.number, existing.online);
      this.insertSector(sector, true);
      return this.readSector(sector.miner, sector.number)!;
    });
  }

  async getSector(miner: number, number: number, opts: { online?: boolean } = {}): Promise<SectorRecord | null> {
    return this.op(() => this.readSector(miner, number, opts.online));
  }

  async updateSector(miner: number, number: number, mutate: SectorMutation, opts: { online?: boolean } = {}): Promise<SectorRecord> {
    return this.transaction(async () => {
      const current = this.readSector(miner, number, opts.online);
      if (!current) throw new SectorNotFoundError(miner, number, opts.online);
      return this.writeSector(current, await mutate(current), current.online);
    });
  }

  async saveSector(record: SectorRecord): Promise<SectorRecord> {
    return this.atomic(() => {
      const current = this.readSector(record.miner, record.number);
      if (!current) throw new SectorNotFoundError(record.miner, record.number);
      if (current.online !== record.online)
        throw new RangeError(
          `sector ${fmtSector(record.miner, record.number)} is ${current.online ? "online" : "offline"}; ` +
            "saveSector keeps a sector in its store, use finalizeSector or restoreSector to move it",
        );
      return this.writeSector(record, fieldsOf(record), record.online);
    });
  }

  async finalizeSector(miner: number, number: number, mutate?: SectorMutation): Promise<SectorRecord> {
    return this.move(miner, number, false, mutate);
  }

  async restoreSector(miner: number, number: number, mutate?: SectorMutation): Promise<SectorRecord> {
    return this.move(miner, number, true, mutate);
  }

  private move(miner: number, number: number, online: boolean, mutate?: SectorMutation): Promise<SectorRecord> {
    return this.transaction(async () => {
      const current = this.readSector(miner, number);
      if (!current) throw new SectorNotFoundError(miner, number);
      if (current.online === online) return current;
      return this.writeSector(current, mutate ? await mutate(current) : fieldsOf(current), online);
    });
  }

  async importSector(sector: ImportedSector, opts: { override?: boolean } = {}): Promise<boolean> {
    uint(sector.miner, "sector.miner");
    uint(sector.number, "sector.number");
    return this.atomic(() => {
      const existing = this.readSector(sector.miner, sector.number);
      if (!existing) {
        this.insertSector(sector, sector.online);
        return true;
      }
      if (!opts.override) return false;
      this.writeSector(existing, withDefaults(sector), sector.online);
      return true;
    });
  }

  async listSectors(filter: SectorFilter = {}): Promise<SectorRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.online !== undefined) {
      where.push("online = ?");
      params.push(filter.online ? 1 : 0);
    }
    if (filter.miner !== undefined) {
      where.push("miner = ?");
      params.push(uint(filter.miner, "filter.miner"));
    }
    if (filter.states !== undefined) {
      if (filter.states.length === 0) return Promise.resolve([]);
      where.push(`latest_state IN (${filter.states.map(() => "?").join(", ")})`);
      params.push(...filter.states);
    }
    if (filter.job !== undefined) {
      where.push("job = ?");
      params.push(oneOf(filter.job, SECTOR_JOBS, "filter.job"));
    }
    if (filter.needSend !== undefined) {
      where.push("need_send = ?");
      params.push(oneOf(filter.needSend, COMMIT_KINDS, "filter.needSend"));
    }
    const sql = `SELECT * FROM sectors ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY miner, number`;
    return this.op(() => (this.st(sql).all(...params) as SectorRow[]).map(toSector));
  }

  async countSectors(): Promise<SectorCount[]> {
    return this.op(() =>
      (
        this.st("SELECT online, latest_state, count(*) AS n FROM sectors GROUP BY online, latest_state ORDER BY online DESC, latest_state").all() as {
          online: number;
          latest_state: string | null;
          n: number;
        }[]
      ).map((r) => ({ online: r.online === 1, latestState: r.latest_state, count: r.n })),
    );
  }

  // --- deals per sector ------------------------------------------------------------------------

  async setSectorDeals(miner: number, number: number, deals: readonly SectorDeal[]): Promise<void> {
    const rows = deals.map((d, i) => [
      uint(d.pieceIndex, `deals[${i}].pieceIndex`),
      uint(d.dealId, `deals[${i}].dealId`),
      uint(d.allocationId, `deals[${i}].allocationId`),
      text(d.pieceCid, `deals[${i}].pieceCid`),
      uint(d.pieceSize, `deals[${i}].pieceSize`),
    ]);
    return this.atomic(() => {
      if (!this.readSector(miner, number)) throw new SectorNotFoundError(miner, number);
      this.st("DELETE FROM sector_deals WHERE miner = ? AND number = ?").run(miner, number);
      const insert = this.st(
        "INSERT INTO sector_deals (miner, number, piece_index, deal_id, allocation_id, piece_cid, piece_size) VALUES (?, ?, ?, ?, ?, ?, ?)",
      );
      for (const r of rows) insert.run(miner, number, ...r);
    });
  }

  private readDeals(miner: number, number: number): SectorDeal[] {
    return (this.st("SELECT * FROM sector_deals WHERE miner = ? AND number = ? ORDER BY piece_index").all(miner, number) as DealRow[]).map(toDeal);
  }

  async listSectorDeals(miner: number, number: number): Promise<SectorDeal[]> {
    return this.op(() => this.readDeals(miner, number));
  }

  async releaseSectorDeals(miner: number, number: number): Promise<SectorDeal[]> {
    return this.atomic(() => {
      const deals = this.readDeals(miner, number);
      this.st("DELETE FROM sector_deals WHERE miner = ? AND number = ?").run(miner, number);
      return deals;
    });
  }

  private sectorsWhereDeal(condition: string, value: unknown, online?: boolean): Promise<SectorRecord[]> {
    const sql =
      "SELECT * FROM sectors s WHERE EXISTS (SELECT 1 FROM sector_deals d WHERE d.miner = s.miner AND d.number = s.number AND " +
      `${condition})${online === undefined ? "" : " AND s.online = ?"} ORDER BY s.miner, s.number`;
    const params = online === undefined ? [value] : [value, online ? 1 : 0];
    return this.op(() => (this.st(sql).all(...params) as SectorRow[]).map(toSector));
  }

  async findSectorsWithDeal(dealId: number, opts: { online?: boolean } = {}): Promise<SectorRecord[]> {
    return this.sectorsWhereDeal("d.deal_id = ?", uint(dealId, "dealId"), opts.online);
  }

  async findSectorsWithPiece(pieceCid: string, opts: { online?: boolean } = {}): Promise<SectorRecord[]> {
    return this.sectorsWhereDeal("d.piece_cid = ?", text(pieceCid, "pieceCid"), opts.online);
  }

  // --- messages --------------------------------------------------------------------------------

  private readMessage(uid: string): MessageRecord | null {
    const row = this.st("SELECT * FROM messages WHERE uid = ?").get(uid) as MessageRow | undefined;
    return row ? toMessage(row) : null;
  }

  private requireMessage(uid: string): MessageRecord {
    const m = this.readMessage(uid);
    if (!m) throw new Error(`message ${uid} is not recorded`);
    return m;
  }

  async recordMessage(msg: NewMessage): Promise<MessageRecord> {
    text(msg.uid, "message.uid");
    uint(msg.miner, "message.miner");
    text(msg.from, "message.from");
    text(msg.to, "message.to");
    uint(msg.method, "message.method");
    if (!(msg.params instanceof Uint8Array)) throw new TypeError("message.params: expected a Uint8Array");
    if (typeof msg.value !== "bigint" || msg.value < 0n) throw new RangeError(`message.value: expected a non-negative bigint, got ${String(msg.value)}`);
    const spec = msg.spec == null ? null : encodeDoc(msg.spec, "message.spec");
    return this.atomic(() => {
      const existing = this.readMessage(msg.uid);
      if (existing) {
        const same: [string, boolean][] = [
          ["miner", existing.miner === msg.miner],
          ["from", existing.from === msg.from],
          ["to", existing.to === msg.to],
          ["method", existing.method === msg.method],
          ["params", buffer(existing.params).equals(buffer(msg.params))],
          ["value", existing.value === msg.value],
        ];
        const differs = same.find(([, ok]) => !ok);
        if (differs) throw new MessageConflictError(msg.uid, differs[0]);
        return existing;
      }
      const now = this.now();
      this.st(
        "INSERT INTO messages (uid, miner, from_addr, to_addr, method, params, value, spec, state, created_at, updated_at) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
      ).run(msg.uid, msg.miner, msg.from, msg.to, msg.method, buffer(msg.params), msg.value.toString(), spec, now, now);
      return this.readMessage(msg.uid)!;
    });
  }

  async getMessage(uid: string): Promise<MessageRecord | null> {
    return this.op(() => this.readMessage(uid));
  }

  async markPushed(uid: string, signedCid: string): Promise<MessageRecord> {
    text(signedCid, "signedCid");
    return this.atomic(() => {
      const m = this.requireMessage(uid);
      // Landed or failed is final for a push: marking it pushed again would make the manager wait anew.
      if (m.state !== "pending" && m.state !== "pushed") throw new Error(`message ${uid} is already ${m.state}; it cannot be marked pushed`);
      this.st("UPDATE messages SET state = 'pushed', signed_cid = ?, updated_at = ? WHERE uid = ?").run(signedCid, this.now(), uid);
      return this.readMessage(uid)!;
    });
  }

  async markLanded(uid: string, landing: MessageLanding): Promise<MessageRecord> {
    const { receipt } = landing;
    if (!Number.isSafeInteger(receipt.exitCode)) throw new RangeError(`receipt.exitCode: expected an integer, got ${String(receipt.exitCode)}`);
    if (typeof receipt.gasUsed !== "bigint") throw new TypeError("receipt.gasUsed: expected a bigint");
    if (!(receipt.return instanceof Uint8Array)) throw new TypeError("receipt.return: expected a Uint8Array");
    text(landing.tipset, "landing.tipset");
    uint(landing.height, "landing.height");
    // Any earlier state may land: the chain is the truth, and a reorg may land a message again elsewhere.
    return this.atomic(() => {
      this.requireMessage(uid);
      this.st(
        "UPDATE messages SET state = 'landed', exit_code = ?, return_data = ?, gas_used = ?, tipset = ?, height = ?, error = NULL, updated_at = ? WHERE uid = ?",
      ).run(receipt.exitCode, buffer(receipt.return), receipt.gasUsed.toString(), landing.tipset, landing.height, this.now(), uid);
      return this.readMessage(uid)!;
    });
  }

  async markFailed(uid: string, error: string): Promise<MessageRecord> {
    text(error, "error");
    return this.atomic(() => {
      this.requireMessage(uid);
      this.st("UPDATE messages SET state = 'failed', error = ?, updated_at = ? WHERE uid = ?").run(error, this.now(), uid);
      return this.readMessage(uid)!;
    });
  }

  async listUnfinishedMessages(opts: { miner?: number } = {}): Promise<MessageRecord[]> {
    const byMiner = opts.miner !== undefined;
    const sql = `SELECT * FROM messages WHERE state IN ('pending', 'pushed')${byMiner ? " AND miner = ?" : ""} ORDER BY created_at, rowid`;
    const params = byMiner ? [uint(opts.miner, "miner")] : [];
    return this.op(() => (this.st(sql).all(...params) as MessageRow[]).map(toMessage));
  }

  // --- batches ---------------------------------------------------------------------------------

  private readBatch(row: BatchRow): BatchRecord {
    const sectors = this.st("SELECT number FROM batch_sectors WHERE batch_id = ? ORDER BY number").pluck().all(row.id) as number[];
    return { id: row.id, miner: row.miner, kind: row.kind, sectors, messageUid: row.message_uid, createdAt: row.created_at };
  }

  async createBatch(batch: NewBatch): Promise<BatchRecord> {
    const miner = uint(batch.miner, "batch.miner");
    const kind = oneOf(batch.kind, COMMIT_KINDS, "batch.kind");
    if (batch.sectors.length === 0) throw new RangeError("batch.sectors: a batch needs at least one sector");
    batch.sectors.forEach((n, i) => uint(n, `batch.sectors[${i}]`));
    if (new Set(batch.sectors).size !== batch.sectors.length) throw new RangeError(`batch.sectors: ${batch.sectors.join(", ")} repeats a sector`);
    return this.atomic(() => {
      const message = this.requireMessage(batch.messageUid);
      if (message.miner !== miner) throw new RangeError(`batch of miner ${miner}: message ${message.uid} belongs to miner ${message.miner}`);
      for (const number of batch.sectors) {
        const s = this.readSector(miner, number);
        if (!s) throw new SectorNotFoundError(miner, number);
        if (s.needSend !== kind)
          throw new Error(`sector ${fmtSector(miner, number)} is not waiting for a ${kind} message (needSend: ${s.needSend ?? "none"})`);
      }
      const now = this.now();
      const id = Number(
        this.st("INSERT INTO batches (miner, kind, message_uid, created_at) VALUES (?, ?, ?, ?)").run(miner, kind, message.uid, now).lastInsertRowid,
      );
      const link = this.st("INSERT INTO batch_sectors (batch_id, miner, number, kind) VALUES (?, ?, ?, ?)");
      const clear = this.st("UPDATE sectors SET need_send = NULL, version = version + 1, updated_at = ? WHERE miner = ? AND number = ?");
      for (const number of batch.sectors) {
        link.run(id, miner, number, kind);
        clear.run(now, miner, number);
      }
      return this.readBatch(this.st("SELECT * FROM batches WHERE id = ?").get(id) as BatchRow);
    });
  }

  async getBatch(id: number): Promise<BatchRecord | null> {
    return this.op(() => {
      const row = this.st("SELECT * FROM batches WHERE id = ?").get(id) as BatchRow | undefined;
      return row ? this.readBatch(row) : null;
    });
  }

  async listOpenBatches(filter: { miner?: number; kind?: CommitKind } = {}): Promise<BatchRecord[]> {
    const where = ["m.state IN ('pending', 'pushed')"];
    const params: unknown[] = [];
    if (filter.miner !== undefined) {
      where.push("b.miner = ?");
      params.push(uint(filter.miner, "filter.miner"));
    }
    if (filter.kind !== undefined) {
      where.push("b.kind = ?");
      params.push(oneOf(filter.kind, COMMIT_KINDS, "filter.kind"));
    }
    const sql = `SELECT b.* FROM batches b JOIN messages m ON m.uid = b.message_uid WHERE ${where.join(" AND ")} ORDER BY b.id`;
    return this.op(() => (this.st(sql).all(...params) as BatchRow[]).map((r) => this.readBatch(r)));
  }

  async findSectorMessage(miner: number, number: number, kind: CommitKind): Promise<SectorMessage | null> {
    oneOf(kind, COMMIT_KINDS, "kind");
    return this.op(() => {
      const row = this.st(
        "SELECT b.* FROM batch_sectors bs JOIN batches b ON b.id = bs.batch_id " +
          "WHERE bs.miner = ? AND bs.number = ? AND bs.kind = ? ORDER BY bs.batch_id DESC LIMIT 1",
      ).get(miner, number, kind) as BatchRow | undefined;
      if (!row) return null;
      return { batch: this.readBatch(row), message: this.requireMessage(row.message_uid) };
    });
  }

  // --- indexer ---------------------------------------------------------------------------------

  async setSectorLocation(miner: number, number: number, location: SectorLocation, set: LocationSet): Promise<void> {
    uint(miner, "miner");
    uint(number, "number");
    text(location.sealedStore, "location.sealedStore");
    text(location.cacheStore, "location.cacheStore");
    oneOf(set, LOCATION_SETS, "set");
    return this.op(() => {
      this.st(
        "INSERT INTO sector_locations (miner, number, location_set, sealed_store, cache_store) VALUES (?, ?, ?, ?, ?) " +
          "ON CONFLICT (miner, number, location_set) DO UPDATE SET sealed_store = excluded.sealed_store, cache_store = excluded.cache_store",
      ).run(miner, number, set, location.sealedStore, location.cacheStore);
    });
  }

  async findSectorLocation(miner: number, number: number, set: LocationSet): Promise<SectorLocation | null> {
    oneOf(set, LOCATION_SETS, "set");
    return this.op(() => {
      const r = this.st("SELECT sealed_store, cache_store FROM sector_locations WHERE miner = ? AND number = ? AND location_set = ?").get(
        miner,
        number,
        set,
      ) as { sealed_store: string; cache_store: string } | undefined;
      return r ? { sealedStore: r.sealed_store, cacheStore: r.cache_store } : null;
    });
  }

  async removeSectorLocation(miner: number, number: number, set: LocationSet): Promise<boolean> {
    oneOf(set, LOCATION_SETS, "set");
    return this.op(
      () => this.st("DELETE FROM sector_locations WHERE miner = ? AND number = ? AND location_set = ?").run(miner, number, set).changes > 0,
    );
  }

  async listSectorsInStore(store: string, set?: LocationSet): Promise<IndexedSector[]> {
    if (set !== undefined) oneOf(set, LOCATION_SETS, "set");
    const sql =
      "SELECT * FROM sector_locations WHERE (sealed_store = ? OR cache_store = ?)" +
      `${set === undefined ? "" : " AND location_set = ?"} ORDER BY miner, number, location_set`;
    const params = set === undefined ? [store, store] : [store, store, set];
    return this.op(() =>
      (
        this.st(sql).all(...params) as { miner: number; number: number; location_set: LocationSet; sealed_store: string; cache_store: string }[]
      ).map((r) => ({ miner: r.miner, number: r.number, set: r.location_set, sealedStore: r.sealed_store, cacheStore: r.cache_store })),
    );
  }

  // --- reservations ----------------------------------------------------------------------------

  private readReservation(miner: number, number: number): ReservationRecord | null {
    const row = this.st("SELECT * FROM reservations WHERE miner = ? AND number = ?").get(miner, number) as ReservationRow | undefined;
    return row ? toReservation(row) : null;
  }

  async reserveSpace(r: NewReservation): Promise<ReservationRecord | null> {
    const miner = uint(r.miner, "reservation.miner");
    const number = uint(r.number, "reservation.number");
    const store = text(r.store, "reservation.store");
    const size = uint(r.size, "reservation.size");
    const free = r.free === undefined ? undefined : uint(r.free, "reservation.free");
    return this.atomic(() => {
      const held = this.readReservation(miner, number);
      if (held && held.store === store && held.size === size) return held;
      if (free !== undefined) {
        const others = this.st("SELECT COALESCE(SUM(size), 0) FROM reservations WHERE store = ? AND NOT (miner = ? AND number = ?)")
          .pluck()
          .get(store, miner, number) as number;
        if (others + size > free) return null;
      }
      this.st(
        "INSERT INTO reservations (miner, number, store, size, reserved_at) VALUES (?, ?, ?, ?, ?) " +
          "ON CONFLICT (miner, number) DO UPDATE SET store = excluded.store, size = excluded.size, reserved_at = excluded.reserved_at",
      ).run(miner, number, store, size, this.now());
      return this.readReservation(miner, number)!;
    });
  }

  async getReservation(miner: number, number: number): Promise<ReservationRecord | null> {
    return this.op(() => this.readReservation(miner, number));
  }

  async releaseReservation(miner: number, number: number): Promise<boolean> {
    return this.op(() => this.st("DELETE FROM reservations WHERE miner = ? AND number = ?").run(miner, number).changes > 0);
  }

  async reservedBytes(store: string): Promise<number> {
    return this.op(() => this.st("SELECT COALESCE(SUM(size), 0) FROM reservations WHERE store = ?").pluck().get(store) as number);
  }

  async listReservations(filter: { store?: string } = {}): Promise<ReservationRecord[]> {
    const sql = `SELECT * FROM reservations${filter.store === undefined ? "" : " WHERE store = ?"} ORDER BY miner, number`;
    const params = filter.store === undefined ? [] : [filter.store];
    return this.op(() => (this.st(sql).all(...params) as ReservationRow[]).map(toReservation));
  }

  // --- worker pings ----------------------------------------------------------------------------

  async recordPing(ping: WorkerPingRecord): Promise<void> {
    text(ping.name, "ping.name");
    text(ping.dest, "ping.dest");
    if (typeof ping.version !== "string") throw new RangeError(`ping.version: expected a string, got ${JSON.stringify(ping.version)}`);
    const s = ping.summary;
    const counts = (["threads", "empty", "paused", "running", "waiting", "errors"] as const).map((k) => uint(s?.[k], `ping.summary.${k}`));
    uint(ping.lastPing, "ping.lastPing");
    return this.op(() => {
      this.st(
        "INSERT INTO worker_pings (name, dest, version, threads, empty, paused, running, waiting, errors, last_ping) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET dest = excluded.dest, version = excluded.version, " +
          "threads = excluded.threads, empty = excluded.empty, paused = excluded.paused, running = excluded.running, " +
          "waiting = excluded.waiting, errors = excluded.errors, last_ping = excluded.last_ping",
      ).run(ping.name, ping.dest, ping.version, ...counts, ping.lastPing);
    });
  }

  async getPing(name: string): Promise<WorkerPingRecord | null> {
    return this.op(() => {
      const row = this.st("SELECT * FROM worker_pings WHERE name = ?").get(name) as PingRow | undefined;
      return row ? toPing(row) : null;
    });
  }

  async listPings(): Promise<WorkerPingRecord[]> {
    return this.op(() => (this.st("SELECT * FROM worker_pings ORDER BY name").all() as PingRow[]).map(toPing));
  }

  async removePing(name: string): Promise<boolean> {
    return this.op(() => this.st("DELETE FROM worker_pings WHERE name = ?").run(name).changes > 0);
  }

  // --- jobs ------------------------------------------------------------------------------------

  private readJob(kind: string, key: string): JobRecord | null {
    const row = this.st("SELECT * FROM jobs WHERE kind = ? AND key = ?").get(kind, key) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  private writeJob(job: NewJob): JobRecord {
    const what = `job ${job.kind}/${job.key}`;
    text(job.state, `${what}.state`);
    if (job.doc === null || typeof job.doc !== "object" || Array.isArray(job.doc)) throw new TypeError(`${what}.doc: expected an object`);
    const doc = encodeDoc(job.doc, `${what}.doc`);
    const now = this.now();
    this.st(
      "INSERT INTO jobs (kind, key, state, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) " +
        "ON CONFLICT (kind, key) DO UPDATE SET state = excluded.state, doc = excluded.doc, updated_at = excluded.updated_at",
    ).run(job.kind, job.key, job.state, doc, now, now);
    return this.readJob(job.kind, job.key)!;
  }

  async putJob(job: NewJob): Promise<JobRecord> {
    text(job.kind, "job.kind");
    text(job.key, "job.key");
    return this.op(() => this.writeJob(job));
  }

  async getJob(kind: string, key: string): Promise<JobRecord | null> {
    return this.op(() => this.readJob(kind, key));
  }

  async updateJob(kind: string, key: string, mutate: JobMutation): Promise<JobRecord> {
    return this.transaction(async () => {
      const current = this.readJob(kind, key);
      if (!current) throw new Error(`job ${kind}/${key} is not known`);
      const next = await mutate(current);
      return this.writeJob({ kind, key, state: next.state, doc: next.doc });
    });
  }

  async listJobs(filter: { kind: string; states?: readonly string[] }): Promise<JobRecord[]> {
    const states = filter.states;
    if (states?.length === 0) return Promise.resolve([]);
    const sql = `SELECT * FROM jobs WHERE kind = ?${states ? ` AND state IN (${states.map(() => "?").join(", ")})` : ""} ORDER BY created_at, key`;
    return this.op(() => (this.st(sql).all(filter.kind, ...(states ?? [])) as JobRow[]).map(toJob));
  }

  async deleteJob(kind: string, key: string): Promise<boolean> {
    return this.op(() => this.st("DELETE FROM jobs WHERE kind = ? AND key = ?").run(kind, key).changes > 0);
  }
}

