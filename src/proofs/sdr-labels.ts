// SDR labeling, PC1 (spec/filecoin.md §8; rust-fil-proofs storage-proofs-porep/src/stacked/vanilla/
// create_label/single.rs and graph.rs). Label of node v in layer L:
//   trunc(sha256(replica_id ‖ u32be(L) ‖ u64be(v) ‖ 20 zero bytes ‖ P))
// with P empty for v = 0, the 6 base-parent labels ×6 then b0 in layer 1, and the 14 parent labels
// ×2 then q0…q8 in later layers (37 labels: a 1,248-byte message).
import { hash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { ApiVersion } from "../filecoin/proof-types.js";
import { writeBytesAtomically } from "./atomic-file.js";
import { buildParentCache, loadParentCache } from "./parent-cache.js";
import { BASE_DEGREE, EXPANSION_DEGREE, PARENT_COUNT, SdrGraph } from "./sdr-graph.js";

export const LAYER_FILE = (layer: number): string => `sc-02-data-layer-${layer}.dat`;

export const NODE_BYTES = 32;
/** replica_id ‖ u32be(layer) ‖ u64be(node) ‖ 20 zero bytes. */
export const LABEL_PREFIX_BYTES = 64;
/** Parent labels hashed per node (v > 0). */
export const LABEL_PARENT_SLOTS = 37;
export const LABEL_MESSAGE_BYTES = LABEL_PREFIX_BYTES + LABEL_PARENT_SLOTS * NODE_BYTES; // 1,248

function need32(b: Uint8Array, what: string): Uint8Array {
  if (b.length !== NODE_BYTES) throw new RangeError(`${what} must be 32 bytes, got ${b.length}`);
  return b;
}

function checkLayer(layer: number): void {
  if (!Number.isInteger(layer) || layer < 1 || layer > 0xffffffff)
    throw new RangeError(`SDR layer ${String(layer)} must be an integer ≥ 1`);
}

function writePrefix(msg: Uint8Array, replicaId: Uint8Array, layer: number, node: number): void {
  msg.set(need32(replicaId, "replica_id"), 0);
  const dv = new DataView(msg.buffer, msg.byteOffset, LABEL_PREFIX_BYTES);
  dv.setUint32(32, layer, false);
  dv.setUint32(36, Math.floor(node / 0x100000000), false);
  dv.setUint32(40, node >>> 0, false);
  msg.fill(0, 44, LABEL_PREFIX_BYTES);
}

/**
 * One label from its parents' labels, as a verifier recomputes it from opened columns:
 * `baseParentLabels` are the 6 base parents' labels in layer `layer` (graph order), and
 * `expanderParentLabels` the 8 expander parents' labels in layer − 1 (null for layer 1).
 * Node 0 hashes only the 64-byte prefix and ignores the parent labels.
 */
export function computeLabel(
  replicaId: Uint8Array,
  layer: number,
  node: number,
  baseParentLabels: readonly Uint8Array[],
  expanderParentLabels: readonly Uint8Array[] | null,
): Uint8Array {
  checkLayer(layer);
  if (!Number.isSafeInteger(node) || node < 0) throw new RangeError(`node ${String(node)} must be a non-negative integer`);
  const msg = new Uint8Array(node === 0 ? LABEL_PREFIX_BYTES : LABEL_MESSAGE_BYTES);
  writePrefix(msg, replicaId, layer, node);
  if (node > 0) {
    if (baseParentLabels.length !== BASE_DEGREE)
      throw new RangeError(`node ${node}: ${baseParentLabels.length} base parent labels given, ${BASE_DEGREE} needed`);
    let parents: readonly Uint8Array[];
    if (layer === 1) {
      if (expanderParentLabels !== null && expanderParentLabels.length !== 0)
        throw new RangeError(`node ${node}: layer 1 has no expander parents, ${expanderParentLabels.length} labels given`);
      parents = baseParentLabels;
    } else {
      if (expanderParentLabels === null || expanderParentLabels.length !== EXPANSION_DEGREE)
        throw new RangeError(
          `node ${node} of layer ${layer}: ${expanderParentLabels?.length ?? 0} expander parent labels given, ${EXPANSION_DEGREE} needed`,
        );
      parents = [...baseParentLabels, ...expanderParentLabels];
    }
    for (let i = 0; i < LABEL_PARENT_SLOTS; i++)
      msg.set(need32(parents[i % parents.length]!, `parent label ${i % parents.length}`), LABEL_PREFIX_BYTES + i * NODE_BYTES);
  }
  const label = new Uint8Array(hash("sha256", msg, "buffer"));
  label[31]! &= 0x3f;
  return label;
}

/**
 * Labels one layer in place: `cur` (n·32 bytes) receives layer `layer`, `prev` holds layer − 1
 * (null for layer 1), `parents` is the parent cache (14 per node). This is the PC1 hot loop:
 * parent labels are copied as u32 words into one reused message, the repeats are copyWithin, and
 * each node costs one crypto.hash call.
 */
export function labelLayer(
  replicaId: Uint8Array,
  layer: number,
  parents: Uint32Array,
  cur: Uint8Array,
  prev: Uint8Array | null,
): void {
  checkLayer(layer);
  const nodes = cur.length / NODE_BYTES;
  if (!Number.isInteger(nodes) || nodes < 1) throw new RangeError(`layer buffer of ${cur.length} bytes is not a whole number of nodes`);
  if (parents.length < nodes * PARENT_COUNT)
    throw new RangeError(`parent cache has ${parents.length / PARENT_COUNT} records, the layer has ${nodes} nodes`);
  if (layer > 1 && (prev === null || prev.length !== cur.length))
    throw new RangeError(`layer ${layer} needs the previous layer (${cur.length} bytes), got ${prev?.length ?? "none"}`);
  if (cur.byteOffset % 4 !== 0 || (prev !== null && prev.byteOffset % 4 !== 0))
    throw new RangeError("layer buffers must be 4-byte aligned");

  const msgBuf = new ArrayBuffer(LABEL_MESSAGE_BYTES);
  const msg = Buffer.from(msgBuf);
  const msg32 = new Uint32Array(msgBuf);
  const cur32 = new Uint32Array(cur.buffer, cur.byteOffset, cur.length / 4);
  const prev32 = layer > 1 ? new Uint32Array(prev!.buffer, prev!.byteOffset, prev!.length / 4) : cur32;
  writePrefix(msg, replicaId, layer, 0);

  const first = hash("sha256", msg.subarray(0, LABEL_PREFIX_BYTES), "buffer");
  cur.set(first, 0);
  cur[31]! &= 0x3f;

  const P = LABEL_PREFIX_BYTES / 4; // word offset of the first parent slot (16)
  for (let v = 1; v < nodes; v++) {
    // u64be(v): the high word stays 0 (v < 2^32), write the low word big-endian
    msg[40] = v >>> 24;
    msg[41] = (v >>> 16) & 0xff;
    msg[42] = (v >>> 8) & 0xff;
    msg[43] = v & 0xff;
    const p = v * PARENT_COUNT;
    // Each parent label is copied as 8 u32 words written out (no subarray or inner loop: this is PC1's
    // innermost step). Base parents come from the layer being labeled (nodes before v), in every layer.
    for (let j = 0; j < BASE_DEGREE; j++) {
      const s = parents[p + j]! * 8;
      const d = P + j * 8;
      msg32[d] = cur32[s]!; msg32[d + 1] = cur32[s + 1]!; msg32[d + 2] = cur32[s + 2]!; msg32[d + 3] = cur32[s + 3]!;
      msg32[d + 4] = cur32[s + 4]!; msg32[d + 5] = cur32[s + 5]!; msg32[d + 6] = cur32[s + 6]!; msg32[d + 7] = cur32[s + 7]!;
    }
    if (layer === 1) {
      // b0…b5 six times, then b0: 48-word blocks at 16, 64, 112, 160, 208, 256, then 8 words at 304
      msg32.copyWithin(P + 48, P, P + 48);
      msg32.copyWithin(P + 96, P, P + 96);
      msg32.copyWithin(P + 192, P, P + 96);
      msg32.copyWithin(P + 288, P, P + 8);
    } else {
      // expander parents come from the previous layer
      for (let j = BASE_DEGREE; j < PARENT_COUNT; j++) {
        const s = parents[p + j]! * 8;
        const d = P + j * 8;
        msg32[d] = prev32[s]!; msg32[d + 1] = prev32[s + 1]!; msg32[d + 2] = prev32[s + 2]!; msg32[d + 3] = prev32[s + 3]!;
        msg32[d + 4] = prev32[s + 4]!; msg32[d + 5] = prev32[s + 5]!; msg32[d + 6] = prev32[s + 6]!; msg32[d + 7] = prev32[s + 7]!;
      }
      // q0…q13 twice, then q0…q8: 112 words at 16 and 128, 72 words at 240
      msg32.copyWithin(P + 112, P, P + 112);
      msg32.copyWithin(P + 224, P, P + 72);
    }
    const h = hash("sha256", msg, "buffer");
    const o = v * NODE_BYTES;
    cur.set(h, o);
    cur[o + 31]! &= 0x3f;
  }
}

export interface LabelParams {
  replicaId: Uint8Array;
  porepId: Uint8Array;
  nodes: number;
  layers: number;
  apiVersion: ApiVersion;
  /** The graph's parent cache (14 u32 per node); built from porepId when absent. */
  parents?: Uint32Array;
}

export interface GenerateLabelsParams extends LabelParams {
  /** The sector's cache directory: receives sc-02-data-layer-1..layers.dat. */
  cacheDir: string;
  /** When `parents` is absent, load (or create) the parent-cache file in this directory instead of building in memory. */
  parentCacheDir?: string;
  /** Called after each layer file is durable. */
  onLayer?: (layer: number) => void;
  /** Checked between layers. */
  signal?: AbortSignal;
}

function checkParams(p: LabelParams): void {
  need32(p.replicaId, "replica_id");
  if (!Number.isInteger(p.layers) || p.layers < 1) throw new RangeError(`layers ${String(p.layers)} must be an integer ≥ 1`);
  if (p.parents !== undefined && p.parents.length !== p.nodes * PARENT_COUNT)
    throw new RangeError(`parent cache has ${p.parents.length} entries, ${p.nodes * PARENT_COUNT} expected for ${p.nodes} nodes`);
}

/** All layers in memory (tests, small sectors): element L−1 is layer L. */
export function generateLabelsInMemory(p: LabelParams): Uint8Array[] {
  checkParams(p);
  const parents = p.parents ?? buildParentCache(new SdrGraph(p.porepId, p.nodes, p.apiVersion));
  const out: Uint8Array[] = [];
  for (let layer = 1; layer <= p.layers; layer++) {
    const cur = new Uint8Array(p.nodes * NODE_BYTES);
    labelLayer(p.replicaId, layer, parents, cur, out[layer - 2] ?? null);
    out.push(cur);
  }
  return out;
}

/**
 * PC1: labels every layer and writes each as cacheDir/sc-02-data-layer-<L>.dat (atomically, see
 * atomic-file.ts), keeping only two layers in memory.
 */
export async function generateLabels(p: GenerateLabelsParams): Promise<void> {
  checkParams(p);
  const parents =
    p.parents ??
    (p.parentCacheDir !== undefined
      ? await loadParentCache(p.parentCacheDir, p.porepId, p.nodes, p.apiVersion)
      : buildParentCache(new SdrGraph(p.porepId, p.nodes, p.apiVersion)));
  await mkdir(p.cacheDir, { recursive: true });
  let prev: Uint8Array | null = null;
  let spare: Uint8Array | null = null;
  for (let layer = 1; layer <= p.layers; layer++) {
    p.signal?.throwIfAborted();
    const cur: Uint8Array = spare ?? new Uint8Array(p.nodes * NODE_BYTES);
    labelLayer(p.replicaId, layer, parents, cur, prev);
    await writeBytesAtomically(join(p.cacheDir, LAYER_FILE(layer)), cur);
    p.onLayer?.(layer);
    spare = prev;
    prev = cur;
  }
}
