// The full verifier of vanilla PoRep proofs (spec/filecoin.md §12, checks 1–7) and of kind-1 devnet
// proofs (spec/devnet.md §8.4): one verifier for the devnet chain, the manager and the workers. It never
// throws on bad input: every failure comes back as { ok: false, reason } naming the check that failed.
import { porepId, proverId, replicaId } from "../filecoin/ids.js";
import { porepChallenges } from "./challenges.js";
import { decodeDevnetPoRep } from "./devnet-proof.js";
import { FR_MODULUS, frFromLE, frToLE, isCanonicalFr } from "./fr.js";
import {
  BASE_PARENTS,
  COLUMNS_PER_CHALLENGE,
  columnNodes,
  graphFor,
  NI_SEED,
  porepLayout,
  type ChallengeProof,
  type PoRepLayout,
  type PoseidonPath,
  type VanillaPoRep,
} from "./porep-proof.js";
import { poseidonHash } from "./poseidon.js";
import { rootFromPath } from "./poseidon-tree.js";
import { computeLabel } from "./sdr-labels.js";
import { verifyTreeDPath } from "./tree-d.js";

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** What the chain (or the caller) knows about the sector, independent of the proof bytes. */
export interface ExpectedPoRep {
  sealProof: number;
  minerId: number | bigint;
  /** NI PoRep: the sealing number. */
  sectorNumber: number | bigint;
  ticket: Uint8Array;
  /** The interactive seed; NI types: NI_SEED. */
  seed: Uint8Array;
  /** The raw tree_d root (NI and CC sectors: zeroCommitment(S)). */
  commD: Uint8Array;
  commR: Uint8Array;
}

/** A failed check; its message is the reason returned to the caller. */
class CheckFailed extends Error {}

/** Ends a verification inside runChecks with `reason`. */
export function fail(reason: string): never {
  throw new CheckFailed(reason);
}

