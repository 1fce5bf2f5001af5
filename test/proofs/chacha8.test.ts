import assert from "node:assert/strict";
import { test } from "node:test";
import { chacha8 } from "@noble/ciphers/chacha.js";
import { ChaCha8Rng, chachaBlock, chachaKey } from "../../src/proofs/chacha8.js";
import { drgSeed } from "../../src/proofs/sdr-graph.js";
import { hex, toHex } from "../helpers/vectors.js";

const words = (w: Uint32Array): string => toHex(new Uint8Array(w.buffer, w.byteOffset, w.byteLength));

test("20-round block of the zero key is RFC 7539 A.1 vector #1 (the block function is ChaCha)", () => {
  const out = new Uint32Array(16);
  chachaBlock(new Uint32Array(8), 0, 0, out, 0, 20);
  assert.equal(
    words(out),
    "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7" +
      "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
  );
});

test("ChaCha8 keystream equals @noble/ciphers chacha8 with a zero nonce (counter from 0)", () => {
  for (const seed of [new Uint8Array(32), Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1)]) {
    const ref = chacha8(seed, new Uint8Array(12), new Uint8Array(256));
    assert.equal(toHex(new ChaCha8Rng(seed).fillBytes(256)), toHex(ref));
    const key = chachaKey(seed);
    const blk = new Uint32Array(16);
    chachaBlock(key, 3, 0, blk);
    assert.equal(words(blk), toHex(ref.subarray(192, 256)));
  }
});

test("u64 outputs read 8 keystream bytes little-endian, as rand_chacha's next_u64", () => {
  const seed = new Uint8Array(32);
  seed.set(drgSeed(hex("05".padEnd(64, "0"))));
  new DataView(seed.buffer).setUint32(28, 10, true); // node 10's generator
  const bytes = new ChaCha8Rng(seed).fillBytes(80);
  const rng = new ChaCha8Rng(seed);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < 10; i++) assert.equal(rng.nextU64(), dv.getBigUint64(8 * i, true));
});

test("seed length is checked", () => {
  assert.throws(() => new ChaCha8Rng(new Uint8Array(28)), /seed must be 32 bytes, got 28/);
});
