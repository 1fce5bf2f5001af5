// Vanilla PoSt over real sealed 2KiB sectors, their kind-2/kind-3 devnet encodings and verifiers.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { decodeDevnetWindowPoSt, encodeDevnetWindowPoSt, encodeDevnetWinningPoSt } from "../../src/proofs/devnet-proof.js";
import { postLeafChallenges } from "../../src/proofs/post-challenges.js";
import { checkProvable, generateVanillaPoSt, verifyDevnetWindowPoSt, verifyDevnetWinningPoSt, verifyVanillaPoSt } from "../../src/proofs/post.js";
import { sealSector } from "../../src/proofs/seal.js";
import { loadVector, toHex } from "../helpers/vectors.js";

const sha256 = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest());

const MINER = 1000;
const WINDOW_2K = 10;
const WINNING_2K = 0;
// A raw chain draw with both top bits set: the proofs use it with them cleared.
const RAND = sha256("damocles/test/post-randomness");
RAND[31]! |= 0xc0;

interface Sector {
  sectorNumber: number;
  commR: Uint8Array;
  cacheDir: string;
  sealedFile: string;
}
let dir = "";
let sectors: Sector[] = [];

before(async () => {
  dir = await mkdtemp(join(os.tmpdir(), "damocles-post-"));
  sectors = [];
  for (const sectorNumber of [3, 9]) {
    const payload = join(dir, `payload-${sectorNumber}`);
    await writeFile(payload, sha256(`payload ${sectorNumber}`));
    const o = await sealSector({
      sealProofId: 5,
      minerId: MINER,
      sectorNumber,
      ticket: sha256(`ticket ${sectorNumber}`),
      inputPath: payload,
      storeDir: join(dir, "store"),
      parentCacheDir: join(dir, "parents"),
    });
    sectors.push({ sectorNumber, commR: o.commR, cacheDir: o.paths.cacheDir, sealedFile: o.paths.sealed });
  }
});
after(() => rm(dir, { recursive: true, force: true }));

const expectedWindow = () => ({
  postProof: WINDOW_2K,
  minerId: MINER,
  randomness: RAND,
  sectors: sectors.map((s) => ({ sectorNumber: s.sectorNumber, commR: s.commR })),
});

const HEADER = 14 + 8 + 8 + 32 + 4;
const CHALLENGE = 32 + 2 * 7 * 32;
const sectorBytes = (challenges: number): number => 8 + 64 + 4 + challenges * CHALLENGE;
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Byte positions to corrupt: the envelope, header and every sector's integer fields in full, plus per
 * challenge one byte of the leaf and of each path level, at offsets that rotate through the node.
 * DAMOCLES_FULL_SWEEP=1 flips every byte instead (minutes for the 31 KiB winning proof: Poseidon-bound).
 */
function positions(length: number, sectorCount: number, challenges: number): number[] {
  if (process.env.DAMOCLES_FULL_SWEEP === "1") return range(0, length);
  const out = range(0, HEADER);
  for (let k = 0; k < sectorCount; k++) {
    const start = HEADER + k * sectorBytes(challenges);
    out.push(...range(start, start + 8), start + 8 + (k % 32), start + 40 + ((k + 7) % 32), ...range(start + 72, start + 76));
    for (let i = 0; i < challenges; i++) {
      const c = start + 76 + i * CHALLENGE;
      out.push(c + (i % 32), c + 32 + ((i * 37) % 224), c + 32 + 224 + ((i * 53) % 224));
    }
  }
  assert.equal(HEADER + sectorCount * sectorBytes(challenges), length, "layout of the sample");
  return out;
}

function sweep(bytes: Uint8Array, positions: Iterable<number>, verify: (b: Uint8Array) => { ok: boolean }): void {
  const copy = Uint8Array.from(bytes);
  for (const i of positions) {
    const mask = 1 << (i % 8);
    copy[i]! ^= mask;
    assert.equal(verify(copy).ok, false, `flipping bit ${i % 8} of byte ${i} still verifies`);
    copy[i]! ^= mask;
  }
}

