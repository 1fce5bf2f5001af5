// Persist stores (spec/manager.md §2 PersistStores / ScanPersistStores, §9; worker.md §11): the sealed-sector
// stores workers persist into, known by NAME (mount paths may differ per machine), space reservations for
// sectors about to be persisted, and the check that a persisted sector's files are really there.

import { randomBytes } from "node:crypto";
import { lstat, readdir, readFile, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import type { SectorID, StoreBasicInfo, StoreDetailedInfo } from "../../api/sealer-types.js";
import type { ManagerStore } from "../../db/manager-store.js";
import { sealProofType } from "../../filecoin/proof-types.js";
import { P_AUX_FILE, T_AUX_FILE } from "../../proofs/aux-files.js";
import { checkProvable } from "../../proofs/post.js";
import { sectorName } from "../../proofs/sealing-layout.js";
import type { CommonConfig } from "../config/schema.js";

export interface PersistStore {
  name: string;
  path: string;
  strict: boolean;
  readOnly: boolean;
  /** 0 is read as 1. */
  weight: number;
  meta: Record<string, string>;
  allowMiners: number[];
  denyMiners: number[];
}

export interface StoreSpace {
  total: number;
  free: number;
}

/** [[Common.PersistStores]] as stores (Name defaults to Path). */
export function configuredStores(common: CommonConfig): PersistStore[] {
  return common.PersistStores.map((s) => ({
    name: s.Name === "" ? s.Path : s.Name,
    path: s.Path,
    strict: s.Strict,
    readOnly: s.ReadOnly,
    weight: s.Weight === 0 ? 1 : s.Weight,
    meta: { ...s.Meta },
    allowMiners: [...s.AllowMiners],
    denyMiners: [...s.DenyMiners],
  }));
}

// ---- ScanPersistStores: globs of directories holding a sectorstore.json ----

const globRegex = (segment: string): RegExp =>
  new RegExp(`^${segment.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);

/** Directories matching a glob whose wildcards (`*`, `?`) may appear in any path segment. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = pattern.startsWith("/");
  let paths = [absolute ? "/" : "."];
  for (const seg of pattern.split("/").filter((s) => s !== "")) {
    const next: string[] = [];
    for (const base of paths) {
      if (!/[*?]/.test(seg)) {
        next.push(join(base, seg));
        continue;
      }
      const re = globRegex(seg);
      const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory() && re.test(e.name)) next.push(join(base, e.name));
    }
    paths = next;
  }
  return paths.sort();
}

const asList = (v: unknown, what: string): number[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0)) throw new Error(`${what} must be a list of actor ids`);
  return v as number[];
};

/** A directory's sectorstore.json as a store: Name, else ID, else the path. */
export async function readSectorStoreJson(dir: string): Promise<PersistStore> {
  const file = join(dir, "sectorstore.json");
  const j = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof j[k] === "string" && j[k] !== "" ? (j[k] as string) : undefined);
  const meta = j["Meta"] && typeof j["Meta"] === "object" ? Object.fromEntries(Object.entries(j["Meta"] as object).map(([k, v]) => [k, String(v)])) : {};
  const weight = typeof j["Weight"] === "number" && j["Weight"] > 0 ? j["Weight"] : 1;
  return {
    name: str("Name") ?? str("ID") ?? dir,
    path: dir,
    strict: j["Strict"] === true,
    readOnly: j["ReadOnly"] === true,
    weight,
    meta,
    allowMiners: asList(j["AllowMiners"], `${file}: AllowMiners`),
    denyMiners: asList(j["DenyMiners"], `${file}: DenyMiners`),
  };
}

/** Configured stores, then scanned ones; a duplicate name is an error naming both paths. */
export async function loadPersistStores(common: CommonConfig): Promise<PersistStore[]> {
  const stores = configuredStores(common);
  for (const pattern of common.ScanPersistStores)
    for (const dir of await expandGlob(pattern)) {
      const exists = await stat(join(dir, "sectorstore.json")).then(() => true, () => false);
      if (exists) stores.push(await readSectorStoreJson(dir));
    }
  const seen = new Map<string, string>();
  for (const s of stores) {
    const other = seen.get(s.name);
    if (other !== undefined) throw new Error(`persist store name "${s.name}" is used by both ${other} and ${s.path}; names must be unique`);
    seen.set(s.name, s.path);
  }
  return stores;
}

/** Space of the file system holding `path` (what a non-root writer may use). */
export async function statfsSpace(path: string): Promise<StoreSpace> {
  const s = await statfs(path);
  return { total: s.blocks * s.bsize, free: s.bavail * s.bsize };
}

/** Whether the store's miner policy admits the miner (deny wins). */
export function storeAllows(s: PersistStore, miner: number): boolean {
  if (s.denyMiners.includes(miner)) return false;
  return s.allowMiners.length === 0 || s.allowMiners.includes(miner);
}

export function basicInfo(s: PersistStore): StoreBasicInfo {
  return { Name: s.name, Path: s.path, Strict: s.strict, ReadOnly: s.readOnly, Weight: s.weight, Meta: { ...s.meta } };
}

/** Relative paths of a persisted sector inside its store (protocols.md §3.12). */
export function persistedPaths(storePath: string, sid: SectorID, upgrade: boolean): { sealedFile: string; cacheDir: string } {
  const name = sectorName(sid.Miner, sid.Number);
  return {
    sealedFile: join(storePath, upgrade ? "update" : "sealed", name),
    cacheDir: join(storePath, upgrade ? "update-cache" : "cache", name),
  };
}

export interface PersistStoresDeps {
  store: ManagerStore;
  stores: () => readonly PersistStore[];
  /** Default: statfs of the store's path. */
  space?: (s: PersistStore) => Promise<StoreSpace>;
  /** Uniform in [0, 1). */
  random?: () => number;
}

export interface PersistStoreManager {
  get(name: string): PersistStore | null;
  basicInfo(name: string): StoreBasicInfo | null;
  /**
   * Reserves `size` bytes for the sector in one of the candidate stores (all when empty): miner allowed,
   * not read-only, free space ≥ reservations so far + size; weighted random choice. null when none fits.
   */
  reserve(sid: SectorID, size: number, candidates: readonly string[]): Promise<StoreBasicInfo | null>;
  release(sid: SectorID): Promise<boolean>;
  list(): Promise<StoreDetailedInfo[]>;
  /**
   * Why the sector's files in the store are not provable, or null when they are: sealed file, p_aux (bound
   * to `commR` when given), t_aux and the tree-r-last files, with a few leaves of the sealed file read.
   */
  checkPersisted(sid: SectorID, proofType: number, storeName: string, upgrade: boolean, commR?: Uint8Array): Promise<string | null>;
}

export function createPersistStoreManager(deps: PersistStoresDeps): PersistStoreManager {
  const space = deps.space ?? ((s: PersistStore) => statfsSpace(s.path));
  const random = deps.random ?? Math.random;
  const get = (name: string): PersistStore | null => deps.stores().find((s) => s.name === name) ?? null;

  return {
    get,
    basicInfo(name) {
      const s = get(name);
      return s ? basicInfo(s) : null;
    },

    async reserve(sid, size, candidates) {
      const wanted = candidates.length > 0 ? new Set(candidates) : null;
      const eligible = deps.stores().filter((s) => (!wanted || wanted.has(s.name)) && !s.readOnly && storeAllows(s, sid.Miner));
      const held = await deps.store.getReservation(sid.Miner, sid.Number);
      if (held && held.size === size) {
        const s = eligible.find((c) => c.name === held.store);
        if (s) return basicInfo(s);
      }
      const fits: Array<{ s: PersistStore; free: number }> = [];
      for (const s of eligible) {
        const { free } = await space(s).catch(() => ({ free: -1 })); // an unreadable mount takes nothing
        if (free < 0) continue;
        const reserved = (await deps.store.reservedBytes(s.name)) - (held?.store === s.name ? held.size : 0);
        if (free >= reserved + size) fits.push({ s, free });
      }
      // Weighted choice; the store re-checks the space in the transaction that writes the reservation.
      while (fits.length > 0) {
        const total = fits.reduce((n, f) => n + f.s.weight, 0);
        let r = random() * total;
        let i = fits.findIndex((f) => (r -= f.s.weight) < 0);
        if (i < 0) i = fits.length - 1;
        const [{ s, free }] = fits.splice(i, 1) as [(typeof fits)[number]];
        const got = await deps.store.reserveSpace({ miner: sid.Miner, number: sid.Number, store: s.name, size, free });
        if (got) return basicInfo(s);
      }
      return null;
    },

    release: (sid) => deps.store.releaseReservation(sid.Miner, sid.Number),

    async list() {
      const reservations = await deps.store.listReservations();
      const out: StoreDetailedInfo[] = [];
      for (const s of deps.stores()) {
        const sp = await space(s).catch(() => ({ total: 0, free: 0 }));
        const mine = reservations.filter((r) => r.store === s.name);
        const reserved = mine.reduce((n, r) => n + r.size, 0);
        const used = Math.max(0, sp.total - sp.free);
        out.push({
          ...basicInfo(s),
          Type: "filesystem",
          Total: sp.total,
          Free: sp.free,
          Used: used,
          UsedPercent: sp.total === 0 ? 0 : (used * 100) / sp.total,
          Reserved: reserved,
          ReservedBy: mine.map((r) => ({ By: sectorName(r.miner, r.number), Size: r.size, At: Math.floor(r.reservedAt / 1000) })),
        });
      }
      return out;
    },

    async checkPersisted(sid, proofType, storeName, upgrade, commR) {
      const s = get(storeName);
      if (!s) return `persist store "${storeName}" is not known`;
      const { sealedFile, cacheDir } = persistedPaths(s.path, sid, upgrade);
      if (s.strict) {
        // Strict stores hold regular files only (no symlinks into other mounts).
        for (const f of [sealedFile, join(cacheDir, P_AUX_FILE), join(cacheDir, T_AUX_FILE)]) {
          const st = await lstat(f).catch(() => null);
          if (st && !st.isFile()) return `${f} is not a regular file (store "${s.name}" is Strict)`;
        }
      }
      try {
        await stat(join(cacheDir, T_AUX_FILE));
      } catch {
        return `${join(cacheDir, T_AUX_FILE)} is missing`;
      }
      const [r] = await checkProvable({
        postProof: sealProofType(proofType).windowPostProof,
        randomness: randomBytes(32),
        sectors: [{ sectorNumber: sid.Number, cacheDir, sealedFile, ...(commR ? { commR } : {}) }],
      });
      return r?.ok ? null : (r?.reason ?? "not provable");
    },
  };
}
