// C1 vanilla PoRep proofs of real sealed 2KiB sectors, their kind-1 devnet encoding and the full verifier:
// every check of filecoin.md §12 must fire on a corrupted byte, and the header must match the chain.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { sealProofType } from "../../src/filecoin/proof-types.js";
import { decodeDevnetPoRep, encodeDevnetPoRep } from "../../src/proofs/devnet-proof.js";
import { generateVanillaPoRep, NI_SEED, type VanillaPoRep } from "../../src/proofs/porep-proof.js";
import { verifyDevnetPoRep, verifyVanillaPoRep, type ExpectedPoRep } from "../../src/proofs/porep-verify.js";
import { sealSector } from "../../src/proofs/seal.js";
import { loadVector, toHex } from "../helpers/vectors.js";

const sha256 = (b: Uint8Array | string): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest());

// seal-2k.json case "2k-v1_1-random" and the challenges derived on it (challenges.json).
interface SealCase {
  name: string;
  miner: number;
  sector: number;
  ticket: string;
  data: string;
  unpadded: number;
  replica_id: string;
  comm_d_hex: string;
  comm_r_hex: string;
}
const sealCase = (loadVector("seal-2k.json") as { cases: SealCase[] }).cases.find((c) => c.name === "2k-v1_1-random")!;
const derived = loadVector("challenges.json").derived_on_seal_vector as {
  inputs: { seed_hex: string; replica_id_hex: string };
  interactive_partition0_2_challenges: number[];
};

/** The vector's data derivation: sha256(label ‖ decimal i) blocks, concatenated and cut to length. */
function vectorData(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0, off = 0; off < length; i++, off += 32) out.set(sha256(`${label}${i}`).subarray(0, Math.min(32, length - off)), off);
  return out;
}

const MINER = sealCase.miner;
const SECTOR = sealCase.sector;
const TICKET = sha256(sealCase.ticket);
const SEED = sha256("damocles/vector/seed/1");

let dir = "";
interface Sealed {
  commD: Uint8Array;
  commR: Uint8Array;
  cacheDir: string;
  sealedFile: string;
}
const sealed = new Map<number, Promise<Sealed>>();

before(async () => {
  dir = await mkdtemp(join(os.tmpdir(), "damocles-porep-"));
  await writeFile(join(dir, "payload"), vectorData(sealCase.data, sealCase.unpadded));
});
after(() => rm(dir, { recursive: true, force: true }));

/** Seals the vector's data once per seal proof type (each in its own store). */
function seal(sealProof: number): Promise<Sealed> {
  let p = sealed.get(sealProof);
  if (!p) {
    p = sealSector({
      sealProofId: sealProof,
      minerId: MINER,
      sectorNumber: SECTOR,
      ticket: TICKET,
      inputPath: join(dir, "payload"),
      storeDir: join(dir, `store-${sealProof}`),
      parentCacheDir: join(dir, "parents"),
    }).then((o) => ({ commD: o.commD, commR: o.commR, cacheDir: o.paths.cacheDir, sealedFile: o.paths.sealed }));
    sealed.set(sealProof, p);
  }
  return p;
}

async function prove(sealProof: number): Promise<{ vp: VanillaPoRep; bytes: Uint8Array; expected: ExpectedPoRep }> {
  const s = await seal(sealProof);
  const ni = sealProofType(sealProof).kind === "ni";
  const vp = await generateVanillaPoRep({
    sealProof,
    minerId: MINER,
    sectorNumber: SECTOR,
    ticket: TICKET,
    seed: ni ? undefined : SEED,
    commD: s.commD,
    commR: s.commR,
    cacheDir: s.cacheDir,
    sealedFile: s.sealedFile,
  });
  const expected: ExpectedPoRep = {
    sealProof,
    minerId: MINER,
    sectorNumber: SECTOR,
    ticket: TICKET,
    seed: ni ? NI_SEED : SEED,
    commD: s.commD,
    commR: s.commR,
  };
  return { vp, bytes: encodeDevnetPoRep(vp), expected };
}

/**
 * Byte positions to corrupt: every byte of `fixed` (envelope, header, counts, indexes) and one byte of
 * every 16-byte block elsewhere, at a rotating offset, so every 32-byte node is hit at least once.
 * DAMOCLES_FULL_SWEEP=1 flips every byte instead (a minute for the 17 KiB 2KiB proof: Poseidon-bound).
 */
function positions(length: number, fixed: Array<[number, number]>): number[] {
  if (process.env.DAMOCLES_FULL_SWEEP === "1") return [...Array(length).keys()];
  const out = new Set<number>();
  for (const [from, to] of fixed) for (let i = from; i < Math.min(to, length); i++) out.add(i);
  for (let block = 0; block * 16 < length; block++) out.add(Math.min(length - 1, block * 16 + ((block * 5) % 16)));
  return [...out].sort((a, b) => a - b);
}

/** Bytes of one 2KiB challenge: 8 + 32 + 6·32 + 32 + 2·7·32 + 15 × (2·32 + 2·7·32). */
const CHALLENGE_BYTES = 8392;