test("window: two sectors, listed ascending, 10 challenged leaves each, verify as a kind-2 proof", async () => {
  const vp = await generateVanillaPoSt({ postProof: WINDOW_2K, minerId: MINER, randomness: RAND, sectors: [...sectors].reverse() });
  assert.deepEqual(vp.sectors.map((s) => s.sectorNumber), [3n, 9n]);
  assert.equal(vp.randomness[31], RAND[31]! & 0x3f);
  assert.equal(vp.sectors[0]!.challenges.length, 10);
  // The post_derived vector fixes the leaf formula; the generator uses the same one.
  const v = loadVector("challenges.json").post_derived as { randomness_hex: string; window_v1_1_sector42_leaf_challenges: number[] };
  assert.deepEqual(
    postLeafChallenges({ randomness: Uint8Array.from(Buffer.from(v.randomness_hex, "hex")), sectorNumber: 42, nodes: 64, count: 10 }),
    v.window_v1_1_sector42_leaf_challenges,
  );
  const bytes = encodeDevnetWindowPoSt(vp);
  assert.equal(bytes.length, 14 + 52 + 2 * (76 + 10 * 480));
  assert.deepEqual(verifyVanillaPoSt(vp, expectedWindow()), { ok: true });
  assert.deepEqual(verifyDevnetWindowPoSt(bytes, expectedWindow()), { ok: true });
  // The expected list may come in any order; the proof's must be ascending.
  assert.deepEqual(verifyDevnetWindowPoSt(bytes, { ...expectedWindow(), sectors: expectedWindow().sectors.reverse() }), { ok: true });
  assert.equal(toHex(decodeDevnetWindowPoSt(bytes).sectors[1]!.commRLast), toHex(vp.sectors[1]!.commRLast));
});

test("window: a flipped bit in any field makes verification fail", async () => {
  const vp = await generateVanillaPoSt({ postProof: WINDOW_2K, minerId: MINER, randomness: RAND, sectors });
  const bytes = encodeDevnetWindowPoSt(vp);
  sweep(bytes, positions(bytes.length, 2, 10), (b) => verifyDevnetWindowPoSt(b, expectedWindow()));
});

