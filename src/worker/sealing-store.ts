// A sealing store (spec/worker.md §10): `.holder` marks an initialised store, `meta/info.json` is the sector
// record (replaced atomically: temp file, fsync, rename, fsync of meta/), `meta/events.jsonl` an append-only
// history for operators, `data/` the sector's scratch files, wiped and recreated after every sector.
import { access, appendFile, mkdir, open, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { syncDirectory, writeBytesAtomically } from "../proofs/atomic-file.js";
import { sectorPaths, type SectorPaths } from "../proofs/sealing-layout.js";
import { Failure } from "./failure.js";
import { parseRecord, type SectorRecord } from "./sector-record.js";

export const HOLDER_FILE = ".holder";
export const META_DIR = "meta";
export const DATA_DIR = "data";
export const RECORD_FILE = "info.json";
export const EVENTS_FILE = "events.jsonl";
/** The data/ sub-directories of §10. */
export const DATA_SUBDIRS = ["unsealed", "prepared", "cache", "sealed", "update", "update-cache"] as const;

/** One line of `meta/events.jsonl`. */
export interface StoreEvent {
  at: string;
  sector: string | null;
  prev: string | null;
  next: string;
  event: string;
  failure?: { level: string; code: string; desc: string };
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** Files a RocksDB database keeps in its directory: a Damocles record store (§5.4). */
const ROCKSDB_MARKERS = [/^CURRENT$/, /^MANIFEST-\d+$/, /^OPTIONS-\d+$/, /^LOCK$/, /\.sst$/];

/** `store sealing-init`: creates the directory (its parent must exist), `.holder`, `meta/` and `data/`. Idempotent. */
export async function initSealingStore(dir: string): Promise<void> {
  if (!(await exists(dirname(dir)))) throw new Error(`sealing store ${dir}: parent directory ${dirname(dir)} does not exist`);
  await mkdir(join(dir, META_DIR), { recursive: true });
  await mkdir(join(dir, DATA_DIR), { recursive: true });
  const holder = join(dir, HOLDER_FILE);
  if (!(await exists(holder))) {
    await writeFile(holder, "");
    await syncDirectory(dir);
  }
}

export class SealingStore {
  readonly metaDir: string;
  readonly dataDir: string;
  readonly recordFile: string;
  readonly eventsFile: string;

  private constructor(readonly location: string) {
    this.metaDir = join(location, META_DIR);
    this.dataDir = join(location, DATA_DIR);
    this.recordFile = join(this.metaDir, RECORD_FILE);
    this.eventsFile = join(this.metaDir, EVENTS_FILE);
  }

  /**
   * Opens a store: a missing directory is initialised (its parent must exist); an existing one must hold
   * `.holder`; a `meta/` holding a Damocles RocksDB is refused. Every refusal is Critical (the thread pauses).
   */
  static async open(location: string): Promise<SealingStore> {
    const crit = (msg: string, fix: string, cause?: unknown): Failure =>
      new Failure("crit", "STORE_OPEN", `sealing store ${location}: ${msg}`, fix, cause === undefined ? undefined : { cause });
    try {
      if (!(await exists(location))) await initSealingStore(location);
    } catch (err) {
      throw crit(`cannot initialise it (${(err as Error).message})`, `create ${dirname(location)} or fix the thread's location`, err);
    }
    if (!(await exists(join(location, HOLDER_FILE))))
      throw crit(`${HOLDER_FILE} is missing, so this is not an initialised sealing store`,
        `run \`damocles-worker store sealing-init -l ${location}\` if this directory is meant to be one`);
    const store = new SealingStore(location);
    try {
      await mkdir(store.metaDir, { recursive: true });
      await mkdir(store.dataDir, { recursive: true });
      const meta = await readdir(store.metaDir);
      if (meta.some((f) => ROCKSDB_MARKERS.some((re) => re.test(f))))
        throw crit(
          `${store.metaDir} holds a Damocles RocksDB sector record, which this worker does not read (it keeps ${META_DIR}/${RECORD_FILE})`,
          "finish the sector with a Damocles worker, or point the thread at an empty sealing store",
        );
    } catch (err) {
      if (err instanceof Failure) throw err;
      throw crit(`cannot read ${store.metaDir} (${(err as Error).message})`, "check the disk and the directory's permissions", err);
    }
    return store;
  }

  /** The record, or null when the store has no sector in progress. Unreadable or malformed ⇒ Critical. */
  async load(): Promise<SectorRecord | null> {
    let text: string;
    try {
      text = await readFile(this.recordFile, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new Failure("crit", "RECORD_READ", `cannot read ${this.recordFile}: ${(err as Error).message}`, "check the disk", { cause: err });
    }
    return parseRecord(text, this.recordFile);
  }

  /** Replaces the record durably (a leftover `.tmp` from a crash is overwritten). Failure ⇒ Critical. */
  async save(record: SectorRecord): Promise<void> {
    try {
      await writeBytesAtomically(this.recordFile, new TextEncoder().encode(`${JSON.stringify(record, null, 1)}\n`));
    } catch (err) {
      throw new Failure("crit", "RECORD_WRITE", `cannot write ${this.recordFile}: ${(err as Error).message}`, "check the disk (full, read-only, failing?), then resume", { cause: err });
    }
  }

  /** Removes the record (sector finalized or dropped). */
  async deleteRecord(): Promise<void> {
    try {
      await rm(this.recordFile, { force: true });
      await syncDirectory(this.metaDir);
    } catch (err) {
      throw new Failure("crit", "RECORD_WRITE", `cannot remove ${this.recordFile}: ${(err as Error).message}`, "check the disk", { cause: err });
    }
  }

  /** Appends one history line; best effort (the history is never read to recover state). */
  async appendEvent(ev: StoreEvent): Promise<void> {
    await appendFile(this.eventsFile, `${JSON.stringify(ev)}\n`).catch(() => undefined);
  }

  /** The history; a torn last line is skipped. */
  async readEvents(): Promise<StoreEvent[]> {
    const text = await readFile(this.eventsFile, "utf8").catch(() => "");
    const out: StoreEvent[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        out.push(JSON.parse(line) as StoreEvent);
      } catch {
        // a torn line from a crash mid-append
      }
    }
    return out;
  }

  /** Wipes `data/` and recreates it empty (after every sector). Failure ⇒ Critical. */
  async wipeData(): Promise<void> {
    try {
      await rm(this.dataDir, { recursive: true, force: true });
      await mkdir(this.dataDir, { recursive: true });
      await syncDirectory(this.location);
    } catch (err) {
      throw new Failure("crit", "STORE_CLEANUP", `cannot wipe ${this.dataDir}: ${(err as Error).message}`, "check the disk, then resume", { cause: err });
    }
  }

  /** File names of a sector inside `data/`. */
  sectorPaths(miner: number, sectorNumber: number): SectorPaths {
    return sectorPaths(this.location, miner, sectorNumber);
  }

  /** Relative paths of the files under `data/` (tests, store tools). */
  async dataEntries(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(join(dir, e.name), r);
        else out.push(r);
      }
    };
    await walk(this.dataDir, "");
    return out.sort();
  }
}

/** fsyncs a file's content (marker files must survive a crash). */
export async function syncFile(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
