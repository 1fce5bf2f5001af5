// PoRep challenge derivation: interactive (V1, V1_1), synthetic (SyntheticPoRep) and non-interactive (NiPoRep).
// spec/filecoin.md §11; algorithm from rust-fil-proofs storage-proofs-porep/src/stacked/vanilla/challenges.rs.
// Every challenge is a node index in [1, n-1]: node 0 is never challenged.
import { createHash } from "node:crypto";
import { blake2b } from "@noble/hashes/blake2.js";
import { chacha20 } from "@noble/ciphers/chacha.js";
import { sealProofType } from "../filecoin/proof-types.js";

/** Real sectors draw min(n, 2^18) synthetic challenges. */
export const SYNTHETIC_CHALLENGE_COUNT_MAX = 2 ** 18;

const NI_TAG = new TextEncoder().encode("filecoin.io|PoRep|1|NonInteractive|1");
const SYNTH_GENERATION_KEY = new TextEncoder().encode("filecoin.io|PoRep|1|Synthetic|1|Generation");
const SYNTH_SELECTION_KEY = new TextEncoder().encode("filecoin.io|PoRep|1|Synthetic|1|Selection");
const SYNTH_NONCE = new TextEncoder().encode("synth-porep\0"); // 12 bytes: ChaCha20 IETF nonce
const CHACHA_BLOCK = 64;
// Keystream generated per call when streaming all synthetic challenges: 1024 blocks, 2048 challenges.
const STREAM_CHUNK = 64 * 1024;

/**
 * The little-endian integer of `bytes[offset, offset+len)` modulo `m` (1 ≤ m ≤ 2^32), without BigInt:
 * Horner over 16-bit digits keeps every intermediate below 2^48, exact in a double.
 */
export function leBytesMod(bytes: Uint8Array, m: number, offset = 0, len = bytes.length - offset): number {
  let r = 0;
  let i = offset + len;
  if (len & 1) r = bytes[--i]! % m;
  while (i > offset) {
    i -= 2;
    r = (r * 65536 + (bytes[i]! | (bytes[i + 1]! << 8))) % m;
  }
  return r;
}

function checkNodes(nodes: number): void {
  if (!Number.isInteger(nodes) || nodes < 3 || nodes > 2 ** 32)
    throw new RangeError(`nodes must be an integer in [3, 2^32], got ${nodes}`);
}

function checkBytes32(b: Uint8Array | undefined, field: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32)
    throw new RangeError(`${field} must be 32 bytes, got ${b instanceof Uint8Array ? b.length + " bytes" : String(b)}`);
  return b;
}

function checkPartition(partition: number, challengesPerPartition: number): void {
  if (!Number.isInteger(partition) || partition < 0)
    throw new RangeError(`partition must be a non-negative integer, got ${partition}`);
  if (!Number.isInteger(challengesPerPartition) || challengesPerPartition < 1)
    throw new RangeError(`challengesPerPartition must be a positive integer, got ${challengesPerPartition}`);
  if ((partition + 1) * challengesPerPartition > 2 ** 32)
    throw new RangeError(`challenge index ${(partition + 1) * challengesPerPartition - 1} does not fit in u32`);
}

/** (d as a little-endian integer) mod (n − 1) + 1. */
export function challengeFromDigest(d: Uint8Array, nodes: number): number {
  checkNodes(nodes);
  return leBytesMod(d, nodes - 1) + 1;
}

function u32le(j: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, j, true);
  return b;
}

/** What every per-partition draw of challenges takes, besides its randomness. */
export interface PartitionParams {
  nodes: number;
  replicaId: Uint8Array;
  partition: number;
  challengesPerPartition: number;
}

/** Challenge i of partition k: sha256(prefix ‖ u32le(k·cpp + i)) as a node in [1, n−1] (interactive and NI alike). */
function hashedChallenges(p: PartitionParams, prefix: readonly Uint8Array[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.challengesPerPartition; i++) {
    const h = createHash("sha256");
    for (const part of prefix) h.update(part);
    const d = h.update(u32le(p.partition * p.challengesPerPartition + i)).digest();
    out.push(leBytesMod(d, p.nodes - 1) + 1);
  }
  return out;
}

/** Interactive (V1, V1_1): d = sha256(replica_id ‖ seed ‖ u32le(k·cpp + i)); the seed is used as raw bytes. */
export function interactiveChallenges(p: PartitionParams & { seed: Uint8Array }): number[] {
  checkNodes(p.nodes);
  checkBytes32(p.replicaId, "replicaId");
  checkBytes32(p.seed, "seed");
  checkPartition(p.partition, p.challengesPerPartition);
  return hashedChallenges(p, [p.replicaId, p.seed]);
}

/** Non-interactive (NiPoRep): d = sha256(tag ‖ replica_id ‖ comm_r ‖ u32le(k·cpp + i)); no seed. */
export function nonInteractiveChallenges(p: PartitionParams & { commR: Uint8Array }): number[] {
  checkNodes(p.nodes);
  checkBytes32(p.replicaId, "replicaId");
  checkBytes32(p.commR, "commR");
  checkPartition(p.partition, p.challengesPerPartition);
  return hashedChallenges(p, [NI_TAG, p.replicaId, p.commR]);
}

/** min(n, 2^18): how many synthetic challenges a sector of n nodes draws. */
export function syntheticChallengeCount(nodes: number): number {
  checkNodes(nodes);
  return Math.min(nodes, SYNTHETIC_CHALLENGE_COUNT_MAX);
}

