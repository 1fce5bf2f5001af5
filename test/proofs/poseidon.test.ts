// Poseidon (neptune, Strength::Standard, HashType::MerkleTree) against vectors/poseidon.json, and the
// native addon against the BigInt reference (spec/filecoin.md §9).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { hex, loadVector, REPO_ROOT, toHex } from "../helpers/vectors.js";
import { FR_MODULUS, frFromLE, frToLE } from "../../src/proofs/fr.js";
import { poseidonHash, poseidonHashMany, type PoseidonArity } from "../../src/proofs/poseidon.js";
import { poseidonHashReference } from "../../src/proofs/poseidon-reference.js";

const v = loadVector("poseidon.json");

const limbsToLE = (limbs: string[]): Uint8Array => {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  limbs.forEach((l, i) => view.setBigUint64(i * 8, BigInt(l), true));
  return out;
};

test("vector: the field modulus", () => {
  assert.equal(FR_MODULUS, BigInt("0x" + v.field_modulus_hex));
});

test("vector: reference outputs for inputs 0..a−1 and 1..a (a = 2, 4, 8, 11)", () => {
  for (const c of v.cases) {
    const h = poseidonHashReference(c.input.map(BigInt));
    assert.equal(h, BigInt(c.expected_decimal), `arity ${c.arity}`);
    assert.equal(toHex(frToLE(h)), c.expected_le_hex, `arity ${c.arity}`);
    assert.equal(toHex(limbsToLE(c.expected_limbs_le)), c.expected_le_hex, `arity ${c.arity} limbs`);
    const h1 = poseidonHashReference(c.derived.input_1_to_arity.map(BigInt));
    assert.equal(toHex(frToLE(h1)), c.derived.output_for_1_to_arity_le_hex, `arity ${c.arity} 1..a`);
  }
});

test("vector: native outputs for inputs 0..a−1 and 1..a", () => {
  for (const c of v.cases) {
    const h = poseidonHash(c.input.map((x: string) => frToLE(BigInt(x))));
    assert.equal(toHex(h), c.expected_le_hex, `arity ${c.arity}`);
    const h1 = poseidonHash(c.derived.input_1_to_arity.map((x: string) => frToLE(BigInt(x))));
    assert.equal(toHex(h1), c.derived.output_for_1_to_arity_le_hex, `arity ${c.arity} 1..a`);
  }
});

// Deterministic inputs: random below p, plus edge values (0, 1, p − 1, p − 2, 2^254 − 1 as Fr32 nodes are).
function inputsFor(arity: number, i: number): bigint[] {
  const edges = [0n, 1n, FR_MODULUS - 1n, FR_MODULUS - 2n, (1n << 254n) - 1n];
  return Array.from({ length: arity }, (_, j) => {
    const r = BigInt("0x" + createHash("sha256").update(`poseidon ${arity} ${i} ${j}`).digest("hex"));
    return i % 4 === 1 ? edges[(i + j) % edges.length]! : r % FR_MODULUS;
  });
}

const ARITIES: PoseidonArity[] = [2, 4, 8, 11, 16];

test("native equals the BigInt reference on 200 inputs per arity (2, 4, 8, 11, 16)", () => {
  for (const arity of ARITIES) {
    const count = 200;
    const input = new Uint8Array(count * arity * 32);
    const expected: string[] = [];
    for (let i = 0; i < count; i++) {
      const xs = inputsFor(arity, i);
      xs.forEach((x, j) => input.set(frToLE(x), (i * arity + j) * 32));
      expected.push(toHex(frToLE(poseidonHashReference(xs))));
    }
    const out = new Uint8Array(count * 32);
    poseidonHashMany(arity, input, out);
    for (let i = 0; i < count; i++)
      assert.equal(toHex(out.subarray(i * 32, i * 32 + 32)), expected[i], `arity ${arity} #${i}`);
    // the single-hash path agrees with the batch path
    for (let i = 0; i < 10; i++) {
      const at = (j: number): number => (i * arity + j) * 32;
      const single = poseidonHash(Array.from({ length: arity }, (_, j) => input.slice(at(j), at(j) + 32)));
      assert.equal(toHex(single), expected[i], `arity ${arity} single #${i}`);
    }
  }
});

test("poseidonHashMany works on unaligned views and zero hashes", () => {
  const arity = 8;
  const backing = new Uint8Array(3 + 2 * arity * 32);
  const input = backing.subarray(3);
  for (let i = 0; i < 2 * arity; i++) input.set(frToLE(BigInt(i * 1000 + 7)), i * 32);
  const outBacking = new Uint8Array(5 + 64);
  const out = outBacking.subarray(5);
  poseidonHashMany(arity, input, out);
  for (let i = 0; i < 2; i++)
    assert.deepEqual(
      frFromLE(out.subarray(i * 32, i * 32 + 32)),
      poseidonHashReference(Array.from({ length: arity }, (_, j) => BigInt((i * arity + j) * 1000 + 7))),
    );
  poseidonHashMany(arity, new Uint8Array(0), new Uint8Array(0));
});

test("non-canonical inputs and bad shapes are refused, naming the input", () => {
  const p = frToLE(FR_MODULUS - 1n);
  p[0]! += 1; // p itself
  const ok = frToLE(5n);
  assert.throws(() => poseidonHash([ok, p]), /Poseidon input 1 is not a canonical Fr element/);
  assert.throws(() => poseidonHash([ok, new Uint8Array(31)]), /Poseidon input 1 is 31 bytes/);
  assert.throws(() => poseidonHash([ok, ok, ok]), /arity 3 is not supported/);
  const all1 = new Uint8Array(32).fill(0xff);
  const input = new Uint8Array(3 * 4 * 32);
  input.set(all1, (2 * 4 + 3) * 32);
  assert.throws(
    () => poseidonHashMany(4, input, new Uint8Array(3 * 32)),
    /input element 11 \(hash 2, position 3\) is not a canonical Fr element/,
  );
  assert.throws(() => poseidonHashMany(4, input, new Uint8Array(2 * 32)), /needs count×128 input bytes/);
  assert.throws(() => poseidonHashMany(4, input, new Uint8Array(33)), RangeError);
});

test("the addon loads and hashes inside a worker thread", async () => {
  // the worker registers tsx itself to import src/*.ts
  const url = pathToFileURL(join(REPO_ROOT, "src", "proofs", "poseidon.ts")).href;
  const code = `
    const { parentPort } = require("node:worker_threads");
    import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); }).then((m) => {
      const input = new Uint8Array(2 * 32); input[32] = 1;
      const out = new Uint8Array(32);
      m.poseidonHashMany(2, input, out);
      parentPort.postMessage(Buffer.from(out).toString("hex"));
    }, (e) => parentPort.postMessage("error: " + e.message));`;
  const worker = new Worker(code, { eval: true });
  const result = await new Promise<string>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  assert.equal(result, v.cases[0].expected_le_hex);
  assert.equal(toHex(poseidonHash([hex("00".repeat(32)), frToLE(1n)])), result);
});
