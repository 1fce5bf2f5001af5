import { test } from "node:test";
import assert from "node:assert/strict";
import { CID } from "multiformats/cid";
import {
  decodeCbor,
  encodeCbor,
  readBool,
  readBytes,
  readCid,
  readInt,
  readNullable,
  readTuple,
  readUint,
} from "../../src/filecoin/cbor.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

const seal = loadVector("seal-2k.json").cases.find((c: { name: string }) => c.name === "2k-v1_1-random");

test("scalars encode as cbor-gen does", () => {
  assert.equal(toHex(encodeCbor(0)), "00");
  assert.equal(toHex(encodeCbor(23)), "17");
  assert.equal(toHex(encodeCbor(24)), "1818");
  assert.equal(toHex(encodeCbor(1000)), "1903e8");
  assert.equal(toHex(encodeCbor(-1)), "20");
  assert.equal(toHex(encodeCbor(-1000)), "3903e7");
  assert.equal(toHex(encodeCbor(2n ** 64n - 1n)), "1bffffffffffffffff");
  assert.equal(toHex(encodeCbor(null)), "f6");
  assert.equal(toHex(encodeCbor(true)), "f5");
  assert.equal(toHex(encodeCbor(false)), "f4");
  assert.equal(toHex(encodeCbor(new Uint8Array(0))), "40");
  assert.equal(toHex(encodeCbor([])), "80");
  assert.throws(() => encodeCbor(1.5), /not a safe integer/);
  assert.throws(() => encodeCbor(2n ** 64n), /does not fit 64 bits/);
  assert.throws(() => encodeCbor([undefined as unknown as null]), /undefined/);
});

test("CIDs are tag 42 around 00 ‖ CID bytes and decode back", () => {
  const commD = CID.parse(seal.comm_d);
  const bytes = encodeCbor([commD]);
  assert.equal(toHex(bytes), "81d82a582800" + toHex(commD.bytes));
  const back = readCid(readTuple(decodeCbor(bytes), 1, "t")[0], "t[0]");
  assert.ok(back.equals(commD));
  assert.equal(back.toString(), seal.comm_d);
  // tag 42 without the 00 prefix is refused
  assert.throws(() => decodeCbor(hex("d82a5827" + toHex(commD.bytes))), /tag 42 must wrap a byte string starting with 00/);
});

test("strict decoding", () => {
  assert.throws(() => decodeCbor(hex("1817")), /minimal|strict|integer/i, "non-minimal integer");
  assert.throws(() => decodeCbor(hex("9f01ff")), /indefinite/i);
  assert.throws(() => decodeCbor(hex("f7")), /undefined/i);
  assert.throws(() => decodeCbor(hex("0000")), /too many|extra|end|remain/i);
});

test("readers name the field", () => {
  const t = readTuple(decodeCbor(hex("8501f5f642010221")), 5, "P");
  assert.equal(readUint(t[0], "P.A"), 1);
  assert.equal(readBool(t[1], "P.B"), true);
  assert.equal(readNullable(t[2], "P.C", readCid), null);
  assert.deepEqual(readBytes(t[3], "P.D"), hex("0102"));
  assert.equal(readInt(t[4], "P.E"), -2);
  assert.throws(() => readUint(t[4], "P.E"), /P.E: expected an unsigned integer, got -2/);
  assert.throws(() => readTuple(t, 4, "P"), /P: expected a tuple of 4 fields, got 5/);
  assert.throws(() => readBytes(t[0], "P.A"), /P.A: expected a byte string, got number/);
  assert.throws(() => readInt(2n ** 60n, "P.X"), /exceeds 2\^53/);
});
