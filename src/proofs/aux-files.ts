// p_aux and t_aux in the sector cache directory (spec/filecoin.md §10), byte-compatible with
// rust-fil-proofs: p_aux is bincode of PersistentAux {comm_c, comm_r_last}; t_aux is bincode of
// TemporaryAux {labels: Labels {Vec<StoreConfig>}, tree_d_config, tree_r_last_config, tree_c_config}
// with StoreConfig {path, id, size: Option<usize>, rows_to_discard: usize} (merkletree src/store/mod.rs).
// bincode here is the proofs library's default: little-endian, u64 lengths, Option = 00 | 01 + value.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { TreeShape } from "../filecoin/sizes.js";
import { writeBytesAtomically } from "./atomic-file.js";
import { baseTreeCount, baseTreeElements, rowsToDiscard } from "./poseidon-tree.js";

export const P_AUX_FILE = "p_aux";
export const T_AUX_FILE = "t_aux";

/** Store ids (storage-proofs-core src/cache_key.rs, CacheKey). */
export const TREE_D_ID = "tree-d";
export const TREE_R_LAST_ID = "tree-r-last";
export const TREE_C_ID = "tree-c";
export const labelLayerId = (layer: number): string => `layer-${layer}`;

export interface StoreConfig {
  path: string;
  id: string;
  size: number | null;
  rowsToDiscard: number;
}

export interface TemporaryAux {
  labels: StoreConfig[];
  treeD: StoreConfig;
  treeRLast: StoreConfig;
  treeC: StoreConfig;
}

export interface PersistentAux {
  commC: Uint8Array;
  commRLast: Uint8Array;
}

export async function writePAux(cacheDir: string, commC: Uint8Array, commRLast: Uint8Array): Promise<void> {
  if (commC.length !== 32 || commRLast.length !== 32)
    throw new RangeError(`p_aux takes two 32-byte roots, got comm_c ${commC.length} and comm_r_last ${commRLast.length}`);
  const out = new Uint8Array(64);
  out.set(commC, 0);
  out.set(commRLast, 32);
  await writeBytesAtomically(join(cacheDir, P_AUX_FILE), out);
}

export async function readPAux(cacheDir: string): Promise<PersistentAux> {
  const path = join(cacheDir, P_AUX_FILE);
  const b = new Uint8Array(await readFile(path));
  if (b.length !== 64) throw new Error(`${path} has ${b.length} bytes; p_aux is 64 bytes (comm_c ‖ comm_r_last)`);
  return { commC: b.slice(0, 32), commRLast: b.slice(32, 64) };
}

/** The default store configs of a sector (rust-fil-proofs TemporaryAux::new, fixed-rows-to-discard). */
export function defaultTAux(cacheDir: string, nodes: number, layers: number, shape: TreeShape): TemporaryAux {
  const perTree = nodes / baseTreeCount(shape);
  const treeSize = baseTreeElements(perTree);
  return {
    labels: Array.from({ length: layers }, (_, i) => ({ path: cacheDir, id: labelLayerId(i + 1), size: nodes, rowsToDiscard: 0 })),
    treeD: { path: cacheDir, id: TREE_D_ID, size: 2 * nodes - 1, rowsToDiscard: 0 },
    treeRLast: { path: cacheDir, id: TREE_R_LAST_ID, size: treeSize, rowsToDiscard: rowsToDiscard(perTree) },
    treeC: { path: cacheDir, id: TREE_C_ID, size: treeSize, rowsToDiscard: 0 },
  };
}

class Writer {
  private chunks: Uint8Array[] = [];
  u8(v: number): void {
    this.chunks.push(Uint8Array.of(v));
  }
  u64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.chunks.push(b);
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.chunks.push(b);
  }
  bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

function writeStoreConfig(w: Writer, c: StoreConfig): void {
  w.str(c.path);
  w.str(c.id);
  if (c.size === null) w.u8(0);
  else {
    w.u8(1);
    w.u64(c.size);
  }
  w.u64(c.rowsToDiscard);
}

