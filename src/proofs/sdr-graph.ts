// The SDR parent graph (spec/filecoin.md §7): 6 base parents by bucket sampling in the same layer,
// 8 expander parents by a Feistel permutation in the previous layer. Sources: rust-fil-proofs
// storage-proofs-core/src/drgraph.rs and storage-proofs-porep/src/stacked/vanilla/graph.rs.
import { createHash } from "node:crypto";
import type { ApiVersion } from "../filecoin/proof-types.js";
import { chachaBlock, chachaKey } from "./chacha8.js";
import { FeistelPermutation } from "./feistel.js";

export type { ApiVersion };

export const BASE_DEGREE = 6;
export const EXPANSION_DEGREE = 8;
export const PARENT_COUNT = BASE_DEGREE + EXPANSION_DEGREE;

const DRSAMPLE_DST = "Filecoin_DRSample";
const FEISTEL_DST = "Filecoin_Feistel";
/** m' = BASE_DEGREE − 1 sampled parents per node; the sixth is always v − 1. */
const M_PRIME = BASE_DEGREE - 1;
const TWO32 = 0x100000000;

function domainSeed(dst: string, porepId: Uint8Array): Uint8Array {
  checkPorepId(porepId);
  return new Uint8Array(createHash("sha256").update(dst).update(porepId).digest());
}

function checkPorepId(porepId: Uint8Array): void {
  if (porepId.length !== 32) throw new RangeError(`porep_id must be 32 bytes, got ${porepId.length}`);
}

/** drg_seed = sha256("Filecoin_DRSample" ‖ porep_id)[0..28]. */
export function drgSeed(porepId: Uint8Array): Uint8Array {
  return domainSeed(DRSAMPLE_DST, porepId).subarray(0, 28);
}

/** sha256("Filecoin_Feistel" ‖ porep_id). */
export function feistelSeed(porepId: Uint8Array): Uint8Array {
  return domainSeed(FEISTEL_DST, porepId);
}

/** The four u64le words of the Feistel seed (the permutation uses the first three). */
export function feistelKeys(porepId: Uint8Array): bigint[] {
  const s = feistelSeed(porepId);
  const dv = new DataView(s.buffer, s.byteOffset, 32);
  return [0, 8, 16, 24].map((o) => dv.getBigUint64(o, true));
}

/** (hi·2^32 + lo) mod m, exact for m < 2^37 without BigInt. */
function mod64(hi: number, lo: number, m: number): number {
  let r = hi % m;
  if (m <= 0x200000) return (r * TWO32 + lo) % m; // r·2^32 < 2^53
  r = (r * 0x10000) % m;
  r = (r * 0x10000) % m;
  return (r + lo) % m;
}

/** Bit length of a positive integer below 2^53 (= ceil(log2 x) when x is not a power of two). */
function bitLength(x: number): number {
  return x < TWO32 ? 32 - Math.clz32(x) : 64 - Math.clz32(Math.floor(x / TWO32));
}

export function isApiVersion(v: string): v is ApiVersion {
  return v === "1.0.0" || v === "1.1.0" || v === "1.2.0";
}

export class SdrGraph {
  readonly porepId: Uint8Array;
  readonly nodes: number;
  readonly apiVersion: ApiVersion;
  /** ApiVersion 1.0.0: sampled parents in base slots 0–4 and v − 1 in slot 5, and the u32 wrap of expander indexes. */
  readonly legacy: boolean;
  private readonly key: Uint32Array; // drg_seed ‖ u32le(v): word 7 is rewritten per node
  private readonly stream = new Uint32Array(32); // two ChaCha8 blocks; a node uses 20 words
  private readonly feistel: FeistelPermutation;

