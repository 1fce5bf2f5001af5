// SQLite access shared by the devnet (chain.db) and the manager: one way to open a database, apply
// its migrations and run a transaction. Settings favour "durable before acting": a commit that
// returned is on disk, because the caller announces or acts on it right after.
import BetterSqlite3 from "better-sqlite3";

export type Database = BetterSqlite3.Database;
type Db = Database;

export interface Migration {
  /** 1, 2, 3, … in the order they apply; never renumbered once released. */
  version: number;
  name: string;
  sql: string;
}

export interface OpenOptions {
  /**
   * Hold the database for the life of the connection (PRAGMA locking_mode=EXCLUSIVE). The lock is
   * taken at open with a write, so a second process fails at open with SqliteLockedError rather
   * than later; the OS releases it when the process dies, kill -9 included.
   */
  exclusive?: boolean;
  migrations: readonly Migration[];
  /** How long a non-exclusive connection waits for a busy database (default 5000 ms). */
  busyTimeoutMs?: number;
}

/** Another connection (usually another process) holds the database. */
export class SqliteLockedError extends Error {
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(`database ${path} is locked by another process`, options);
    this.name = "SqliteLockedError";
  }
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
};

/**
 * Opens (creating if needed) a database in WAL mode with synchronous=FULL, foreign keys on and a
 * busy timeout, then applies the migrations not yet recorded in `schema_migrations`.
 */
export function openSqlite(path: string, opts: OpenOptions): Db {
  checkMigrations(opts.migrations);
  const db = new BetterSqlite3(path);
  try {
    if (opts.exclusive) {
      // No waiting: an exclusive opener that finds the database held must fail now, not in 5 s.
      db.pragma("busy_timeout = 0");
      // Set before the first access, so WAL runs without the shared-memory index (SQLite docs,
      // "WAL without shared memory") and the file lock is the only lock.
      db.pragma("locking_mode = EXCLUSIVE");
    } else {
      db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    }
    db.pragma("journal_mode = WAL");
    // FULL, not NORMAL: with WAL, NORMAL may lose the last commits on power loss. The devnet
    // announces a tipset and the manager acts on a record right after commit, so a commit must
    // be on disk when it returns; the cost is one fsync per transaction.
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    if (opts.exclusive) {
      // WAL without shared memory locks the file exclusively at the first access and keeps it; an
      // explicit exclusive transaction makes sure the lock is held from open on, whatever the
      // journal state of the file we found.
      db.exec("BEGIN EXCLUSIVE; COMMIT");
    }
    applyMigrations(db, path, opts.migrations);
    if (opts.exclusive) db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    return db;
  } catch (err) {
    db.close();
    if (isBusy(err)) throw new SqliteLockedError(path, { cause: err });
    throw err;
  }
}

/** Runs `fn` in one IMMEDIATE transaction: all of it commits, or none of it on a throw. */
export function transaction<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}

function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (!Number.isSafeInteger(m.version) || m.version < 1)
      throw new RangeError(`migration "${m.name}": version ${m.version} must be a positive integer`);
    const prev = migrations[i - 1];
    if (prev && m.version <= prev.version)
      throw new RangeError(`migration "${m.name}": version ${m.version} must be above the previous one (${prev.version})`);
  });
}

function applyMigrations(db: Db, path: string, migrations: readonly Migration[]): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied = db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all() as {
    version: number;
    name: string;
  }[];
  const known = new Map(migrations.map((m) => [m.version, m]));
  const newest = migrations.at(-1)?.version ?? 0;
  for (const row of applied) {
    if (row.version > newest)
      throw new Error(
        `database ${path} has schema version ${row.version} ("${row.name}"), newer than this program knows (${newest}); ` +
          "run a newer version of the program or restore an older database",
      );
    const m = known.get(row.version);
    if (m && m.name !== row.name)
      throw new Error(`database ${path}: migration ${row.version} was applied as "${row.name}", this program calls it "${m.name}"`);
  }
  const done = new Set(applied.map((r) => r.version));
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    transaction(db, () => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    });
  }
}
