import assert from "node:assert/strict";
import { test } from "node:test";
import { commDFromPieces, type PieceInfo } from "../../src/proofs/commd.js";
import { hashPair } from "../../src/proofs/node-hash.js";
import { zeroCommitment } from "../../src/proofs/zero-commitments.js";
import { commDToCid } from "../../src/filecoin/cid.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

const vec = loadVector("commp.json").commd_from_pieces;
const byName = new Map<string, PieceInfo>(
  vec.pieces.map((p: { name: string; padded_size: number; root_hex: string }) => [p.name, { size: p.padded_size, commP: hex(p.root_hex) }]),
);

test("commd_from_pieces cases: A,B,C; A alone; empty", () => {
  for (const c of vec.cases) {
    const pieces = (c.pieces as string[]).map((n) => byName.get(n)!);
    const commD = commDFromPieces(vec.sector_size, pieces);
    assert.equal(toHex(commD), c.comm_d_hex, c.pieces.join(","));
    assert.equal(commDToCid(commD).toString(), c.comm_d);
  }
});

test("the explicit filler list gives the same root as the bare list (step 5)", () => {
  const z = (size: number): PieceInfo => ({ size, commP: zeroCommitment(size) });
  const a = byName.get("A")!;
  const b = byName.get("B")!;
  const c = byName.get("C")!;
  const bare = commDFromPieces(2048, [a, b, c]);
  assert.deepEqual(commDFromPieces(2048, [a, z(128), z(256), b, c, z(256), z(512)]), bare);
  // one piece filling the whole sector is its own CommD
  assert.deepEqual(commDFromPieces(512, [b]), b.commP);
  // A then a 1024-byte piece: A, zero(128), zero(256), zero(512), X
  const x = { size: 1024, commP: zeroCommitment(1024).map((v, i) => (i === 0 ? 1 : v)) };
  const left = hashPair(hashPair(hashPair(a.commP, zeroCommitment(128)), zeroCommitment(256)), zeroCommitment(512));
  assert.deepEqual(commDFromPieces(2048, [a, x]), hashPair(left, x.commP));
});

test("bad piece lists are refused, naming the piece and the sizes", () => {
  const a = byName.get("A")!;
  const b = byName.get("B")!;
  assert.throws(() => commDFromPieces(2048, [a, { size: 384, commP: a.commP }]), /piece 1 padded size 384 is not a power of two/);
  assert.throws(() => commDFromPieces(2048, [{ size: 64, commP: a.commP }]), /piece 0 padded size 64 is below the 128-byte minimum/);
  assert.throws(
    () => commDFromPieces(2048, [a, { size: 2048, commP: a.commP }]),
    /piece 1 \(padded size 2048\) does not fit: it would occupy 2048 … 4096 .* sector is 2048 bytes/,
  );
  assert.throws(() => commDFromPieces(1024, [b, b, a]), /piece 2 \(padded size 128\) does not fit/);
  assert.throws(() => commDFromPieces(1000, []), /sector size 1000 is not a power of two/);
  assert.throws(() => commDFromPieces(2048, [{ size: 128, commP: new Uint8Array(31) }]), /piece 0 commP must be 32 bytes/);
});
