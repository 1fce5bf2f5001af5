// The shape of a PoRep proof as it follows from the seal proof type alone (spec/filecoin.md §7, §12):
// counts and path lengths shared by the prover (porep-proof.ts), the verifier (porep-verify.ts) and the
// devnet proof codec (devnet-proof.ts). Kept apart so the codec does not load the generation stack.
import { sealProofType, type SealProofType } from "../filecoin/proof-types.js";
import { sectorParams, type TreeShape } from "../filecoin/sizes.js";
import { pathArities } from "./poseidon-tree.js";

/** NI PoRep has no seed; builtin-actors passes 32 bytes of value 1 as the interactive randomness (devnet.md §8.2). */
export const NI_SEED: Uint8Array = new Uint8Array(32).fill(1);

/** Base parents, then expander parents: 6 + 8 (filecoin.md §7). */
export const BASE_PARENTS = 6;
export const EXPANDER_PARENTS = 8;
export const COLUMNS_PER_CHALLENGE = 1 + BASE_PARENTS + EXPANDER_PARENTS;

/** Everything about a PoRep proof's shape that follows from the seal proof type alone. */
export interface PoRepLayout {
  type: SealProofType;
  nodes: number;
  layers: number;
  shape: TreeShape;
  /** tree_d levels: log2(nodes), one sibling each. */
  treeDLevels: number;
  /** Siblings per tree_c / tree_r_last level, leaf level first (arity − 1). */
  pathSiblings: readonly number[];
  partitions: number;
  challengesPerPartition: number;
}

/** Siblings per level of a tree_c / tree_r_last path, leaf level first (each level's arity − 1). */
export function pathSiblings(nodes: number, shape: TreeShape): readonly number[] {
  return Object.freeze(pathArities(nodes, shape).map((a) => a - 1));
}

const layoutCache = new Map<number, PoRepLayout>();

/** The shape of a seal proof type's vanilla proofs; throws RangeError for an unknown id. */
export function porepLayout(sealProof: number): PoRepLayout {
  const cached = layoutCache.get(sealProof);
  if (cached) return cached;
  const type = sealProofType(sealProof);
  const p = sectorParams(type.sectorSize);
  const ni = type.kind === "ni";
  const layout: PoRepLayout = Object.freeze({
    type,
    nodes: p.nodes,
    layers: p.layers,
    shape: p.shape,
    treeDLevels: Math.log2(p.nodes),
    pathSiblings: pathSiblings(p.nodes, p.shape),
    partitions: ni ? p.niPartitions : p.porepPartitions,
    challengesPerPartition: ni ? p.niChallengesPerPartition : p.porepChallengesPerPartition,
  });
  layoutCache.set(sealProof, layout);
  return layout;
}
