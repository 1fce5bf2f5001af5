// Fr encoding and the native bulk add/sub (replica encoding) against BigInt (spec/filecoin.md §0).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { toHex } from "../helpers/vectors.js";
import {
  FR_MODULUS,
  frAddMany,
  frFromLE,
  frInv,
  frMul,
  frSubMany,
  frToLE,
  isCanonicalFr,
} from "../../src/proofs/fr.js";

const P = FR_MODULUS;

test("LE encoding: round trip, byte order, canonical check", () => {
  assert.equal(toHex(frToLE(1n)), "01" + "00".repeat(31));
  const pMinus1 = "00000000ffffffff fe5bfeff02a4bd53 05d8a10908d83933 487d9d2953a7ed73".replace(/ /g, "");
  assert.equal(toHex(frToLE(P - 1n)), pMinus1);
  for (const x of [0n, 1n, 255n, 256n, P - 1n, (1n << 254n) - 1n, 0x1234567890abcdefn << 100n])
    assert.equal(frFromLE(frToLE(x)), x);
  assert.ok(isCanonicalFr(frToLE(P - 1n)));
  const p = frToLE(P - 1n);
  p[0]! += 1;
  assert.ok(!isCanonicalFr(p));
  assert.ok(!isCanonicalFr(new Uint8Array(32).fill(0xff)));
  assert.ok(!isCanonicalFr(new Uint8Array(31)));
  assert.throws(() => frFromLE(p), /is not a canonical Fr element/);
  assert.throws(() => frFromLE(new Uint8Array(33)), /32 bytes, got 33/);
  assert.throws(() => frToLE(P), RangeError);
  assert.throws(() => frToLE(-1n), RangeError);
});

test("frInv", () => {
  for (const x of [1n, 2n, 3n, P - 1n, 0xdeadbeefn << 200n]) assert.equal(frMul(x, frInv(x)), 1n);
  assert.throws(() => frInv(0n), RangeError);
});

function values(n: number, seed: string): bigint[] {
  const edges = [0n, 1n, 2n, P - 1n, P - 2n, (P - 1n) / 2n, (P + 1n) / 2n, (1n << 254n) - 1n, 1n << 64n];
  return Array.from({ length: n }, (_, i) =>
    i < edges.length * 3 ? edges[(i * 7 + seed.length) % edges.length]! :
      BigInt("0x" + createHash("sha256").update(`${seed} ${i}`).digest("hex")) % P,
  );
}

const pack = (xs: bigint[]): Uint8Array => {
  const out = new Uint8Array(xs.length * 32);
  xs.forEach((x, i) => out.set(frToLE(x), i * 32));
  return out;
};

test("frAddMany / frSubMany match BigInt on 2,000 elements, near p included", () => {
  const n = 2000;
  const a = values(n, "a");
  const b = values(n, "bb");
  const ab = pack(a);
  const bb = pack(b);
  const sum = new Uint8Array(n * 32);
  const diff = new Uint8Array(n * 32);
  frAddMany(ab, bb, sum);
  frSubMany(ab, bb, diff);
  for (let i = 0; i < n; i++) {
    assert.equal(frFromLE(sum.subarray(i * 32, i * 32 + 32)), (a[i]! + b[i]!) % P, `sum ${i}`);
    assert.equal(frFromLE(diff.subarray(i * 32, i * 32 + 32)), (a[i]! - b[i]! + P) % P, `diff ${i}`);
  }
  // encoding then decoding in place gives the data back
  const data = ab.slice();
  frAddMany(data, bb, data);
  assert.deepEqual(data, sum);
  frSubMany(data, bb, data);
  assert.deepEqual(data, ab);
});

test("frAddMany / frSubMany refuse non-canonical elements and mismatched lengths", () => {
  const a = pack([1n, 2n, 3n]);
  const b = pack([4n, 5n, 6n]);
  b.fill(0xff, 64, 96);
  assert.throws(() => frAddMany(a, b, new Uint8Array(96)), /frAddMany: element 2 of b is not a canonical Fr/);
  assert.throws(() => frSubMany(b, a, new Uint8Array(96)), /frSubMany: element 2 of a is not a canonical Fr/);
  assert.throws(() => frAddMany(a, b.subarray(32), new Uint8Array(96)), /same length n×32 bytes/);
  assert.throws(() => frSubMany(a.subarray(1), a.subarray(1), new Uint8Array(95)), /same length n×32 bytes/);
});