test("window: wrong randomness, CommR, sector list, miner or proof type fail with a reason", async () => {
  const vp = await generateVanillaPoSt({ postProof: WINDOW_2K, minerId: MINER, randomness: RAND, sectors });
  const bytes = encodeDevnetWindowPoSt(vp);
  const fails = (change: Partial<ReturnType<typeof expectedWindow>>, re: RegExp): void => {
    const r = verifyDevnetWindowPoSt(bytes, { ...expectedWindow(), ...change });
    assert.equal(r.ok, false, re.source);
    assert.match((r as { reason: string }).reason, re);
  };
  const otherRand = Uint8Array.from(RAND);
  otherRand[0]! ^= 1;
  fails({ randomness: otherRand }, /randomness differs/);
  // Only the two top bits are ignored.
  const sameRand = Uint8Array.from(RAND);
  sameRand[31]! &= 0x3f;
  assert.deepEqual(verifyDevnetWindowPoSt(bytes, { ...expectedWindow(), randomness: sameRand }), { ok: true });
  fails({ sectors: [{ sectorNumber: 3, commR: sectors[1]!.commR }, { sectorNumber: 9, commR: sectors[1]!.commR }] }, /sector 3: Poseidon\(comm_c, comm_r_last\) is not the sector's CommR/);
  fails({ sectors: [{ sectorNumber: 3, commR: sectors[0]!.commR }] }, /proof lists sectors \[3, 9\], expected \[3\]/);
  fails({ sectors: [...expectedWindow().sectors, { sectorNumber: 4, commR: sectors[0]!.commR }] }, /expected \[3, 4, 9\]/);
  fails({ minerId: 1001 }, /miner 1000 differs from the expected 1001/);
  fails({ postProof: 11 }, /PoSt proof 10 differs from the expected 11/);
  fails({ postProof: WINNING_2K }, /not a window type/);
  // Sectors out of order or twice are refused even when each is valid.
  const swapped = { ...vp, sectors: [vp.sectors[1]!, vp.sectors[0]!] };
  assert.match((verifyVanillaPoSt(swapped, expectedWindow()) as { reason: string }).reason, /not listed ascending/);
  const twice = { ...vp, sectors: [vp.sectors[0]!, vp.sectors[0]!] };
  assert.match((verifyVanillaPoSt(twice, expectedWindow()) as { reason: string }).reason, /not listed ascending/);
});

test("winning: one sector, 66 challenged leaves, verify as a kind-3 proof; corrupted bytes fail", async () => {
  const s = sectors[1]!;
  const vp = await generateVanillaPoSt({ postProof: WINNING_2K, minerId: MINER, randomness: RAND, sectors: [s] });
  assert.equal(vp.sectors[0]!.challenges.length, 66);
  const bytes = encodeDevnetWinningPoSt(vp);
  assert.equal(bytes.length, 14 + 52 + 76 + 66 * 480);
  const expected = { postProof: WINNING_2K, minerId: MINER, randomness: RAND, sector: { sectorNumber: s.sectorNumber, commR: s.commR } };
  assert.deepEqual(verifyDevnetWinningPoSt(bytes, expected), { ok: true });
  sweep(bytes, positions(bytes.length, 1, 66), (b) => verifyDevnetWinningPoSt(b, expected));
  assert.equal(verifyDevnetWinningPoSt(bytes, { ...expected, sector: { sectorNumber: 3, commR: s.commR } }).ok, false);
  assert.equal(verifyDevnetWinningPoSt(bytes, { ...expected, sector: { ...expected.sector, commR: sectors[0]!.commR } }).ok, false);
  assert.equal(verifyDevnetWinningPoSt(bytes, { ...expected, randomness: sha256("other") }).ok, false);
  // A window proof is not a winning proof.
  const w = encodeDevnetWindowPoSt(await generateVanillaPoSt({ postProof: WINDOW_2K, minerId: MINER, randomness: RAND, sectors: [s] }));
  assert.match((verifyDevnetWinningPoSt(w, expected) as { reason: string }).reason, /decode: .*kind at offset 9 is 2/);
  await assert.rejects(generateVanillaPoSt({ postProof: WINNING_2K, minerId: MINER, randomness: RAND, sectors }), /covers 1..1 sectors/);
});

test("checkProvable: readable sectors pass; a wrong CommR or a missing tree_r_last fails that sector only", async () => {
  const ok = await checkProvable({ postProof: WINDOW_2K, randomness: RAND, sectors: sectors.map((s) => ({ ...s })) });
  assert.deepEqual(ok.map((r) => [r.sectorNumber, r.ok]), [[3n, true], [9n, true]]);
  const wrong = await checkProvable({
    postProof: WINDOW_2K,
    randomness: RAND,
    sectors: [{ ...sectors[0]!, commR: sectors[1]!.commR }, sectors[1]!],
  });
  assert.equal(wrong[0]!.ok, false);
  assert.match(wrong[0]!.reason!, /does not bind to the sector's CommR/);
  assert.equal(wrong[1]!.ok, true);
  const copyDir = await mkdtemp(join(dir, "gone-"));
  await copyFile(join(sectors[0]!.cacheDir, "p_aux"), join(copyDir, "p_aux"));
  const gone = await checkProvable({ postProof: WINDOW_2K, randomness: RAND, sectors: [{ ...sectors[0]!, cacheDir: copyDir }] });
  assert.equal(gone[0]!.ok, false);
  assert.match(gone[0]!.reason!, /sc-02-data-tree-r-last/);
  await unlink(join(copyDir, "p_aux"));
});
