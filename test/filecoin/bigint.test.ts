import { test } from "node:test";
import assert from "node:assert/strict";
import {
  bigIntFromBytes,
  bigIntToBytes,
  formatAttoFil,
  formatFil,
  parseAttoFil,
  parseFil,
} from "../../src/filecoin/bigint.js";
import { decodeCbor, encodeCbor, filBigInt, readFilBigInt, readInt, readTuple } from "../../src/filecoin/cbor.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

const v = loadVector("cbor-bitfield.json");

test("bigint_derived: payload bytes and their CBOR", () => {
  for (const c of v.bigint_derived) {
    const n = BigInt(c.value);
    assert.equal(toHex(bigIntToBytes(n)), c.payload_hex, c.value);
    assert.equal(bigIntFromBytes(hex(c.payload_hex)), n);
    assert.equal(toHex(encodeCbor(filBigInt(n))), c.cbor_hex, c.value);
    assert.equal(readFilBigInt(decodeCbor(hex(c.cbor_hex)), "x"), n);
  }
});

test("bigint_public: VestingFunds tail from go-state-types", () => {
  const value = [
    [1, filBigInt(3n)],
    [2, filBigInt(4n)],
  ];
  assert.equal(toHex(encodeCbor(value)), v.bigint_public.cbor_hex);
  const back = (decodeCbor(hex(v.bigint_public.cbor_hex)) as unknown[]).map((e, i) => {
    const t = readTuple(e, 2, `[${i}]`);
    return [readInt(t[0], "Epoch"), readFilBigInt(t[1], "Amount")];
  });
  assert.deepEqual(back, [
    [1, 3n],
    [2, 4n],
  ]);
});

test("bigint limits and bad sign bytes", () => {
  assert.equal(bigIntToBytes((1n << (8n * 127n)) - 1n).length, 128);
  assert.throws(() => bigIntToBytes(1n << (8n * 127n)), /exceeds the 128-byte limit/);
  assert.throws(() => bigIntFromBytes(hex("0201")), /sign byte must be 0 or 1, got 2/);
  assert.throws(() => bigIntFromBytes(new Uint8Array(129)), /exceeds 128/);
});

test("attoFIL and FIL text", () => {
  assert.equal(parseAttoFil("1000000000000000000"), 10n ** 18n);
  assert.equal(parseAttoFil("-5"), -5n);
  assert.throws(() => parseAttoFil("1.5"), /invalid attoFIL amount "1.5"/);
  assert.equal(formatAttoFil(123n), "123");
  assert.equal(parseFil("1.5"), 1_500_000_000_000_000_000n);
  assert.equal(parseFil("1.5 FIL"), 1_500_000_000_000_000_000n);
  assert.equal(parseFil("0.000000000000000001fil"), 1n);
  assert.equal(parseFil("1000 attoFIL"), 1000n);
  assert.equal(parseFil("-2"), -2n * 10n ** 18n);
  assert.throws(() => parseFil("0.0000000000000000001"), /more than 18 decimals/);
  assert.throws(() => parseFil("abc"), /invalid FIL amount "abc"/);
  assert.equal(formatFil(1_500_000_000_000_000_000n), "1.5 FIL");
  assert.equal(formatFil(0n), "0 FIL");
  assert.equal(formatFil(1n), "0.000000000000000001 FIL");
  assert.equal(formatFil(-25n * 10n ** 17n), "-2.5 FIL");
});
