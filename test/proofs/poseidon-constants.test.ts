// Poseidon parameters against vectors/poseidon.json's debug values (spec/filecoin.md §9) and the optimized
// form against the plain definition.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { loadVector } from "../helpers/vectors.js";
import { FR_MODULUS, frMul } from "../../src/proofs/fr.js";
import {
  matInvert,
  matMul,
  optimizedPoseidonConstants,
  packedElementCount,
  packPoseidonConstants,
  poseidonConstants,
  poseidonRoundNumbers,
} from "../../src/proofs/poseidon-constants.js";
import { poseidonHashOptimizedReference, poseidonHashReference } from "../../src/proofs/poseidon-reference.js";

const v = loadVector("poseidon.json");

const randomFr = (seed: string): bigint =>
  BigInt("0x" + createHash("sha256").update(seed).digest("hex")) % FR_MODULUS;

test("round numbers: R_F = 8 and neptune's R_P (margin included) for every width it tests", () => {
  // neptune round_numbers.rs test_round_numbers_against_known_values: t → R_P
  const known: [number, number][] = [
    [2, 55], [3, 55], [4, 56], [5, 56], [6, 56], [7, 56], [8, 57], [9, 57], [10, 57], [11, 57], [12, 57],
    [13, 57], [14, 57], [15, 57], [16, 59], [17, 59], [25, 59], [37, 60], [65, 61],
  ];
  for (const [t, rp] of known) assert.deepEqual(poseidonRoundNumbers(t), [8, rp], `t=${t}`);
  for (const c of v.cases) {
    const k = poseidonConstants(c.arity);
    assert.equal(k.width, c.width);
    assert.equal(k.fullRounds, c.full_rounds);
    assert.equal(k.partialRounds, c.partial_rounds);
  }
  assert.equal(poseidonConstants(16).partialRounds, 59);
});

test("domain tag, round constants (Grain LFSR) and MDS entries match the vector", () => {
  for (const c of v.cases) {
    const k = poseidonConstants(c.arity);
    const d = c.derived;
    assert.equal(k.domainTag, BigInt(c.domain_tag), `arity ${c.arity} tag`);
    assert.equal(k.roundConstants.length, d.round_constant_count, `arity ${c.arity} count`);
    assert.deepEqual(k.roundConstants.slice(0, 3), d.round_constants_first3_decimal.map(BigInt), `arity ${c.arity}`);
    assert.equal(k.roundConstants.at(-1), BigInt(d.round_constants_last_decimal), `arity ${c.arity} last`);
    assert.equal(k.mds[0]![0], BigInt(d.mds_0_0_decimal), `arity ${c.arity} M[0][0]`);
    assert.equal(k.mds[0]![1], BigInt(d.mds_0_1_decimal), `arity ${c.arity} M[0][1]`);
    assert.ok(k.roundConstants.every((x) => x >= 0n && x < FR_MODULUS));
  }
});

test("MDS is the symmetric Cauchy matrix 1/(i + t + j) and invertible", () => {
  const k = poseidonConstants(4);
  for (let i = 0; i < 5; i++)
    for (let j = 0; j < 5; j++) {
      assert.equal(frMul(k.mds[i]![j]!, BigInt(i + 5 + j)), 1n);
      assert.equal(k.mds[i]![j], k.mds[j]![i]);
    }
  const id = matMul(k.mds, matInvert(k.mds));
  id.forEach((row, i) => row.forEach((x, j) => assert.equal(x, i === j ? 1n : 0n)));
});

test("optimized constants: sparse partial rounds compute the same hash as the definition", () => {
  for (const arity of [2, 4, 8, 11, 16]) {
    const o = optimizedPoseidonConstants(arity);
    const { width: t, fullRounds, partialRounds } = o.base;
    assert.equal(o.partialMatrices.length, partialRounds);
    assert.ok(o.partialMatrices.every((m) => m.row.length === t && m.col.length === t - 1));
    assert.equal(o.firstPost.length, fullRounds / 2);
    assert.equal(o.lastPost.length, fullRounds / 2 - 1);
    for (let i = 0; i < 5; i++) {
      const inputs = Array.from({ length: arity }, (_, j) => randomFr(`opt ${arity} ${i} ${j}`));
      assert.equal(poseidonHashOptimizedReference(inputs), poseidonHashReference(inputs), `arity ${arity} #${i}`);
    }
    const packed = packPoseidonConstants(o);
    assert.equal(packed.length, packedElementCount(t, fullRounds, partialRounds) * 32);
  }
});

test("unsupported arities are refused by name", () => {
  assert.throws(() => poseidonConstants(3), /arity 3 is not supported; use one of 2, 4, 8, 11, 16/);
});
