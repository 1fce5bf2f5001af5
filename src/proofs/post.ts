// Vanilla PoSt (spec/filecoin.md §14): per sector comm_c, comm_r_last and, for each challenged leaf, the
// replica node and its full tree_r_last path; the verifiers of kind-2 (WindowPoSt partition) and kind-3
// (WinningPoSt) devnet proofs (spec/devnet.md §8.4); and the cheap CheckProvable pre-check.
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { postProofType } from "../filecoin/proof-types.js";
import { readPAux } from "./aux-files.js";
import { decodeDevnetWindowPoSt, decodeDevnetWinningPoSt, postLayout, type PoStLayout } from "./devnet-proof.js";
import { isCanonicalFr } from "./fr.js";
import { baseTreeCount, readTreeRLastPath, rootFromPath, treeRLastFile, treeRLastFileElements, type PoseidonPath } from "./poseidon-tree.js";
import { poseidonHash } from "./poseidon.js";
import { postLeafChallenges, postRandomness } from "./post-challenges.js";
import { fail, runChecks, sameBytes, type VerifyResult } from "./porep-verify.js";

export interface PoStChallengeProof {
  /** The replica node at the derived leaf index (the index itself is re-derived, never carried). */
  leaf: Uint8Array;
  path: PoseidonPath;
}

export interface SectorPoSt {
  sectorNumber: bigint;
  commC: Uint8Array;
  commRLast: Uint8Array;
  challenges: PoStChallengeProof[];
}

export interface VanillaPoSt {
  postProof: number;
  minerId: bigint;
  /** Top two bits cleared (postRandomness). */
  randomness: Uint8Array;
  /** Ascending sector numbers, once each. */
  sectors: SectorPoSt[];
}

export interface PoStSectorFiles {
  sectorNumber: number | bigint;
  cacheDir: string;
  sealedFile: string;
}

function toU64(v: number | bigint, field: string): bigint {
  if (typeof v === "number" && !Number.isSafeInteger(v)) throw new RangeError(`${field} ${v} is not a safe integer`);
  const b = BigInt(v);
  if (b < 0n || b >= 1n << 64n) throw new RangeError(`${field} ${v} is outside 0..2^64-1`);
  return b;
}

/** Sorts by sector number and refuses duplicates: a proof lists each sector once, ascending. */
function ascending<T extends { sectorNumber: number | bigint }>(list: readonly T[], what: string): Array<T & { n: bigint }> {
  const sorted = list.map((s) => ({ ...s, n: toU64(s.sectorNumber, `${what} sectorNumber`) })).sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.n === sorted[i - 1]!.n) throw new RangeError(`${what} lists sector ${sorted[i]!.n} twice`);
  return sorted;
}

/** Leaf indexes challenged in the sector at `position` of the ascending list. */
function leafChallenges(layout: PoStLayout, randomness: Uint8Array, sectorNumber: bigint, position: number): number[] {
  return postLeafChallenges({
    randomness,
    sectorNumber,
    nodes: layout.nodes,
    count: layout.challengeCount,
    // Retired window V1 types number challenges across the proven list.
    legacyWindow: layout.type.retired ? { sectorIndex: position } : undefined,
  });
}

/**
 * Vanilla PoSt proofs of the given sectors (a window partition's proven sectors, or the one winning sector),
 * in ascending sector order. `randomness` is the chain draw; its top two bits are cleared here.
 */
