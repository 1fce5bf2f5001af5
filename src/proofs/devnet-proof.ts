// Devnet proofs (spec/devnet.md §8): the vanilla proofs themselves in a tagged envelope, the built-in
// c2 / window_post / winning_post output on a devnet. Byte layout is normative: envelope `DMDEVNET` ‖
// version ‖ kind ‖ u32le body length ‖ body, integers little-endian, nodes 32 bytes. Every count and
// path length follows from the proof type; the decoder reads the counts only to check them.
import { postProofType, type PoStProofType } from "../filecoin/proof-types.js";
import { sectorParams, WINDOW_POST_CHALLENGE_COUNT, WINNING_POST_CHALLENGE_COUNT, type TreeShape } from "../filecoin/sizes.js";
import type { PoseidonPath } from "./poseidon-tree.js";
import { COLUMNS_PER_CHALLENGE, pathSiblings, porepLayout } from "./porep-layout.js";
import type { ChallengeProof, ColumnOpening, PartitionProof, VanillaPoRep } from "./porep-proof.js";
import type { PoStChallengeProof, SectorPoSt, VanillaPoSt } from "./post.js";

export const DEVNET_PROOF_MAGIC: Uint8Array = new TextEncoder().encode("DMDEVNET");
export const DEVNET_PROOF_VERSION = 1;
export const DEVNET_PROOF_HEADER_BYTES = 14;

export const DevnetProofKind = { PoRep: 1, WindowPoSt: 2, WinningPoSt: 3 } as const;
export type DevnetProofKind = (typeof DevnetProofKind)[keyof typeof DevnetProofKind];
const KIND_NAMES: Record<DevnetProofKind, string> = { 1: "PoRep", 2: "WindowPoSt", 3: "WinningPoSt" };

const NODE = 32;
const U32_MAX = 0xffff_ffff;

/** True when the bytes start with the devnet magic: what the manager's network rule looks at (devnet.md §8.4). */
export function isDevnetProof(bytes: Uint8Array): boolean {
  if (bytes.length < DEVNET_PROOF_MAGIC.length) return false;
  for (let i = 0; i < DEVNET_PROOF_MAGIC.length; i++) if (bytes[i] !== DEVNET_PROOF_MAGIC[i]) return false;
  return true;
}

export function encodeDevnetEnvelope(kind: DevnetProofKind, body: Uint8Array): Uint8Array {
  if (body.length > U32_MAX) throw new RangeError(`devnet proof body of ${body.length} bytes does not fit a u32 length`);
  const out = new Uint8Array(DEVNET_PROOF_HEADER_BYTES + body.length);
  out.set(DEVNET_PROOF_MAGIC, 0);
  out[8] = DEVNET_PROOF_VERSION;
  out[9] = kind;
  new DataView(out.buffer).setUint32(10, body.length, true);
  out.set(body, DEVNET_PROOF_HEADER_BYTES);
  return out;
}

/** Checks the envelope and returns the body (a view into `bytes`); throws naming the bad field. */
export function decodeDevnetEnvelope(bytes: Uint8Array, expectedKind?: DevnetProofKind): { kind: DevnetProofKind; body: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("devnet proof must be a Uint8Array");
  if (bytes.length < DEVNET_PROOF_HEADER_BYTES)
    throw new RangeError(`devnet proof of ${bytes.length} bytes is shorter than the ${DEVNET_PROOF_HEADER_BYTES}-byte envelope header`);
  if (!isDevnetProof(bytes)) throw new RangeError("devnet proof: bytes 0..7 are not the magic DMDEVNET (not a devnet proof)");
  if (bytes[8] !== DEVNET_PROOF_VERSION)
    throw new RangeError(`devnet proof: version at offset 8 is ${bytes[8]}, only ${DEVNET_PROOF_VERSION} is accepted`);
  const kind = bytes[9]!;
  if (kind !== 1 && kind !== 2 && kind !== 3) throw new RangeError(`devnet proof: kind at offset 9 is ${kind}, accepted: 1, 2, 3`);
  if (expectedKind !== undefined && kind !== expectedKind)
    throw new RangeError(`devnet proof: kind at offset 9 is ${kind} (${KIND_NAMES[kind]}), expected ${expectedKind} (${KIND_NAMES[expectedKind]})`);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(10, true);
  if (len !== bytes.length - DEVNET_PROOF_HEADER_BYTES)
    throw new RangeError(
      `devnet proof: body length at offset 10 is ${len}, but ${bytes.length - DEVNET_PROOF_HEADER_BYTES} bytes follow the header`,
    );
  return { kind, body: bytes.subarray(DEVNET_PROOF_HEADER_BYTES) };
}

