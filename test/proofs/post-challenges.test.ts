// PoSt challenge derivation against vectors/challenges.json post_derived (spec/filecoin.md §14).
// post_derived has no public source: computed from the formulas of rust-fil-proofs storage-proofs-post fallback/vanilla.rs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { hex, loadVector } from "../helpers/vectors.js";
import { postLeafChallenges, postRandomness, winningSectorIndexes } from "../../src/proofs/post-challenges.js";

const p = loadVector("challenges.json").post_derived;
const randomness = hex(p.randomness_hex);
const nodes = p.sector_size / 32;

test("postRandomness clears the top two bits of byte 31 and copies", () => {
  const r = new Uint8Array(32).fill(0xff);
  const m = postRandomness(r);
  assert.equal(m[31], 0x3f);
  assert.equal(m[30], 0xff);
  assert.equal(r[31], 0xff, "input untouched");
  assert.deepEqual(postRandomness(randomness), randomness, "the vector's randomness is already masked");
  assert.throws(() => postRandomness(new Uint8Array(31)), /32/);
});

test("window V1_1: 10 leaf challenges of sector 42", () => {
  assert.deepEqual(postLeafChallenges({ randomness, sectorNumber: 42, nodes, count: 10 }), p.window_v1_1_sector42_leaf_challenges);
  assert.deepEqual(postLeafChallenges({ randomness, sectorNumber: 42n, nodes, count: 10 }), p.window_v1_1_sector42_leaf_challenges);
});

test("winning: sector choice among 5 eligible and 66 leaf challenges of sector 42", () => {
  const proverId = hex(p.winning_prover_id_hex);
  assert.deepEqual(winningSectorIndexes(proverId, randomness, 5), [p.winning_sector_index_of_5_eligible]);
  assert.deepEqual(postLeafChallenges({ randomness, sectorNumber: 42, nodes, count: 66 }), p.winning_sector42_leaf_challenges_66);
  assert.throws(() => winningSectorIndexes(proverId, randomness, 0), /eligibleCount/);
});

test("winning sector index is u64le(sha256(prover_id || r || u64le(i))[0..8]) mod eligible", () => {
  const proverId = hex(p.winning_prover_id_hex);
  const eligible = 1_000_003;
  const got = winningSectorIndexes(proverId, randomness, eligible, 3);
  const want = [0, 1, 2].map((i) => {
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(BigInt(i));
    const h = createHash("sha256").update(proverId).update(randomness).update(n).digest();
    return Number(h.readBigUInt64LE(0) % BigInt(eligible));
  });
  assert.deepEqual(got, want);
});

test("retired window V1 indexes leaf challenges by sector position: ci = sectorIndex*count + i", () => {
  const all = postLeafChallenges({ randomness, sectorNumber: 42, nodes, count: 30 });
  assert.deepEqual(postLeafChallenges({ randomness, sectorNumber: 42, nodes, count: 10, legacyWindow: { sectorIndex: 2 } }), all.slice(20, 30));
  assert.deepEqual(postLeafChallenges({ randomness, sectorNumber: 42, nodes, count: 10, legacyWindow: { sectorIndex: 0 } }), all.slice(0, 10));
});

test("large sector numbers and node counts use full u64 arithmetic", () => {
  const sn = 2n ** 64n - 1n;
  const n = 2 ** 31;
  const snb = Buffer.alloc(8);
  snb.writeBigUInt64LE(sn);
  const want = [0, 1, 2, 3].map((ci) => {
    const c = Buffer.alloc(8);
    c.writeBigUInt64LE(BigInt(ci));
    return Number(createHash("sha256").update(randomness).update(snb).update(c).digest().readBigUInt64LE(0) % BigInt(n));
  });
  assert.deepEqual(postLeafChallenges({ randomness, sectorNumber: sn, nodes: n, count: 4 }), want);
  assert.throws(() => postLeafChallenges({ randomness, sectorNumber: 2n ** 64n, nodes, count: 1 }), /sectorNumber/);
  assert.throws(() => postLeafChallenges({ randomness, sectorNumber: -1, nodes, count: 1 }), /sectorNumber/);
});