export function encodeTAux(t: TemporaryAux): Uint8Array {
  const w = new Writer();
  w.u64(t.labels.length);
  for (const c of t.labels) writeStoreConfig(w, c);
  writeStoreConfig(w, t.treeD);
  writeStoreConfig(w, t.treeRLast);
  writeStoreConfig(w, t.treeC);
  return w.bytes();
}

class Reader {
  private off = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly what: string,
  ) {}
  private need(n: number, field: string): void {
    if (this.off + n > this.b.length)
      throw new Error(`${this.what} is truncated: ${field} needs ${n} bytes at offset ${this.off}, file has ${this.b.length}`);
  }
  u8(field: string): number {
    this.need(1, field);
    return this.b[this.off++]!;
  }
  u64(field: string): number {
    this.need(8, field);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.off, 8).getBigUint64(0, true);
    this.off += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${this.what}: ${field} ${v} at offset ${this.off - 8} is too large`);
    return Number(v);
  }
  str(field: string): string {
    const len = this.u64(`${field} length`);
    this.need(len, field);
    const s = new TextDecoder("utf-8", { fatal: true }).decode(this.b.subarray(this.off, this.off + len));
    this.off += len;
    return s;
  }
  end(): void {
    if (this.off !== this.b.length)
      throw new Error(`${this.what} has ${this.b.length - this.off} trailing bytes after offset ${this.off}`);
  }
}

function readStoreConfig(r: Reader, name: string): StoreConfig {
  const path = r.str(`${name}.path`);
  const id = r.str(`${name}.id`);
  const tag = r.u8(`${name}.size tag`);
  if (tag > 1) throw new Error(`${name}.size option tag is ${tag}; expected 0 or 1`);
  const size = tag === 1 ? r.u64(`${name}.size`) : null;
  return { path, id, size, rowsToDiscard: r.u64(`${name}.rows_to_discard`) };
}

export function decodeTAux(b: Uint8Array, what = "t_aux"): TemporaryAux {
  const r = new Reader(b, what);
  const count = r.u64("labels length");
  if (count > 64) throw new Error(`${what} lists ${count} label layers; at most 64 are plausible`);
  const labels = Array.from({ length: count }, (_, i) => readStoreConfig(r, `labels[${i}]`));
  const t = { labels, treeD: readStoreConfig(r, "tree_d"), treeRLast: readStoreConfig(r, "tree_r_last"), treeC: readStoreConfig(r, "tree_c") };
  r.end();
  const expect: Array<[StoreConfig, string]> = [
    ...labels.map((c, i): [StoreConfig, string] => [c, labelLayerId(i + 1)]),
    [t.treeD, TREE_D_ID],
    [t.treeRLast, TREE_R_LAST_ID],
    [t.treeC, TREE_C_ID],
  ];
  for (const [c, id] of expect) if (c.id !== id) throw new Error(`${what} has store id "${c.id}" where "${id}" belongs`);
  return t;
}

/** Writes t_aux with the absolute cache directory as every store's path. */
export async function writeTAux(cacheDir: string, nodes: number, layers: number, shape: TreeShape): Promise<void> {
  await writeBytesAtomically(join(cacheDir, T_AUX_FILE), encodeTAux(defaultTAux(resolve(cacheDir), nodes, layers, shape)));
}

/** Reads t_aux, with every path replaced by `cacheDir` (the sector may have moved since it was written). */
export async function readTAux(cacheDir: string): Promise<TemporaryAux> {
  const path = join(cacheDir, T_AUX_FILE);
  const t = decodeTAux(new Uint8Array(await readFile(path)), path);
  const fix = (c: StoreConfig): StoreConfig => ({ ...c, path: cacheDir });
  return { labels: t.labels.map(fix), treeD: fix(t.treeD), treeRLast: fix(t.treeRLast), treeC: fix(t.treeC) };
}