// blake2b-256 keyed with the domain string over replica_id ‖ second; the ChaCha20 key.
function synthKey(domainKey: Uint8Array, replicaId: Uint8Array, second: Uint8Array): Uint8Array {
  const msg = new Uint8Array(64);
  msg.set(replicaId, 0);
  msg.set(second, 32);
  return blake2b(msg, { dkLen: 32, key: domainKey });
}

// ChaCha20 IETF keystream blocks [firstBlock, firstBlock + blocks).
function keystream(key: Uint8Array, firstBlock: number, blocks: number): Uint8Array {
  return chacha20(key, SYNTH_NONCE, new Uint8Array(blocks * CHACHA_BLOCK), undefined, firstBlock);
}

export interface SyntheticParams {
  nodes: number;
  replicaId: Uint8Array;
  commR: Uint8Array;
}

function generationKey(p: SyntheticParams): Uint8Array {
  checkNodes(p.nodes);
  return synthKey(SYNTH_GENERATION_KEY, checkBytes32(p.replicaId, "replicaId"), checkBytes32(p.commR, "commR"));
}

// The mapping shared by syntheticChallenge and syntheticPorepChallenges (which derives the key once).
function syntheticFromKey(key: Uint8Array, nodes: number, index: number): number {
  const block = keystream(key, Math.floor(index / 2), 1);
  return leBytesMod(block, nodes - 1, (index & 1) * 32, 32) + 1;
}

/** Synthetic challenge `index`: keystream bytes [32·index, 32·index + 32) of the generation key, mapped to a node. */
export function syntheticChallenge(p: SyntheticParams, index: number): number {
  const key = generationKey(p);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 33)
    throw new RangeError(`synthetic challenge index must be an integer in [0, 2^33), got ${index}`);
  return syntheticFromKey(key, p.nodes, index);
}

/** Synthetic challenges 0 … count−1 (default min(n, 2^18)), streamed from the keystream in 64 KiB chunks. */
export function allSyntheticChallenges(p: SyntheticParams, count = syntheticChallengeCount(p.nodes)): number[] {
  const key = generationKey(p);
  if (!Number.isInteger(count) || count < 0 || count > 2 ** 33)
    throw new RangeError(`synthetic challenge count must be an integer in [0, 2^33], got ${count}`);
  const m = p.nodes - 1;
  const out = new Array<number>(count);
  const perChunk = STREAM_CHUNK / 32;
  for (let start = 0; start < count; start += perChunk) {
    const n = Math.min(perChunk, count - start);
    const ks = keystream(key, start / 2, Math.ceil(n / 2));
    for (let i = 0; i < n; i++) out[start + i] = leBytesMod(ks, m, i * 32, 32) + 1;
  }
  return out;
}

export interface SyntheticSelectionParams extends PartitionParams {
  seed: Uint8Array;
  /** How many synthetic challenges exist (the modulus of the selection); normally syntheticChallengeCount(nodes). */
  count: number;
}

/**
 * Indexes into the synthetic list for partition k: cpp u32le values from the selection keystream,
 * starting at byte 4·k·cpp, each mod count.
 */
export function syntheticSelection(p: SyntheticSelectionParams): number[] {
  checkNodes(p.nodes);
  checkPartition(p.partition, p.challengesPerPartition);
  if (!Number.isInteger(p.count) || p.count < 1 || p.count > 2 ** 32)
    throw new RangeError(`count must be an integer in [1, 2^32], got ${p.count}`);
  const key = synthKey(SYNTH_SELECTION_KEY, checkBytes32(p.replicaId, "replicaId"), checkBytes32(p.seed, "seed"));
  const first = p.partition * p.challengesPerPartition; // first u32 of the partition
  const perBlock = CHACHA_BLOCK / 4;
  const firstBlock = Math.floor(first / perBlock);
  const lastBlock = Math.floor((first + p.challengesPerPartition - 1) / perBlock);
  const ks = keystream(key, firstBlock, lastBlock - firstBlock + 1);
  const view = new DataView(ks.buffer, ks.byteOffset, ks.byteLength);
  const skip = first - firstBlock * perBlock;
  const out: number[] = [];
  for (let i = 0; i < p.challengesPerPartition; i++) out.push(view.getUint32((skip + i) * 4, true) % p.count);
  return out;
}

/** The porep challenges of partition k for a synthetic-PoRep sector: the selected synthetic challenges. */
export function syntheticPorepChallenges(
  p: Omit<SyntheticSelectionParams, "count"> & { commR: Uint8Array; count?: number },
): number[] {
  const count = p.count ?? syntheticChallengeCount(p.nodes);
  const key = generationKey(p);
  return syntheticSelection({ ...p, count }).map((index) => syntheticFromKey(key, p.nodes, index));
}

/** The porep challenges of partition k, by the kind of the registered seal proof (spec/filecoin.md §2, §11). */
export function porepChallenges(
  p: PartitionParams & { sealProof: number; seed?: Uint8Array; commR?: Uint8Array },
): number[] {
  const { kind } = sealProofType(p.sealProof);
  const need = (field: "seed" | "commR", v: Uint8Array | undefined): Uint8Array => {
    if (v === undefined) throw new Error(`porep challenges of seal proof ${p.sealProof} (${kind}) need ${field}`);
    return v;
  };
  switch (kind) {
    case "v1":
    case "v1_1":
      return interactiveChallenges({ ...p, seed: need("seed", p.seed) });
    case "synthetic":
      return syntheticPorepChallenges({ ...p, commR: need("commR", p.commR), seed: need("seed", p.seed) });
    case "ni":
      return nonInteractiveChallenges({ ...p, commR: need("commR", p.commR) });
  }
}
