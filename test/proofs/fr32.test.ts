import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { fr32Pad, fr32PadInto, fr32PadStream, fr32Unpad } from "../../src/proofs/fr32.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

const vec = loadVector("commp.json");

// Reference straight from spec §4: payload bit 254c+k → bit k of node c, bit by bit.
function referencePad(u: Uint8Array): Uint8Array {
  const out = new Uint8Array((u.length / 127) * 128);
  for (let b = 0; b < u.length / 127; b++)
    for (let j = 0; j < 1016; j++) {
      const bit = (u[b * 127 + (j >> 3)]! >> (j & 7)) & 1;
      const c = Math.floor(j / 254);
      const k = j % 254;
      out[b * 128 + c * 32 + (k >> 3)]! |= bit << (k & 7);
    }
  return out;
}

test("fr32_examples pad byte-exactly and unpad back", () => {
  for (const ex of vec.fr32_examples) {
    const padded = fr32Pad(hex(ex.unpadded_hex));
    assert.equal(toHex(padded), ex.padded_hex, ex.name);
    assert.equal(toHex(fr32Unpad(padded)), ex.unpadded_hex, ex.name);
  }
});

test("random payloads match the bit-by-bit definition and round-trip", () => {
  for (const blocks of [1, 2, 3, 17]) {
    const u = randomBytes(127 * blocks);
    const padded = fr32Pad(u);
    assert.deepEqual(padded, referencePad(u));
    for (let i = 31; i < padded.length; i += 32) assert.equal(padded[i]! & 0xc0, 0, "top bits clear");
    assert.deepEqual(Buffer.from(fr32Unpad(padded)), u);
  }
});

test("fr32PadInto works at unaligned offsets inside bigger buffers", () => {
  const u = randomBytes(3 + 127 * 2);
  const dst = new Uint8Array(5 + 256 + 7).fill(0xaa);
  fr32PadInto(u, 3, dst, 5, 2);
  assert.deepEqual(dst.subarray(5, 261), referencePad(u.subarray(3)));
  assert.equal(dst[4], 0xaa);
  assert.equal(dst[261], 0xaa);
});

test("fr32Pad rejects a length that is not whole blocks, naming it", () => {
  assert.throws(() => fr32Pad(new Uint8Array(128)), /multiple of 127 bytes, got 128/);
  assert.throws(() => fr32Unpad(new Uint8Array(127)), /multiple of 128 bytes, got 127/);
});

test("fr32PadStream pads any length in chunks, zero-filling the last block", async () => {
  const u = randomBytes(127 * 10 + 50);
  const parts = [u.subarray(0, 1), u.subarray(1, 400), u.subarray(400, 1000), u.subarray(1000)];
  const out: Uint8Array[] = [];
  for await (const c of fr32PadStream(parts, 3)) out.push(c);
  assert.deepEqual(out.map((c) => c.length), [384, 384, 384, 256]);
  const whole = new Uint8Array(127 * 11);
  whole.set(u);
  assert.deepEqual(Buffer.concat(out), Buffer.from(referencePad(whole)));
});

test("the aligned fast path and the unaligned path give the same bytes", () => {
  const u = randomBytes(127 * 5);
  const aligned = new Uint8Array(640);
  const unaligned = new Uint8Array(641);
  fr32PadInto(u, 0, aligned, 0, 5);
  fr32PadInto(u, 0, unaligned, 1, 5);
  assert.deepEqual(unaligned.subarray(1), aligned);
  assert.deepEqual(aligned, referencePad(u));
});
