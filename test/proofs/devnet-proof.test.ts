import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import {
  DEVNET_PROOF_MAGIC,
  decodeDevnetEnvelope,
  decodeDevnetPoRep,
  decodeDevnetWindowPoSt,
  decodeDevnetWinningPoSt,
  encodeDevnetEnvelope,
  encodeDevnetPoRep,
  encodeDevnetWindowPoSt,
  encodeDevnetWinningPoSt,
  isDevnetProof,
} from "../../src/proofs/devnet-proof.js";
import type { VanillaPoRep } from "../../src/proofs/porep-proof.js";
import type { VanillaPoSt } from "../../src/proofs/post.js";

// Deterministic filler nodes: the codec does not look at values, only at shapes.
let counter = 0;
const node = (): Uint8Array => {
  const h = createHash("sha256").update(`node ${counter++}`).digest();
  h[31]! &= 0x3f;
  return new Uint8Array(h);
};
const nodes = (k: number): Uint8Array[] => Array.from({ length: k }, node);
const path8 = (levels: number): Uint8Array[][] => Array.from({ length: levels }, () => nodes(7));

/** A kind-1-shaped proof for a 2KiB type: 64 nodes, 2 layers, 6 tree_d levels, 2 arity-8 levels. */
function fakePoRep(sealProof: number, partitions: number): VanillaPoRep {
  return {
    sealProof,
    minerId: 1000n,
    sectorNumber: 7n,
    ticket: node(),
    seed: node(),
    commD: node(),
    commR: node(),
    partitions: Array.from({ length: partitions }, () => ({
      commC: node(),
      commRLast: node(),
      challenges: [11, 42].map((n) => ({
        node: n,
        dataLeaf: node(),
        treeDPath: nodes(6),
        replicaLeaf: node(),
        treeRLastPath: path8(2),
        columns: Array.from({ length: 15 }, () => ({ labels: nodes(2), path: path8(2) })),
      })),
    })),
  };
}

function fakePoSt(postProof: number, sectorNumbers: bigint[], challenges: number): VanillaPoSt {
  const randomness = node();
  return {
    postProof,
    minerId: 1000n,
    randomness,
    sectors: sectorNumbers.map((sectorNumber) => ({
      sectorNumber,
      commC: node(),
      commRLast: node(),
      challenges: Array.from({ length: challenges }, () => ({ leaf: node(), path: path8(2) })),
    })),
  };
}

const u32At = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset).getUint32(off, true);
const setU32 = (b: Uint8Array, off: number, v: number): void => new DataView(b.buffer, b.byteOffset).setUint32(off, v, true);

test("envelope: magic, version 1, kind, u32le body length, body", () => {
  const body = Uint8Array.of(1, 2, 3);
  const e = encodeDevnetEnvelope(2, body);
  assert.deepEqual([...e.subarray(0, 8)], [...new TextEncoder().encode("DMDEVNET")]);
  assert.deepEqual([...e.subarray(8)], [1, 2, 3, 0, 0, 0, 1, 2, 3]);
  assert.equal(isDevnetProof(e), true);
  assert.equal(isDevnetProof(new Uint8Array(192)), false, "a Groth16 proof is not a devnet proof");
  assert.equal(isDevnetProof(DEVNET_PROOF_MAGIC.subarray(0, 7)), false);
  const d = decodeDevnetEnvelope(e);
  assert.equal(d.kind, 2);
  assert.deepEqual([...d.body], [1, 2, 3]);
});

test("envelope: bad magic, version, kind, length, short and trailing bytes are refused", () => {
  const good = encodeDevnetEnvelope(1, new Uint8Array(5));
  const bad = (mutate: (b: Uint8Array) => Uint8Array, re: RegExp): void => {
    assert.throws(() => decodeDevnetEnvelope(mutate(Uint8Array.from(good))), re);
  };
  bad((b) => ((b[0] = 0x64), b), /magic/);
  bad((b) => ((b[8] = 2), b), /version at offset 8 is 2/);
  bad((b) => ((b[9] = 0), b), /kind at offset 9 is 0/);
  bad((b) => ((b[9] = 4), b), /kind at offset 9 is 4/);
  bad((b) => (setU32(b, 10, 6), b), /body length at offset 10 is 6, but 5 bytes follow/);
  bad((b) => b.subarray(0, b.length - 1), /body length at offset 10 is 5, but 4 bytes/);
  bad((b) => Uint8Array.from([...b, 0]), /but 6 bytes follow/);
  bad((b) => b.subarray(0, 13), /shorter than the 14-byte envelope header/);
  assert.throws(() => decodeDevnetEnvelope(good, 3), /kind at offset 9 is 1 \(PoRep\), expected 3 \(WinningPoSt\)/);
});