/** The envelope and header [0, 170), each partition's challenge count and each challenge's u64 node index. */
function kind1Fixed(partitions: number): Array<[number, number]> {
  const fixed: Array<[number, number]> = [[0, 170]];
  for (let k = 0, off = 170; k < partitions; k++, off += 68 + 2 * CHALLENGE_BYTES) {
    fixed.push([off + 64, off + 68]);
    for (let i = 0; i < 2; i++) fixed.push([off + 68 + i * CHALLENGE_BYTES, off + 68 + i * CHALLENGE_BYTES + 8]);
  }
  return fixed;
}

/** Flips one bit of each byte at `at` (bit i mod 8, so every bit position is exercised) and collects the reasons. */
function sweep(bytes: Uint8Array, at: Iterable<number>, verify: (b: Uint8Array) => ReturnType<typeof verifyDevnetPoRep>): Map<string, number> {
  const reasons = new Map<string, number>();
  const copy = Uint8Array.from(bytes);
  for (const i of at) {
    const mask = 1 << (i % 8);
    copy[i]! ^= mask;
    const r = verify(copy);
    copy[i]! ^= mask;
    assert.equal(r.ok, false, `flipping bit ${i % 8} of byte ${i} of ${bytes.length} still verifies`);
    if (!r.ok) {
      const key = /check \d/.exec(r.reason)?.[0] ?? r.reason.split(":")[0]!;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  }
  return reasons;
}

test("proof 5: the vanilla proofs of a sealed 2KiB sector verify, as objects and as a kind-1 devnet proof", async () => {
  const { vp, bytes, expected } = await prove(5);
  assert.equal(toHex(expected.commR), sealCase.comm_r_hex, "the sealed sector is the seal-2k vector's");
  assert.equal(toHex(expected.commD), sealCase.comm_d_hex);
  assert.equal(derived.inputs.seed_hex, toHex(SEED));
  // The challenged nodes are the ones derived on this vector in challenges.json.
  assert.deepEqual(
    vp.partitions[0]!.challenges.map((c) => c.node),
    derived.interactive_partition0_2_challenges,
  );
  assert.equal(vp.partitions.length, 1);
  assert.equal(vp.partitions[0]!.challenges[0]!.columns.length, 15);
  assert.equal(bytes.length, 17022);
  assert.deepEqual(verifyVanillaPoRep(vp), { ok: true });
  assert.deepEqual(verifyVanillaPoRep(vp, expected), { ok: true });
  assert.deepEqual(verifyDevnetPoRep(bytes, expected), { ok: true });
  assert.deepEqual(decodeDevnetPoRep(bytes), vp);
});

test("proof 5: a flipped bit in any field of the kind-1 proof makes verification fail, each check firing", async () => {
  const { bytes, expected } = await prove(5);
  const at = positions(bytes.length, kind1Fixed(1));
  assert.ok(at.length > bytes.length / 16);
  const reasons = sweep(bytes, at, (b) => verifyDevnetPoRep(b, expected));
  // Every check of filecoin.md §12 is what caught some byte; header bytes fail on the envelope or the expected values.
  for (const check of ["check 1", "check 3", "check 4", "check 5", "check 6", "check 7"]) assert.ok(reasons.has(check), `${check} never fired: ${[...reasons.keys()]}`);
  assert.ok(reasons.has("decode"), "envelope and index bytes fail in the decoder");
  assert.ok([...reasons.keys()].some((k) => k.startsWith("ticket differs")), `${[...reasons.keys()]}`);
});

test("proof 5: without expected values, a flipped header field still fails through replica_id and the challenges", async () => {
  const { bytes } = await prove(5);
  // ticket, seed, comm_d, comm_r, miner, sector number: the proof must be consistent with its own header.
  const headerFields = [22, 30, 38, 70, 102, 134];
  const reasons = sweep(bytes, headerFields, (b) => {
    try {
      return verifyVanillaPoRep(decodeDevnetPoRep(b));
    } catch (e) {
      return { ok: false, reason: `decode: ${(e as Error).message}` };
    }
  });
  assert.ok(reasons.has("check 2") || reasons.has("check 1") || reasons.has("check 3"), `${[...reasons.keys()]}`);
  // check 2 specifically: a different seed re-derives other challenges.
  const b = Uint8Array.from(bytes);
  b[70]! ^= 1;
  const r = verifyVanillaPoRep(decodeDevnetPoRep(b));
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, /check 2: node \d+ is not the derived challenge/);
});

test("proof 5: a proof for other chain values fails, naming the field", async () => {
  const { bytes, expected } = await prove(5);
  const other = sha256("other");
  const cases: Array<[Partial<ExpectedPoRep>, RegExp]> = [
    [{ ticket: other }, /ticket differs/],
    [{ seed: other }, /seed differs/],
    [{ commR: other }, /commR differs/],
    [{ commD: other }, /commD differs/],
    [{ sectorNumber: SECTOR + 1 }, /sector number 42 differs from the expected 43/],
    [{ minerId: 1001n }, /miner 1234 differs from the expected 1001/],
    [{ sealProof: 10 }, /seal proof 5 differs from the expected 10/],
  ];
  for (const [change, re] of cases) {
    const r = verifyDevnetPoRep(bytes, { ...expected, ...change });
    assert.equal(r.ok, false, `${Object.keys(change)[0]}`);
    assert.match((r as { reason: string }).reason, re);
  }
});