export async function generateVanillaPoSt(input: {
  postProof: number;
  minerId: number | bigint;
  randomness: Uint8Array;
  sectors: PoStSectorFiles[];
}): Promise<VanillaPoSt> {
  const layout = postLayout(input.postProof);
  const randomness = postRandomness(input.randomness);
  const list = ascending(input.sectors, "sectors");
  if (list.length < 1 || list.length > layout.maxSectors)
    throw new RangeError(`a ${layout.type.kind} PoSt proof covers 1..${layout.maxSectors} sectors, got ${list.length}`);
  const sectors: SectorPoSt[] = [];
  for (const [position, s] of list.entries()) {
    const { commC, commRLast } = await readPAux(s.cacheDir);
    const challenges: PoStChallengeProof[] = [];
    for (const leafIndex of leafChallenges(layout, randomness, s.n, position)) {
      const { leaf, path } = await readTreeRLastPath(s.cacheDir, s.sealedFile, layout.nodes, layout.shape, leafIndex);
      challenges.push({ leaf, path });
    }
    sectors.push({ sectorNumber: s.n, commC, commRLast, challenges });
  }
  return { postProof: input.postProof, minerId: toU64(input.minerId, "minerId"), randomness, sectors };
}

export interface ExpectedPoStSector {
  sectorNumber: number | bigint;
  /** The sector's on-chain CommR (32-byte root). */
  commR: Uint8Array;
}

export interface ExpectedPoSt {
  postProof: number;
  minerId: number | bigint;
  /** The chain draw; compared after clearing its top two bits. */
  randomness: Uint8Array;
  sectors: ExpectedPoStSector[];
}

function verifyPoStOrThrow(vp: VanillaPoSt, expected: ExpectedPoSt): void {
  if (vp.postProof !== expected.postProof) fail(`PoSt proof ${vp.postProof} differs from the expected ${expected.postProof}`);
  const layout = postLayout(vp.postProof);
  if (BigInt(vp.minerId) !== BigInt(expected.minerId)) fail(`miner ${vp.minerId} differs from the expected ${expected.minerId}`);
  if (!sameBytes(vp.randomness, postRandomness(expected.randomness)))
    fail("randomness differs from the expected draw (top two bits cleared)");

  const want = ascending(expected.sectors, "expected sectors");
  if (!Array.isArray(vp.sectors)) fail("structure: no sectors");
  for (let i = 1; i < vp.sectors.length; i++)
    if (vp.sectors[i]!.sectorNumber <= vp.sectors[i - 1]!.sectorNumber)
      fail(`sectors are not listed ascending and once each (sector ${vp.sectors[i]!.sectorNumber} at position ${i})`);
  if (vp.sectors.length !== want.length || vp.sectors.some((s, i) => s.sectorNumber !== want[i]!.n))
    fail(
      `proof lists sectors [${vp.sectors.map((s) => s.sectorNumber).join(", ")}], expected [${want.map((s) => s.n).join(", ")}]`,
    );

  vp.sectors.forEach((s, position) => {
    const at = `sector ${s.sectorNumber}`;
    if (!isCanonicalFr(s.commC) || !isCanonicalFr(s.commRLast)) fail(`${at}: comm_c or comm_r_last is not a canonical field element`);
    if (!sameBytes(poseidonHash([s.commC, s.commRLast]), want[position]!.commR))
      fail(`${at}: Poseidon(comm_c, comm_r_last) is not the sector's CommR`);
    const leaves = leafChallenges(layout, vp.randomness, s.sectorNumber, position);
    if (!Array.isArray(s.challenges) || s.challenges.length !== leaves.length)
      fail(`${at}: ${s.challenges?.length} challenge proofs, the type requires ${leaves.length}`);
    s.challenges.forEach((c, i) => {
      const what = `${at} challenge ${i} (leaf ${leaves[i]})`;
      if (!isCanonicalFr(c.leaf)) fail(`${what}: replica leaf is not a canonical field element`);
      for (const level of c.path) for (const n of level) if (!isCanonicalFr(n)) fail(`${what}: a path sibling is not a canonical field element`);
      const root = rootFromPath(c.leaf, c.path, leaves[i]!, layout.nodes, layout.shape);
      if (!root || !sameBytes(root, s.commRLast)) fail(`${what}: tree_r_last path does not reach comm_r_last`);
    });
  });
}

/** Checks vanilla PoSt proofs against the chain's view (proof type, miner, randomness, sectors and their CommR). Never throws. */
export function verifyVanillaPoSt(vp: VanillaPoSt, expected: ExpectedPoSt): VerifyResult {
  return runChecks("malformed proof", () => verifyPoStOrThrow(vp, expected));
}

