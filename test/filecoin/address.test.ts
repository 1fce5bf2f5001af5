import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addressBytes,
  addressFromBytes,
  addressId,
  formatAddress,
  formatIdAddress,
  idAddress,
  idAddressBytes,
  minerEntropy,
  parseAddress,
} from "../../src/filecoin/address.js";
import { hex, toHex } from "../helpers/vectors.js";

test("ID addresses: text, bytes and randomness entropy (spec §3, §15)", () => {
  assert.equal(toHex(idAddressBytes(1000)), "00e807");
  assert.equal(toHex(minerEntropy(1000)), "4300e807");
  assert.equal(formatIdAddress(1000, "t"), "t01000");
  assert.equal(formatIdAddress(0, "f"), "f00");
  const a = parseAddress("t01000");
  assert.equal(a.network, "t");
  assert.equal(a.protocol, 0);
  assert.equal(a.id, 1000);
  assert.equal(toHex(addressBytes(a)), "00e807");
  assert.equal(formatAddress(a, "f"), "f01000");
  assert.equal(addressId(addressFromBytes(hex("00e807"))), 1000);
  assert.equal(parseAddress("f09223372036854775807").protocol, 0);
  assert.throws(() => parseAddress("f09223372036854775808"), /below 2\^63/);
  assert.throws(() => parseAddress("x01000"), /network must be f or t/);
  assert.throws(() => parseAddress("t0"), /protocol/);
  assert.throws(() => parseAddress("t01a"), /decimal digits/);
  assert.throws(() => idAddress(-1), /outside/);
  assert.throws(() => addressFromBytes(hex("00e80700")), /invalid ID address bytes/);
});

test("delegated address of a known Ethereum account", () => {
  // f410f… ↔ 0x52963ef50e27e06d72d59fcb4f3c2a687be3cfef (lotus ethtypes tests)
  const text = "f410fkkld55ioe7qg24wvt7fu6pbknb56ht7pt4zamxa";
  const a = parseAddress(text);
  assert.equal(a.protocol, 4);
  assert.equal(toHex(addressBytes(a)), "040a52963ef50e27e06d72d59fcb4f3c2a687be3cfef");
  assert.equal(formatAddress(a, "f"), text);
  assert.equal(formatAddress(addressFromBytes(addressBytes(a)), "t"), "t" + text.slice(1));
  assert.throws(() => parseAddress("f410fkkld55ioe7qg24wvt7fu6pbknb56ht7pt4zbmxa"), /checksum mismatch/);
});

test("secp256k1, actor and BLS addresses round-trip with checksums", () => {
  for (const [protocol, len] of [
    [1, 20],
    [2, 20],
    [3, 48],
  ] as const) {
    const payload = Uint8Array.from({ length: len }, (_, i) => (i * 37 + protocol) & 0xff);
    const text = formatAddress({ protocol, payload }, "f");
    assert.ok(text.startsWith(`f${protocol}`));
    const back = parseAddress(text);
    assert.deepEqual([...back.payload], [...payload]);
    assert.deepEqual([...addressFromBytes(addressBytes(back)).payload], [...payload]);
    const flipped = text.slice(0, 5) + (text[5] === "a" ? "b" : "a") + text.slice(6);
    assert.throws(() => parseAddress(flipped), /checksum mismatch/);
  }
  assert.throws(() => addressFromBytes(hex("01" + "00".repeat(19))), /needs 20 payload bytes, got 19/);
  assert.throws(() => parseAddress("f1ABC"), /base32/);
});