  constructor(porepId: Uint8Array, nodes: number, apiVersion: ApiVersion) {
    checkPorepId(porepId);
    if (!Number.isSafeInteger(nodes) || nodes < 2 || nodes > 0xffffffff)
      throw new RangeError(`SDR graph node count ${String(nodes)} must be an integer in 2..2^32-1`);
    if (!isApiVersion(apiVersion)) throw new RangeError(`unknown ApiVersion "${String(apiVersion)}"; accepted: 1.0.0, 1.1.0, 1.2.0`);
    this.porepId = Uint8Array.from(porepId);
    this.nodes = nodes;
    this.apiVersion = apiVersion;
    this.legacy = apiVersion === "1.0.0";
    const seed = new Uint8Array(32);
    seed.set(drgSeed(porepId));
    this.key = chachaKey(seed);
    this.feistel = new FeistelPermutation(EXPANSION_DEGREE * nodes, feistelKeys(porepId));
  }

  private checkNode(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= this.nodes)
      throw new RangeError(`node ${String(v)} is outside the graph's 0..${this.nodes - 1}`);
  }

  /** The 6 base parents of `v` into out[offset..offset+6] (§7.1, placement §7.3). */
  baseParents(v: number, out: Uint32Array = new Uint32Array(BASE_DEGREE), offset = 0): Uint32Array {
    this.checkNode(v);
    this.fillBase(v, out, offset);
    return out;
  }

  /** The 8 expander parents of `v` (indexes into the previous layer) into out[offset..offset+8]. */
  expanderParents(v: number, out: Uint32Array = new Uint32Array(EXPANSION_DEGREE), offset = 0): Uint32Array {
    this.checkNode(v);
    this.fillExpander(v, out, offset);
    return out;
  }

  /** All 14 parents of `v`: 6 base, then 8 expander (§7.3 order), into out[offset..offset+14]. */
  parents(v: number, out: Uint32Array = new Uint32Array(PARENT_COUNT), offset = 0): Uint32Array {
    this.checkNode(v);
    this.fillBase(v, out, offset);
    this.fillExpander(v, out, offset + BASE_DEGREE);
    return out;
  }

  /** Parents of nodes [from, to) into out, 14 per node starting at out[0] (no per-node checks). */
  fillParents(from: number, to: number, out: Uint32Array): void {
    if (from < 0 || to > this.nodes || from > to || out.length < (to - from) * PARENT_COUNT)
      throw new RangeError(`fillParents(${from}, ${to}) needs 0 ≤ from ≤ to ≤ ${this.nodes} and ${(to - from) * PARENT_COUNT} slots`);
    for (let v = from, o = 0; v < to; v++, o += PARENT_COUNT) {
      this.fillBase(v, out, o);
      this.fillExpander(v, out, o + BASE_DEGREE);
    }
  }

  private fillBase(v: number, out: Uint32Array, o: number): void {
    if (v < 2) {
      out.fill(0, o, o + BASE_DEGREE);
      return;
    }
    const key = this.key;
    const s = this.stream;
    key[7] = v; // seed bytes 28..31 = u32le(v)
    chachaBlock(key, 0, 0, s, 0);
    chachaBlock(key, 1, 0, s, 16);
    const meta = v * M_PRIME;
    const buckets = bitLength(meta);
    const first = this.legacy ? o : o + 1;
    for (let i = 0, w = 0; i < M_PRIME; i++, w += 4) {
      // each u64 is (lo word, hi word) of the keystream
      const bucket = mod64(s[w + 1]!, s[w]!, buckets) + 1;
      const hi = Math.min(meta, 2 ** bucket);
      const lo = Math.max(2, Math.floor(hi / 2));
      const dist = lo + mod64(s[w + 3]!, s[w + 2]!, hi - lo + 1);
      const parent = Math.floor((meta - dist) / M_PRIME);
      out[first + i] = parent === v ? v - 1 : parent;
    }
    out[this.legacy ? o + M_PRIME : o] = v - 1;
  }

  private fillExpander(v: number, out: Uint32Array, o: number): void {
    const base = v * EXPANSION_DEGREE;
    for (let i = 0; i < EXPANSION_DEGREE; i++) {
      const t = this.feistel.permute(base + i);
      // 1.0.0 casts the permuted index to u32 before dividing (graph.rs `correspondent`); that only
      // changes anything once 8n exceeds 2^32 (32GiB and up).
      out[o + i] = this.legacy ? (t % TWO32) >>> 3 : Math.floor(t / EXPANSION_DEGREE);
    }
  }
}