test("proof 5: truncated, extended and re-typed bytes fail in the decoder, never throwing", async () => {
  const { bytes, expected } = await prove(5);
  const fails = (b: Uint8Array, re: RegExp): void => {
    const r = verifyDevnetPoRep(b, expected);
    assert.equal(r.ok, false);
    assert.match((r as { reason: string }).reason, re);
  };
  fails(bytes.subarray(0, bytes.length - 1), /body length at offset 10/);
  fails(Uint8Array.from([...bytes, 0]), /body length at offset 10/);
  fails(new Uint8Array(0), /shorter than the 14-byte envelope header/);
  fails(new Uint8Array(192), /not the magic/);
  // A consistent length field over a short body.
  const short = Uint8Array.from(bytes.subarray(0, 1000));
  new DataView(short.buffer).setUint32(10, short.length - 14, true);
  fails(short, /body too short/);
  const long = new Uint8Array(bytes.length + 32);
  long.set(bytes);
  new DataView(long.buffer).setUint32(10, long.length - 14, true);
  fails(long, /32 trailing bytes/);
  // Vanilla objects that did not come through the decoder are checked for shape.
  const vp = decodeDevnetPoRep(bytes);
  vp.partitions[0]!.challenges[1]!.columns[3]!.labels.pop();
  const r = verifyVanillaPoRep(vp, expected);
  assert.equal(r.ok, false);
  assert.match((r as { reason: string }).reason, /structure: partition 0 challenge 1 column 3 must hold 2 labels/);
});

test("proof 5: generation refuses a commR that p_aux does not give, and a missing seed", async () => {
  const s = await seal(5);
  const input = { sealProof: 5, minerId: MINER, sectorNumber: SECTOR, ticket: TICKET, seed: SEED, commD: s.commD, commR: s.commR, cacheDir: s.cacheDir, sealedFile: s.sealedFile };
  await assert.rejects(generateVanillaPoRep({ ...input, commR: sha256("x").map((b, i) => (i === 31 ? b & 0x3f : b)) }), /p_aux .* does not give the commR/);
  await assert.rejects(generateVanillaPoRep({ ...input, seed: undefined }), /seed \(required for seal proof 5/);
});

test("proof 15 (NI): 13 partitions × 2 challenges with the all-ones seed verify; corrupted bytes fail", async () => {
  const { vp, bytes, expected } = await prove(15);
  assert.equal(vp.partitions.length, 13);
  assert.deepEqual([...vp.seed], [...NI_SEED]);
  assert.equal(bytes.length, 14 + 156 + 13 * (68 + 2 * 8392));
  assert.deepEqual(verifyDevnetPoRep(bytes, expected), { ok: true });
  // Every header and count byte, then a coarse stride through the partitions (one NI verification is 13× the cost).
  const fixed = kind1Fixed(13);
  const stride = Array.from({ length: 64 }, (_, i) => 170 + Math.floor(((bytes.length - 170) * i) / 64) + (i % 32));
  const at = process.env.DAMOCLES_FULL_SWEEP === "1" ? positions(bytes.length, []) : [...fixed.flatMap(([a, b]) => [...Array(b - a).keys()].map((i) => a + i)), ...stride];
  const reasons = sweep(bytes, at, (b) => verifyDevnetPoRep(b, expected));
  assert.ok(reasons.size > 3, `${[...reasons.keys()]}`);
  const wrongSeed = verifyDevnetPoRep(bytes, { ...expected, seed: SEED });
  assert.equal(wrongSeed.ok, false);
  await assert.rejects(
    (async () => generateVanillaPoRep({ ...expected, seed: SEED, cacheDir: (await seal(15)).cacheDir, sealedFile: (await seal(15)).sealedFile }))(),
    /non-interactive/,
  );
});

test("proof 10 (synthetic): the selected synthetic challenges are proven from the layers and verify", async () => {
  const { vp, bytes, expected } = await prove(10);
  assert.equal(vp.partitions[0]!.challenges.length, 2);
  assert.deepEqual(verifyDevnetPoRep(bytes, expected), { ok: true });
  // The header, then a coarse stride (the every-field sample runs on proof 5).
  const at = [...Array(238).keys(), ...Array.from({ length: 64 }, (_, i) => 238 + Math.floor(((bytes.length - 238) * i) / 64) + (i % 32))];
  const reasons = sweep(bytes, at, (b) => verifyDevnetPoRep(b, expected));
  assert.ok(reasons.size > 3, `${[...reasons.keys()]}`);
  // A proof of type 5 for the same data is not a proof of type 10.
  const r = verifyDevnetPoRep(bytes, { ...expected, sealProof: 5 });
  assert.equal(r.ok, false);
});