function verifyDevnetPoSt(proof: Uint8Array, expected: ExpectedPoSt, decode: (b: Uint8Array) => VanillaPoSt, kind: string): VerifyResult {
  let vp: VanillaPoSt;
  try {
    vp = decode(proof);
  } catch (e) {
    return { ok: false, reason: `decode: ${e instanceof Error ? e.message : String(e)}` };
  }
  try {
    if (postProofType(expected.postProof).kind !== kind)
      return { ok: false, reason: `expected PoSt proof ${expected.postProof} is not a ${kind} type` };
  } catch (e) {
    return { ok: false, reason: `expected: ${(e as Error).message}` };
  }
  return verifyVanillaPoSt(vp, expected);
}

/** A kind-2 proof: one WindowPoSt partition, listing exactly `expected.sectors` (the partition's proven sectors). */
export function verifyDevnetWindowPoSt(proof: Uint8Array, expected: ExpectedPoSt): VerifyResult {
  return verifyDevnetPoSt(proof, expected, decodeDevnetWindowPoSt, "window");
}

/** A kind-3 proof: the one challenged sector of a WinningPoSt. */
export function verifyDevnetWinningPoSt(
  proof: Uint8Array,
  expected: { postProof: number; minerId: number | bigint; randomness: Uint8Array; sector: ExpectedPoStSector },
): VerifyResult {
  return verifyDevnetPoSt(proof, { ...expected, sectors: [expected.sector] }, decodeDevnetWinningPoSt, "winning");
}

export interface ProvableResult {
  sectorNumber: bigint;
  ok: boolean;
  /** Why the sector cannot be proven (missing or short file, p_aux not matching CommR, unreadable leaf). */
  reason?: string;
}

/**
 * Lotus CheckProvable's cheap pre-check: p_aux readable (and binding to CommR when given), the sealed
 * file and tree_r_last files present with their sizes, every challenged leaf readable and a field element.
 */
export async function checkProvable(input: {
  postProof: number;
  randomness: Uint8Array;
  sectors: Array<PoStSectorFiles & { commR?: Uint8Array }>;
}): Promise<ProvableResult[]> {
  const layout = postLayout(input.postProof);
  const randomness = postRandomness(input.randomness);
  const list = ascending(input.sectors, "sectors");
  const results: ProvableResult[] = [];
  for (const [position, s] of list.entries()) {
    try {
      const { commC, commRLast } = await readPAux(s.cacheDir);
      if (s.commR && !sameBytes(poseidonHash([commC, commRLast]), s.commR))
        throw new Error(`p_aux in ${s.cacheDir} does not bind to the sector's CommR`);
      const count = baseTreeCount(layout.shape);
      const treeBytes = treeRLastFileElements(layout.nodes / count) * 32;
      for (let k = 0; k < count; k++) {
        const f = join(s.cacheDir, treeRLastFile(k, count));
        const { size } = await stat(f);
        if (size !== treeBytes) throw new Error(`${f} has ${size} bytes, expected ${treeBytes}`);
      }
      const fh = await open(s.sealedFile, "r");
      try {
        const { size } = await fh.stat();
        if (size !== layout.type.sectorSize) throw new Error(`${s.sealedFile} has ${size} bytes, the sector is ${layout.type.sectorSize}`);
        const buf = new Uint8Array(32);
        for (const leaf of leafChallenges(layout, randomness, s.n, position)) {
          const { bytesRead } = await fh.read(buf, 0, 32, leaf * 32);
          if (bytesRead !== 32 || !isCanonicalFr(buf)) throw new Error(`${s.sealedFile} node ${leaf} is unreadable or not a field element`);
        }
      } finally {
        await fh.close();
      }
      results.push({ sectorNumber: s.n, ok: true });
    } catch (e) {
      results.push({ sectorNumber: s.n, ok: false, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return results;
}
