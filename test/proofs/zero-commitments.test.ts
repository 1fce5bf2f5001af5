import assert from "node:assert/strict";
import { test } from "node:test";
import { zeroCommitment, zeroPieceCid } from "../../src/proofs/zero-commitments.js";
import { loadVector, toHex } from "../helpers/vectors.js";

const vec = loadVector("zero-commitments.json");

test("every level 2^5 … 2^63 matches zero-commitments.json, as number and bigint", () => {
  assert.equal(vec.levels.length, 59);
  for (const lv of vec.levels) {
    const size = BigInt(lv.padded_size);
    assert.equal(toHex(zeroCommitment(size)), lv.root_hex, `2^${lv.log2_padded_size}`);
    assert.equal(toHex(zeroCommitment(Number(size))), lv.root_hex, `2^${lv.log2_padded_size} as number`);
    if (lv.piece_cid_v1) assert.equal(zeroPieceCid(size).toString(), lv.piece_cid_v1);
  }
});

test("sector_sizes are the zero commitments of the sector sizes", () => {
  const sizes: Record<string, number> = {
    "128B": 128, "2KiB": 2048, "8MiB": 8 << 20, "512MiB": 512 << 20, "32GiB": 32 * 2 ** 30, "64GiB": 64 * 2 ** 30,
  };
  for (const [name, root] of Object.entries(vec.sector_sizes)) assert.equal(toHex(zeroCommitment(sizes[name]!)), root, name);
});

test("sizes that are not powers of two in 32 … 2^63 are refused, naming the size", () => {
  assert.throws(() => zeroCommitment(96), /96 is not a power of two/);
  assert.throws(() => zeroCommitment(16), /16 is outside 32/);
  assert.throws(() => zeroCommitment(2n ** 64n), /outside 32/);
  assert.throws(() => zeroCommitment(0), /not a power of two/);
  assert.throws(() => zeroPieceCid(64), /below the 128-byte minimum/);
});

test("returned roots are copies: changing one does not change the table", () => {
  const z = zeroCommitment(128);
  z[0] ^= 1;
  assert.equal(toHex(zeroCommitment(128)), vec.levels[2].root_hex);
});