// ---------------------------------------------------------------------------------------------------
// Writing and reading

class Writer {
  private readonly chunks: Uint8Array[] = [];
  size = 0;
  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  u32(v: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new RangeError(`${field} ${v} does not fit a u32`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.push(b);
  }
  u64(v: number | bigint, field: string): void {
    if (typeof v === "number" && !Number.isSafeInteger(v)) throw new RangeError(`${field} ${v} is not a safe integer`);
    const x = BigInt(v);
    if (x < 0n || x >= 1n << 64n) throw new RangeError(`${field} ${v} does not fit a u64`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, x, true);
    this.push(b);
  }
  node(b: Uint8Array, field: string): void {
    if (!(b instanceof Uint8Array) || b.length !== NODE)
      throw new RangeError(`${field} must be a 32-byte node, got ${b instanceof Uint8Array ? `${b.length} bytes` : String(b)}`);
    this.push(b);
  }
  nodes(list: readonly Uint8Array[], count: number, field: string): void {
    if (!Array.isArray(list) || list.length !== count)
      throw new RangeError(`${field} must have ${count} nodes, got ${Array.isArray(list) ? list.length : String(list)}`);
    for (const b of list) this.node(b, field);
  }
  path(path: PoseidonPath, siblings: readonly number[], field: string): void {
    if (!Array.isArray(path) || path.length !== siblings.length)
      throw new RangeError(`${field} must have ${siblings.length} levels, got ${Array.isArray(path) ? path.length : String(path)}`);
    siblings.forEach((s, level) => this.nodes(path[level]!, s, `${field} level ${level}`));
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

// Offsets in messages count from the start of the whole proof (envelope included).
class Reader {
  private off = 0;
  private readonly dv: DataView;
  constructor(
    private readonly body: Uint8Array,
    private readonly base = DEVNET_PROOF_HEADER_BYTES,
  ) {
    this.dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  }
  get offset(): number {
    return this.base + this.off;
  }
  private need(n: number, field: string): void {
    if (this.off + n > this.body.length)
      throw new RangeError(
        `devnet proof: ${field} at offset ${this.offset} needs ${n} bytes, only ${this.body.length - this.off} left (body too short)`,
      );
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.dv.getUint32(this.off, true);
    this.off += 4;
    return v;
  }
  u64(field: string): bigint {
    this.need(8, field);
    const v = this.dv.getBigUint64(this.off, true);
    this.off += 8;
    return v;
  }
  node(field: string): Uint8Array {
    this.need(NODE, field);
    const b = this.body.slice(this.off, this.off + NODE);
    this.off += NODE;
    return b;
  }
  nodes(count: number, field: string): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) out.push(this.node(field));
    return out;
  }
  path(siblings: readonly number[], field: string): PoseidonPath {
    return siblings.map((s) => this.nodes(s, field));
  }
  count(expected: number, field: string): void {
    const at = this.offset;
    const v = this.u32(field);
    if (v !== expected) throw new RangeError(`devnet proof: ${field} at offset ${at} is ${v}, the proof type requires ${expected}`);
  }
  end(): void {
    if (this.off !== this.body.length)
      throw new RangeError(`devnet proof: ${this.body.length - this.off} trailing bytes after the body's last field at offset ${this.offset}`);
  }
}

/** The body's leading proof type id and the layout it implies; an id not known is an error at its offset. */
function readProofType<L>(r: Reader, field: string, layoutOf: (id: number) => L): { id: number; layout: L } {
  const at = r.offset;
  const v = r.u64(field);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`devnet proof: ${field} at offset ${at} is ${v}, not a known id`);
  const id = Number(v);
  try {
    return { id, layout: layoutOf(id) };
  } catch (e) {
    throw new RangeError(`devnet proof: ${field} at offset ${at}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Kind 1: PoRep

function writeColumn(w: Writer, col: ColumnOpening, layers: number, siblings: readonly number[], field: string): void {
  if (!col || typeof col !== "object") throw new RangeError(`${field} is missing`);
  w.nodes(col.labels, layers, `${field} labels`);
  w.path(col.path, siblings, `${field} tree_c path`);
}

/** The kind-1 devnet proof of vanilla PoRep proofs: the built-in c2 output. Throws if the shape does not fit the type. */
export function encodeDevnetPoRep(vp: VanillaPoRep): Uint8Array {
  const layout = porepLayout(vp.sealProof);
  const w = new Writer();
  w.u64(vp.sealProof, "sealProof");
  w.u64(vp.minerId, "minerId");
  w.u64(vp.sectorNumber, "sectorNumber");
  w.node(vp.ticket, "ticket");
  w.node(vp.seed, "seed");
  w.node(vp.commD, "commD");
  w.node(vp.commR, "commR");
  if (!Array.isArray(vp.partitions) || vp.partitions.length !== layout.partitions)
    throw new RangeError(`seal proof ${vp.sealProof} needs ${layout.partitions} partitions, got ${vp.partitions?.length}`);
  w.u32(layout.partitions, "partition count");
  vp.partitions.forEach((p, k) => {
    const at = `partition ${k}`;
    w.node(p.commC, `${at} commC`);
    w.node(p.commRLast, `${at} commRLast`);
    if (!Array.isArray(p.challenges) || p.challenges.length !== layout.challengesPerPartition)
      throw new RangeError(`${at} needs ${layout.challengesPerPartition} challenges, got ${p.challenges?.length}`);
    w.u32(layout.challengesPerPartition, `${at} challenge count`);
    p.challenges.forEach((c, i) => {
      const ct = `${at} challenge ${i}`;
      if (!Number.isInteger(c.node) || c.node < 0 || c.node >= layout.nodes)
        throw new RangeError(`${ct} node ${c.node} is outside 0..${layout.nodes - 1}`);
      w.u64(c.node, `${ct} node`);
      w.node(c.dataLeaf, `${ct} dataLeaf`);
      w.nodes(c.treeDPath, layout.treeDLevels, `${ct} treeDPath`);
      w.node(c.replicaLeaf, `${ct} replicaLeaf`);
      w.path(c.treeRLastPath, layout.pathSiblings, `${ct} treeRLastPath`);
      if (!Array.isArray(c.columns) || c.columns.length !== COLUMNS_PER_CHALLENGE)
        throw new RangeError(`${ct} needs ${COLUMNS_PER_CHALLENGE} columns, got ${c.columns?.length}`);
      c.columns.forEach((col, j) => writeColumn(w, col, layout.layers, layout.pathSiblings, `${ct} column ${j}`));
    });
  });
  return encodeDevnetEnvelope(DevnetProofKind.PoRep, w.bytes());
}

/** Strict decoder of a kind-1 proof: throws RangeError naming the offset and field of the first problem. */
export function decodeDevnetPoRep(bytes: Uint8Array): VanillaPoRep {
  const { body } = decodeDevnetEnvelope(bytes, DevnetProofKind.PoRep);
  const r = new Reader(body);
  const { id, layout } = readProofType(r, "seal proof id", porepLayout);
  const minerId = r.u64("miner id");
  const sectorNumber = r.u64("sector number");
  const ticket = r.node("ticket");
  const seed = r.node("seed");
  const commD = r.node("comm_d");
  const commR = r.node("comm_r");
  r.count(layout.partitions, "partition count");
  const partitions: PartitionProof[] = [];
  for (let k = 0; k < layout.partitions; k++) {
    const commC = r.node("comm_c");
    const commRLast = r.node("comm_r_last");
    r.count(layout.challengesPerPartition, "challenge count");
    const challenges: ChallengeProof[] = [];
    for (let i = 0; i < layout.challengesPerPartition; i++) {
      const nodeAt = r.offset;
      const node = r.u64("challenge node index");
      if (node >= BigInt(layout.nodes))
        throw new RangeError(`devnet proof: challenge node index at offset ${nodeAt} is ${node}, the sector has ${layout.nodes} nodes`);
      const dataLeaf = r.node("data leaf");
      const treeDPath = r.nodes(layout.treeDLevels, "tree_d path");
      const replicaLeaf = r.node("replica leaf");
      const treeRLastPath = r.path(layout.pathSiblings, "tree_r_last path");
      const columns: ColumnOpening[] = [];
      for (let j = 0; j < COLUMNS_PER_CHALLENGE; j++) {
        const labels = r.nodes(layout.layers, "column label");
        columns.push({ labels, path: r.path(layout.pathSiblings, "tree_c path") });
      }
      challenges.push({ node: Number(node), dataLeaf, treeDPath, replicaLeaf, treeRLastPath, columns });
    }
    partitions.push({ commC, commRLast, challenges });
  }
  r.end();
  return { sealProof: id, minerId, sectorNumber, ticket, seed, commD, commR, partitions };
}

// ---------------------------------------------------------------------------------------------------
// Kinds 2 and 3: PoSt

/** Everything about a PoSt proof's shape that follows from the PoSt proof type alone. */
export interface PoStLayout {
  type: PoStProofType;
  nodes: number;
  shape: TreeShape;
  /** Siblings per tree_r_last level, leaf level first. */
  pathSiblings: readonly number[];
  /** 10 per sector (window) or 66 (winning). */
  challengeCount: number;
  /** Most sectors one proof lists: a window partition's sectors, or the one winning sector. */
  maxSectors: number;
}

const postLayoutCache = new Map<number, PoStLayout>();

export function postLayout(postProof: number): PoStLayout {
  const cached = postLayoutCache.get(postProof);
  if (cached) return cached;
  const type = postProofType(postProof);
  const p = sectorParams(type.sectorSize);
  const winning = type.kind === "winning";
  const layout: PoStLayout = Object.freeze({
    type,
    nodes: p.nodes,
    shape: p.shape,
    pathSiblings: pathSiblings(p.nodes, p.shape),
    challengeCount: winning ? WINNING_POST_CHALLENGE_COUNT : WINDOW_POST_CHALLENGE_COUNT,
    maxSectors: winning ? 1 : p.windowPostPartitionSectors,
  });
  postLayoutCache.set(postProof, layout);
  return layout;
}

function encodePoSt(vp: VanillaPoSt, kind: DevnetProofKind): Uint8Array {
  const layout = postLayout(vp.postProof);
  const want = kind === DevnetProofKind.WindowPoSt ? "window" : "winning";
  if (layout.type.kind !== want)
    throw new RangeError(`PoSt proof ${vp.postProof} is a ${layout.type.kind} type; a kind-${kind} devnet proof needs a ${want} type`);
  if (!Array.isArray(vp.sectors) || vp.sectors.length < 1 || vp.sectors.length > layout.maxSectors)
    throw new RangeError(`a ${want} PoSt proof lists 1..${layout.maxSectors} sectors, got ${vp.sectors?.length}`);
  const w = new Writer();
  w.u64(vp.postProof, "postProof");
  w.u64(vp.minerId, "minerId");
  w.node(vp.randomness, "randomness");
  if (vp.randomness[31]! > 0x3f) throw new RangeError("randomness must have its top two bits cleared (postRandomness)");
  w.u32(vp.sectors.length, "sector count");
  vp.sectors.forEach((s, k) => {
    const at = `sector ${k}`;
    w.u64(s.sectorNumber, `${at} sectorNumber`);
    w.node(s.commC, `${at} commC`);
    w.node(s.commRLast, `${at} commRLast`);
    if (!Array.isArray(s.challenges) || s.challenges.length !== layout.challengeCount)
      throw new RangeError(`${at} needs ${layout.challengeCount} challenges, got ${s.challenges?.length}`);
    w.u32(layout.challengeCount, `${at} challenge count`);
    s.challenges.forEach((c, i) => {
      w.node(c.leaf, `${at} challenge ${i} leaf`);
      w.path(c.path, layout.pathSiblings, `${at} challenge ${i} path`);
    });
  });
  return encodeDevnetEnvelope(kind, w.bytes());
}

function decodePoSt(bytes: Uint8Array, kind: DevnetProofKind): VanillaPoSt {
  const { body } = decodeDevnetEnvelope(bytes, kind);
  const r = new Reader(body);
  const at = r.offset;
  const { id, layout } = readProofType(r, "PoSt proof id", postLayout);
  const want = kind === DevnetProofKind.WindowPoSt ? "window" : "winning";
  if (layout.type.kind !== want)
    throw new RangeError(`devnet proof: PoSt proof id at offset ${at} is ${id}, a ${layout.type.kind} type in a ${want} proof`);
  const minerId = r.u64("miner id");
  const randAt = r.offset;
  const randomness = r.node("randomness");
  if (randomness[31]! > 0x3f) throw new RangeError(`devnet proof: randomness at offset ${randAt} has its top two bits set`);
  const countAt = r.offset;
  const count = r.u32("sector count");
  if (count < 1 || count > layout.maxSectors)
    throw new RangeError(`devnet proof: sector count at offset ${countAt} is ${count}, a ${want} proof lists 1..${layout.maxSectors}`);
  const sectors: SectorPoSt[] = [];
  for (let k = 0; k < count; k++) {
    const sectorNumber = r.u64("sector number");
    const commC = r.node("comm_c");
    const commRLast = r.node("comm_r_last");
    r.count(layout.challengeCount, "challenge count");
    const challenges: PoStChallengeProof[] = [];
    for (let i = 0; i < layout.challengeCount; i++) {
      const leaf = r.node("replica leaf");
      challenges.push({ leaf, path: r.path(layout.pathSiblings, "tree_r_last path") });
    }
    sectors.push({ sectorNumber, commC, commRLast, challenges });
  }
  r.end();
  return { postProof: id, minerId, randomness, sectors };
}

/** Kind 2: one window PoSt partition's proven sectors, ascending, once each. */
export function encodeDevnetWindowPoSt(vp: VanillaPoSt): Uint8Array {
  return encodePoSt(vp, DevnetProofKind.WindowPoSt);
}

/** Kind 3: the one challenged sector of a winning PoSt. */
export function encodeDevnetWinningPoSt(vp: VanillaPoSt): Uint8Array {
  return encodePoSt(vp, DevnetProofKind.WinningPoSt);
}

export function decodeDevnetWindowPoSt(bytes: Uint8Array): VanillaPoSt {
  return decodePoSt(bytes, DevnetProofKind.WindowPoSt);
}

export function decodeDevnetWinningPoSt(bytes: Uint8Array): VanillaPoSt {
  return decodePoSt(bytes, DevnetProofKind.WinningPoSt);
}
