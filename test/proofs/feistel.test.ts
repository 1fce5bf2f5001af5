import assert from "node:assert/strict";
import { test } from "node:test";
import { blake2b } from "@noble/hashes/blake2.js";
import { FeistelPermutation, feistelHalfBits, feistelRound } from "../../src/proofs/feistel.js";
import { hex, loadVector } from "../helpers/vectors.js";
import { feistelKeys } from "../../src/proofs/sdr-graph.js";

test("half width: smallest h with 4^h ≥ N", () => {
  assert.equal(feistelHalfBits(4), 1);
  assert.equal(feistelHalfBits(5), 2);
  assert.equal(feistelHalfBits(8 * 64), 5); // 2KiB: domain 4^5 = 2N
  assert.equal(feistelHalfBits(8 * 2 ** 18), 11); // 8MiB
  assert.equal(feistelHalfBits(8 * 2 ** 30), 17); // 32GiB: 4^17 = 2N
  assert.equal(feistelHalfBits(8 * 2 ** 31), 17); // 64GiB: 4^17 = N
});

test("round function: first 8 bytes of blake2b512(u64be(R) ‖ u64be(k)), big-endian, masked", () => {
  const key = 0xe6bc235a18fab58fn;
  for (const [r, h] of [[0, 5], [31, 5], [1000, 11], [65535, 17]] as const) {
    const msg = new Uint8Array(16);
    new DataView(msg.buffer).setBigUint64(0, BigInt(r));
    new DataView(msg.buffer).setBigUint64(8, key);
    const d = blake2b(msg, { dkLen: 64 });
    const want = new DataView(d.buffer).getBigUint64(0, false) & ((1n << BigInt(h)) - 1n);
    assert.equal(BigInt(feistelRound(r, key, h)), want);
  }
});

test("permute is a bijection on [0, n) and invertPermute undoes it (powers of 4 and not)", () => {
  for (const n of [4, 5, 6, 8, 12, 17, 64, 512, 1000, 4096]) {
    const f = new FeistelPermutation(n, [1n, 2n, 3n, 4n]);
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const p = f.permute(i);
      assert.ok(p >= 0 && p < n, `n=${n}: ${i} → ${p}`);
      seen[p]!++;
      assert.equal(f.invertPermute(p), i);
      assert.equal(f.decode(f.encode(i)), i);
    }
    assert.ok(seen.every((c) => c === 1), `n=${n} is a permutation`);
  }
});

test("expander parents of the vectors: permute(8v + i) div 8 with the porep_id's keys", () => {
  const { entries } = loadVector("parent-cache.json") as {
    entries: { nodes: number; porep_id_hex: string; derived: { parents_by_node: Record<string, number[]> } }[];
  };
  for (const e of entries) {
    const f = new FeistelPermutation(8 * e.nodes, feistelKeys(hex(e.porep_id_hex)));
    for (const [v, parents] of Object.entries(e.derived.parents_by_node))
      for (let i = 0; i < 8; i++) assert.equal(Math.floor(f.permute(8 * Number(v) + i) / 8), parents[6 + i]);
  }
});

test("too few keys or a bad domain are refused", () => {
  assert.throws(() => new FeistelPermutation(64, [1n, 2n]), /needs 3 keys, got 2/);
  assert.throws(() => new FeistelPermutation(0, [1n, 2n, 3n]), /domain size 0/);
});