test("kind 1: round trip of a 2KiB interactive proof; size follows devnet.md §8.2", () => {
  const vp = fakePoRep(5, 1);
  const bytes = encodeDevnetPoRep(vp);
  // 14 envelope + 156 header + 68 partition + 2 × (8 + 32 + 6·32 + 32 + 2·7·32 + 15 × (2·32 + 2·7·32))
  assert.equal(bytes.length, 14 + 156 + 68 + 2 * 8392);
  assert.equal(bytes.length, 17022);
  assert.equal(bytes[9], 1);
  assert.equal(u32At(bytes, 10), bytes.length - 14);
  assert.deepEqual(decodeDevnetPoRep(bytes), vp);
  // Field order: seal proof, miner, sector number, ticket at 38, partition count at 166.
  const dv = new DataView(bytes.buffer);
  assert.equal(dv.getBigUint64(14, true), 5n);
  assert.equal(dv.getBigUint64(22, true), 1000n);
  assert.equal(dv.getBigUint64(30, true), 7n);
  assert.deepEqual(bytes.subarray(38, 70), vp.ticket);
  assert.equal(u32At(bytes, 14 + 152), 1);
  assert.equal(dv.getBigUint64(14 + 156 + 68, true), 11n, "first challenge's node index after comm_c, comm_r_last, count");
});

test("kind 1: NI types carry 13 partitions × 2 challenges", () => {
  const vp = fakePoRep(15, 13);
  const bytes = encodeDevnetPoRep(vp);
  assert.equal(bytes.length, 14 + 156 + 13 * (68 + 2 * 8392));
  assert.deepEqual(decodeDevnetPoRep(bytes), vp);
  assert.throws(() => encodeDevnetPoRep(fakePoRep(15, 1)), /needs 13 partitions/);
});

test("kind 1: counts, indexes and ids come from the type, not from the bytes", () => {
  const bytes = encodeDevnetPoRep(fakePoRep(5, 1));
  const bad = (mutate: (b: Uint8Array) => void, re: RegExp): void => {
    const b = Uint8Array.from(bytes);
    mutate(b);
    assert.throws(() => decodeDevnetPoRep(b), re);
  };
  bad((b) => setU32(b, 166, 2), /partition count at offset 166 is 2, the proof type requires 1/);
  bad((b) => setU32(b, 170 + 64, 3), /challenge count at offset 234 is 3, the proof type requires 2/);
  bad((b) => (b[14] = 99), /seal proof id at offset 14: unknown registered seal proof id 99/);
  bad((b) => (b[238] = 64), /challenge node index at offset 238 is 64, the sector has 64 nodes/);
  // A 2KiB body re-labelled as the 8MiB type (6) is far too short for that type's paths.
  bad((b) => (b[14] = 6), /body too short/);
  assert.throws(() => decodeDevnetPoRep(encodeDevnetWindowPoSt(fakePoSt(10, [1n], 10))), /kind at offset 9 is 2/);
  // Encode refuses shapes that do not fit the type.
  const vp = fakePoRep(5, 1);
  vp.partitions[0]!.challenges[0]!.columns.pop();
  assert.throws(() => encodeDevnetPoRep(vp), /needs 15 columns/);
  const vp2 = fakePoRep(5, 1);
  vp2.partitions[0]!.challenges[1]!.treeRLastPath[1]!.pop();
  assert.throws(() => encodeDevnetPoRep(vp2), /treeRLastPath level 1 must have 7 nodes/);
});

test("kinds 2 and 3: round trips and sizes", () => {
  const window = fakePoSt(10, [3n, 9n], 10);
  const wb = encodeDevnetWindowPoSt(window);
  assert.equal(wb.length, 14 + 52 + 2 * (76 + 10 * 480));
  assert.equal(wb[9], 2);
  assert.deepEqual(decodeDevnetWindowPoSt(wb), window);

  const winning = fakePoSt(0, [5n], 66);
  const nb = encodeDevnetWinningPoSt(winning);
  assert.equal(nb.length, 14 + 52 + 76 + 66 * 480);
  assert.equal(nb[9], 3);
  assert.deepEqual(decodeDevnetWinningPoSt(nb), winning);
});

test("kinds 2 and 3: type, sector count, challenge count and randomness are checked", () => {
  assert.throws(() => encodeDevnetWindowPoSt(fakePoSt(0, [1n], 66)), /winning type/);
  assert.throws(() => encodeDevnetWinningPoSt(fakePoSt(0, [1n, 2n], 66)), /lists 1..1 sectors/);
  assert.throws(() => encodeDevnetWindowPoSt(fakePoSt(10, [1n, 2n, 3n], 10)), /lists 1..2 sectors/);
  assert.throws(() => encodeDevnetWindowPoSt(fakePoSt(10, [1n], 66)), /needs 10 challenges/);
  const wb = encodeDevnetWindowPoSt(fakePoSt(10, [3n, 9n], 10));
  const bad = (mutate: (b: Uint8Array) => void, re: RegExp, decode = decodeDevnetWindowPoSt): void => {
    const b = Uint8Array.from(wb);
    mutate(b);
    assert.throws(() => decode(b), re);
  };
  bad((b) => (b[14] = 0), /PoSt proof id at offset 14 is 0, a winning type in a window proof/);
  bad((b) => (b[14] = 15), /unknown registered PoSt proof id 15/);
  bad((b) => (b[14 + 16 + 31] = 0xff), /randomness at offset 30 has its top two bits set/);
  bad((b) => setU32(b, 62, 0), /sector count at offset 62 is 0/);
  bad((b) => setU32(b, 62, 1), /trailing bytes/);
  bad((b) => setU32(b, 66 + 72, 11), /challenge count at offset 138 is 11, the proof type requires 10/);
  bad(() => undefined, /kind at offset 9 is 2/, decodeDevnetWinningPoSt);
});