const OK: VerifyResult = Object.freeze({ ok: true });

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs `body`, turning a CheckFailed into its reason and any other throw into a reason naming `what`. */
export function runChecks(what: string, body: () => void): VerifyResult {
  try {
    body();
    return OK;
  } catch (e) {
    if (e instanceof CheckFailed) return { ok: false, reason: e.message };
    return { ok: false, reason: `${what}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Checks the header fields against what the chain says; seal proof first, since it fixes the layout. */
function checkHeader(vp: VanillaPoRep, expected: ExpectedPoRep): void {
  const num = (v: number | bigint): bigint => BigInt(v);
  if (vp.sealProof !== expected.sealProof) fail(`seal proof ${vp.sealProof} differs from the expected ${expected.sealProof}`);
  if (num(vp.minerId) !== num(expected.minerId)) fail(`miner ${vp.minerId} differs from the expected ${expected.minerId}`);
  if (num(vp.sectorNumber) !== num(expected.sectorNumber))
    fail(`sector number ${vp.sectorNumber} differs from the expected ${expected.sectorNumber}`);
  const fields = ["ticket", "seed", "commD", "commR"] as const;
  for (const f of fields) if (!sameBytes(vp[f], expected[f])) fail(`${f} differs from the expected value`);
}

const is32 = (b: unknown): b is Uint8Array => b instanceof Uint8Array && b.length === 32;

function checkPathShape(path: PoseidonPath, siblings: readonly number[], field: string): void {
  if (!Array.isArray(path) || path.length !== siblings.length) fail(`structure: ${field} must have ${siblings.length} levels`);
  siblings.forEach((s, level) => {
    const row = path[level];
    if (!Array.isArray(row) || row.length !== s || !row.every(is32)) fail(`structure: ${field} level ${level} must be ${s} nodes`);
  });
}

/** Counts and node sizes, for proofs that did not come through the strict decoder. */
function checkShape(vp: VanillaPoRep, layout: PoRepLayout): void {
  for (const f of ["ticket", "seed", "commD", "commR"] as const) if (!is32(vp[f])) fail(`structure: ${f} must be 32 bytes`);
  if (!Array.isArray(vp.partitions) || vp.partitions.length !== layout.partitions)
    fail(`structure: seal proof ${vp.sealProof} needs ${layout.partitions} partitions`);
  vp.partitions.forEach((p, k) => {
    if (!is32(p.commC) || !is32(p.commRLast)) fail(`structure: partition ${k} roots must be 32 bytes`);
    if (!Array.isArray(p.challenges) || p.challenges.length !== layout.challengesPerPartition)
      fail(`check 2: partition ${k} has ${p.challenges?.length} challenge proofs, the type requires ${layout.challengesPerPartition}`);
    p.challenges.forEach((c, i) => {
      const at = `partition ${k} challenge ${i}`;
      if (!is32(c.dataLeaf) || !is32(c.replicaLeaf)) fail(`structure: ${at} leaves must be 32 bytes`);
      if (!Array.isArray(c.treeDPath) || c.treeDPath.length !== layout.treeDLevels || !c.treeDPath.every(is32))
        fail(`structure: ${at} tree_d path must be ${layout.treeDLevels} nodes`);
      checkPathShape(c.treeRLastPath, layout.pathSiblings, `${at} tree_r_last path`);
      if (!Array.isArray(c.columns) || c.columns.length !== COLUMNS_PER_CHALLENGE)
        fail(`structure: ${at} must open ${COLUMNS_PER_CHALLENGE} columns`);
      c.columns.forEach((col, j) => {
        if (!Array.isArray(col.labels) || col.labels.length !== layout.layers || !col.labels.every(is32))
          fail(`structure: ${at} column ${j} must hold ${layout.layers} labels`);
        checkPathShape(col.path, layout.pathSiblings, `${at} column ${j} tree_c path`);
      });
    });
  });
}

function checkCanonical(b: Uint8Array, what: string): void {
  if (!isCanonicalFr(b)) fail(`${what} is not a canonical field element`);
}

function checkPathCanonical(path: PoseidonPath, what: string): void {
  for (const level of path) for (const n of level) if (!isCanonicalFr(n)) fail(`${what} has a sibling that is not a canonical field element`);
}

/** Checks 3–7 for one challenge; `at` names it in reasons. */
function checkChallenge(
  c: ChallengeProof,
  vp: VanillaPoRep,
  layout: PoRepLayout,
  rid: Uint8Array,
  commC: Uint8Array,
  commRLast: Uint8Array,
  at: string,
): void {
  const { nodes, layers, shape } = layout;
  const node = c.node;

  // 3. tree_d path proves the data leaf at `node` under comm_d.
  if (!verifyTreeDPath(c.dataLeaf, c.treeDPath, node, vp.commD)) fail(`${at}: check 3: tree_d path does not prove the data leaf under comm_d`);

  // 7. Encoding: replica = data + key (the last layer's label) mod p.
  const own = c.columns[0]!;
  const key = own.labels[layers - 1]!;
  checkCanonical(c.dataLeaf, `${at}: check 7: data leaf`);
  checkCanonical(key, `${at}: check 7: last-layer label`);
  const encoded = frToLE((frFromLE(c.dataLeaf) + frFromLE(key)) % FR_MODULUS);
  if (!sameBytes(encoded, c.replicaLeaf)) fail(`${at}: check 7: replica leaf is not data leaf + key mod p`);

  // 6. Every layer's label of `node`, recomputed from the opened parents' labels.
  const base: Uint8Array[] = new Array<Uint8Array>(BASE_PARENTS);
  const expander: Uint8Array[] = new Array<Uint8Array>(COLUMNS_PER_CHALLENGE - 1 - BASE_PARENTS);
  for (let layer = 1; layer <= layers; layer++) {
    for (let j = 0; j < BASE_PARENTS; j++) base[j] = c.columns[1 + j]!.labels[layer - 1]!;
    if (layer > 1) for (let j = 0; j < expander.length; j++) expander[j] = c.columns[1 + BASE_PARENTS + j]!.labels[layer - 2]!;
    const label = computeLabel(rid, layer, node, base, layer > 1 ? expander : null);
    if (!sameBytes(label, own.labels[layer - 1]!)) fail(`${at}: check 6: label of layer ${layer} does not follow from its parents`);
  }

  // 5. tree_r_last path proves the replica leaf at `node` under comm_r_last.
  checkCanonical(c.replicaLeaf, `${at}: check 5: replica leaf`);
  checkPathCanonical(c.treeRLastPath, `${at}: check 5: tree_r_last path`);
  const rRoot = rootFromPath(c.replicaLeaf, c.treeRLastPath, node, nodes, shape);
  if (!rRoot || !sameBytes(rRoot, commRLast)) fail(`${at}: check 5: tree_r_last path does not reach comm_r_last`);

  // 4. Every column (node, 6 base, 8 expander parents from the graph) hashes to its leaf and proves it under comm_c.
  const colNodes = columnNodes(graphFor(vp.sealProof), node);
  for (let j = 0; j < COLUMNS_PER_CHALLENGE; j++) {
    const col = c.columns[j]!;
    const what = `${at}: check 4: column ${j} (node ${colNodes[j]})`;
    for (const l of col.labels) checkCanonical(l, `${what} label`);
    checkPathCanonical(col.path, `${what} tree_c path`);
    const root = rootFromPath(poseidonHash(col.labels), col.path, colNodes[j]!, nodes, shape);
    if (!root || !sameBytes(root, commC)) fail(`${what}: tree_c path of the column hash does not reach comm_c`);
  }
}

function verifyOrThrow(vp: VanillaPoRep, expected: ExpectedPoRep | undefined): void {
  if (!vp || typeof vp !== "object") fail("structure: no proof");
  if (expected) checkHeader(vp, expected);
  let layout: PoRepLayout;
  try {
    layout = porepLayout(vp.sealProof);
  } catch (e) {
    fail(`header: ${(e as Error).message}`);
  }
  checkShape(vp, layout);
  const ni = layout.type.kind === "ni";
  if (ni && !sameBytes(vp.seed, NI_SEED)) fail("header: a non-interactive proof's seed must be 32 bytes of 1");

  const rid = replicaId({
    proverId: proverId(vp.minerId),
    sectorNumber: vp.sectorNumber,
    ticket: vp.ticket,
    commD: vp.commD,
    porepId: porepId(vp.sealProof),
  });

  vp.partitions.forEach((p, k) => {
    // 1. comm_r binds this partition's comm_c and comm_r_last.
    checkCanonical(p.commC, `partition ${k}: check 1: comm_c`);
    checkCanonical(p.commRLast, `partition ${k}: check 1: comm_r_last`);
    if (!sameBytes(poseidonHash([p.commC, p.commRLast]), vp.commR))
      fail(`partition ${k}: check 1: Poseidon(comm_c, comm_r_last) is not comm_r`);

    // 2. The challenged nodes are exactly the ones derived for this partition.
    const derived = porepChallenges({
      sealProof: vp.sealProof,
      nodes: layout.nodes,
      replicaId: rid,
      seed: vp.seed,
      commR: vp.commR,
      partition: k,
      challengesPerPartition: layout.challengesPerPartition,
    });
    p.challenges.forEach((c, i) => {
      if (c.node !== derived[i])
        fail(`partition ${k} challenge ${i}: check 2: node ${c.node} is not the derived challenge ${derived[i]}`);
    });

    p.challenges.forEach((c, i) =>
      checkChallenge(c, vp, layout, rid, p.commC, p.commRLast, `partition ${k} challenge ${i} (node ${c.node})`),
    );
  });
}

/** Checks vanilla PoRep proofs in full; with `expected`, the header must also match it. Never throws. */
export function verifyVanillaPoRep(vp: VanillaPoRep, expected?: ExpectedPoRep): VerifyResult {
  return runChecks("malformed proof", () => verifyOrThrow(vp, expected));
}

/** Decodes a kind-1 devnet proof strictly and verifies it against the chain's view of the sector. Never throws. */
export function verifyDevnetPoRep(proof: Uint8Array, expected: ExpectedPoRep): VerifyResult {
  let vp: VanillaPoRep;
  try {
    vp = decodeDevnetPoRep(proof);
  } catch (e) {
    return { ok: false, reason: `decode: ${e instanceof Error ? e.message : String(e)}` };
  }
  return verifyVanillaPoRep(vp, expected);
}
