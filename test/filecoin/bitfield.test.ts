import { test } from "node:test";
import assert from "node:assert/strict";
import { BitField } from "../../src/filecoin/bitfield.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

const v = loadVector("cbor-bitfield.json");

/** Packs bits LSB first and drops trailing zero bytes, as RLE+ does (test-side, independent of the module). */
function pack(bits: number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => (out[i >> 3]! |= b << (i & 7)));
  let len = out.length;
  while (len > 0 && out[len - 1] === 0) len--; // zero padding is implicit
  return out.subarray(0, len);
}
const byteBits = (b: number): number[] => Array.from({ length: 8 }, (_, k) => (b >> k) & 1);
const longRun = (varint: number[]): number[] => [0, 0, ...varint.flatMap(byteBits)];

test("go-bitfield reference encoding (TestDecode)", () => {
  const p = v.rleplus_public;
  const bf = BitField.fromSet(p.set);
  assert.equal(toHex(bf.encode()), p.encoded_hex);
  assert.deepEqual(BitField.decode(hex(p.encoded_hex)).toArray(), p.set);
  assert.deepEqual(bf.runs(), p.lotus_json_runs);
  assert.ok(BitField.fromRuns(p.lotus_json_runs).equals(bf));
});

test("derived encodings and run lists", () => {
  for (const c of v.rleplus_derived) {
    const bf = BitField.fromSet(c.set);
    assert.equal(toHex(bf.encode()), c.encoded_hex, JSON.stringify(c.set));
    assert.deepEqual(BitField.decode(hex(c.encoded_hex)).toArray(), c.set);
    assert.deepEqual(bf.runs(), c.lotus_json_runs);
    assert.ok(BitField.fromLotusJson(c.lotus_json_runs).equals(bf));
  }
});

test("Lotus JSON: go-bitfield writes [0] for the empty set and accepts [] and [0]", () => {
  assert.deepEqual(BitField.EMPTY.toLotusJson(), [0]);
  assert.deepEqual(BitField.fromSet([5]).toLotusJson(), [5, 1]);
  assert.ok(BitField.fromLotusJson([]).isEmpty());
  assert.ok(BitField.fromLotusJson([0]).isEmpty());
  assert.deepEqual(BitField.fromLotusJson([0, 3, 5, 2]).toArray(), [0, 1, 2, 8, 9]);
  assert.deepEqual(BitField.fromLotusJson([2, 1, 7]).toArray(), [2], "a trailing absent run is dropped");
  assert.throws(() => BitField.fromLotusJson([1, 0, 2]), /run 1 has length 0/);
  assert.throws(() => BitField.fromLotusJson([1.5]), /must be a non-negative safe integer/);
  assert.throws(() => BitField.fromLotusJson("[1]"), /must be an array/);
});

test("strict decoder", () => {
  assert.throws(() => BitField.decode(hex("0c00")), /trailing zero byte/);
  assert.throws(() => BitField.decode(hex("01")), /invalid version 1/);
  assert.throws(() => BitField.decode(hex("0e")), /invalid version 2/);
  // one run whose varint has a 10th byte above 1: more than 64 bits
  assert.throws(() => BitField.decode(pack([0, 0, 0, ...longRun([...Array(9).fill(0xff), 0x02])])), /overflows u64/);
  // 2^63 absent then 2^63 present: total 2^64 overflows u64
  const twoPow63 = [...Array(9).fill(0x80), 0x01];
  assert.throws(() => BitField.decode(pack([0, 0, 0, ...longRun(twoPow63), ...longRun(twoPow63)])), /total length overflows u64/);
  // valid u64 RLE+ that reaches beyond 2^53
  const twoPow53 = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10];
  assert.throws(() => BitField.decode(pack([0, 0, 0, ...longRun(twoPow53), 1, 1])), /beyond 2\^53/);
  // varint 0x80 0x00 is a non-minimal zero
  assert.throws(() => BitField.decode(pack([0, 0, 0, 1, ...longRun([0x80, 0x00]), 1])), /non-minimal/);
  // an explicit short zero-length run followed by more bits
  assert.throws(() => BitField.decode(pack([0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1])), /after the terminating run/);
  assert.ok(BitField.decode(new Uint8Array(0)).isEmpty());
});

test("decoder accepts non-minimal run forms go-bitfield accepts", () => {
  // {5} with run 5 written long-form (00 + byte 5) and run 1 written short-form (01 1000)
  const bytes = pack([0, 0, 0, ...longRun([5]), 0, 1, 1, 0, 0, 0]);
  assert.deepEqual(BitField.decode(bytes).toArray(), [5]);
});

test("large runs encode as varints", () => {
  const bf = BitField.fromRange(1_000_000, 5_000_000).union(BitField.fromSet([2 ** 40]));
  const back = BitField.decode(bf.encode());
  assert.ok(back.equals(bf));
  assert.equal(back.size, 5_000_001);
  assert.equal(back.first(), 1_000_000);
  assert.equal(back.last(), 2 ** 40);
  assert.ok(back.has(5_999_999) && !back.has(6_000_000) && back.has(2 ** 40));
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomSet(r: () => number): number[] {
  const out = new Set<number>();
  const n = Math.floor(r() * 60);
  let pos = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const run = 1 + Math.floor(r() * (r() < 0.2 ? 200 : 5));
    for (let k = 0; k < run; k++) out.add(pos + k);
    pos += run + 1 + Math.floor(r() * (r() < 0.2 ? 100 : 4));
  }
  return [...out].sort((a, b) => a - b);
}

test("round trips and set operations on random sets", () => {
  const r = rng(42);
  for (let iter = 0; iter < 300; iter++) {
    const a = randomSet(r);
    const b = randomSet(r);
    const A = BitField.fromSet(a);
    const B = BitField.fromSet(b);
    assert.deepEqual(BitField.decode(A.encode()).toArray(), a);
    assert.deepEqual(BitField.fromRuns(A.runs()).toArray(), a);
    assert.equal(A.size, a.length);
    const sb = new Set(b);
    const sa = new Set(a);
    assert.deepEqual(A.union(B).toArray(), [...new Set([...a, ...b])].sort((x, y) => x - y));
    assert.deepEqual(A.intersect(B).toArray(), a.filter((x) => sb.has(x)));
    assert.deepEqual(A.subtract(B).toArray(), a.filter((x) => !sb.has(x)));
    assert.deepEqual(A.take(3).toArray(), a.slice(0, 3));
    for (let k = 0; k < 20; k++) {
      const x = Math.floor(r() * 400);
      assert.equal(A.has(x), sa.has(x));
    }
    const enc = A.encode();
    if (enc.length > 0) assert.notEqual(enc[enc.length - 1], 0, "no trailing zero byte");
  }
});
