import assert from "node:assert/strict";
import { test } from "node:test";
import { CID } from "multiformats/cid";
import { z } from "zod";
import {
  AddressString,
  Base64Bytes,
  BigIntString,
  BitFieldJson,
  Bytes32Array,
  CidJson,
  Epoch,
  NullableCidJson,
  SafeInt,
  TipSetKeyJson,
  Uint,
} from "../../src/api/codecs.js";
import { decodeParams, encodeParams, formatIssues, method } from "../../src/api/define.js";
import { AddressProtocol, formatAddress } from "../../src/filecoin/address.js";
import { BitField } from "../../src/filecoin/bitfield.js";
import { commRToCid } from "../../src/filecoin/cid.js";

const PIECE = "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq";
const V0 = "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n";

/** Every issue message of a failed decode, with its path. */
function decodeError(schema: z.ZodType, json: unknown): string {
  const r = z.safeDecode(schema, json as never);
  assert.equal(r.success, false, `expected ${JSON.stringify(json)} to be rejected`);
  return formatIssues("v", r.error!);
}

function roundTrip<S extends z.ZodType>(schema: S, json: unknown, value: z.output<S>): void {
  assert.deepEqual(z.decode(schema, json as never), value);
  assert.deepEqual(z.encode(schema, value), json);
}

test("SafeInt, Uint, Epoch accept safe integers and reject, never round, anything else", () => {
  for (const v of [0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1)]) assert.equal(z.decode(SafeInt, v), v);
  for (const v of [2 ** 53, -(2 ** 53), 1e300, Infinity, NaN, 1.5, "1", null, Number("12345678901234567890")]) {
    assert.match(decodeError(SafeInt, v), /^v: /);
  }
  assert.equal(z.decode(Uint, 2 ** 53 - 1), 2 ** 53 - 1);
  assert.match(decodeError(Uint, -1), /non-negative/);
  assert.equal(z.decode(Epoch, -5), -5);
  assert.throws(() => z.encode(SafeInt, 2 ** 53));
});

test("Base64Bytes: standard padded base64 both ways", () => {
  roundTrip(Base64Bytes, "", new Uint8Array());
  roundTrip(Base64Bytes, "AQID", new Uint8Array([1, 2, 3]));
  roundTrip(Base64Bytes, "AQ==", new Uint8Array([1]));
  roundTrip(Base64Bytes, "+/8=", new Uint8Array([0xfb, 0xff]));
  const big = new Uint8Array(1000).map((_, i) => i * 7);
  assert.deepEqual(z.decode(Base64Bytes, z.encode(Base64Bytes, big)), big);
  // A subarray view must encode only its own bytes.
  assert.equal(z.encode(Base64Bytes, big.subarray(1, 4)), Buffer.from(big.subarray(1, 4)).toString("base64"));
  const decoded = z.decode(Base64Bytes, "AQID");
  assert.equal(Object.getPrototypeOf(decoded), Uint8Array.prototype, "a plain Uint8Array, not a pooled Buffer");
  for (const bad of ["AQ", "AQ=", "A", "-_8=", "AQID\n", "AQ==AQ==", "@@@@"]) {
    assert.match(decodeError(Base64Bytes, bad), /v: expected standard base64 with padding/);
  }
  assert.match(decodeError(Base64Bytes, 5), /v: expected base64 string/);
  assert.match(decodeError(Base64Bytes, null), /v: expected base64 string/);
  assert.throws(() => z.encode(Base64Bytes, "AQID" as never));
});

test("Bytes32Array: exactly 32 integers 0-255", () => {
  const b = new Uint8Array(32).map((_, i) => 255 - i);
  roundTrip(Bytes32Array, Array.from(b), b);
  assert.match(decodeError(Bytes32Array, Array(31).fill(0)), /v: expected exactly 32 bytes/);
  assert.match(decodeError(Bytes32Array, Array(33).fill(0)), /v: expected exactly 32 bytes/);
  assert.match(decodeError(Bytes32Array, [...Array(31).fill(0), 256]), /v\[31\]: /);
  assert.match(decodeError(Bytes32Array, [...Array(31).fill(0), -1]), /v\[31\]: /);
  assert.match(decodeError(Bytes32Array, [...Array(31).fill(0), 1.5]), /v\[31\]: /);
  assert.match(decodeError(Bytes32Array, Buffer.alloc(32).toString("base64")), /v: expected an array of 32 bytes/);
  assert.throws(() => z.encode(Bytes32Array, new Uint8Array(31)), /32-byte/);
});

test("BigIntString: decimal strings with optional minus", () => {
  roundTrip(BigIntString, "0", 0n);
  roundTrip(BigIntString, "-12", -12n);
  const huge = 2n ** 255n + 7n;
  roundTrip(BigIntString, huge.toString(), huge);
  assert.equal(z.decode(BigIntString, "007"), 7n);
  for (const bad of ["", "-", "1.5", "1e3", "0x10", " 1", "+1", "1".repeat(400)]) {
    assert.match(decodeError(BigIntString, bad), /v: expected a decimal integer string/);
  }
  assert.match(decodeError(BigIntString, 12), /v: expected a decimal integer string/);
  assert.throws(() => z.encode(BigIntString, 12 as never));
});

test("CidJson and NullableCidJson", () => {
  const c = CID.parse(PIECE);
  roundTrip(CidJson, { "/": PIECE }, c);
  roundTrip(CidJson, { "/": V0 }, CID.parse(V0));
  const commR = commRToCid(new Uint8Array(32).fill(3));
  roundTrip(CidJson, { "/": commR.toString() }, commR);
  assert.equal(z.decode(CidJson, { "/": PIECE, extra: 1 } as never).toString(), PIECE);
  for (const bad of [PIECE, null, [], { "/": 5 }, { cid: PIECE }]) {
    assert.equal(decodeError(CidJson, bad), 'v: expected {"/": cid}');
  }
  assert.match(decodeError(CidJson, { "/": "bnotacid" }), /^v: expected \{"\/": cid\}: /);
  assert.match(decodeError(CidJson, { "/": "" }), /^v: expected \{"\/": cid\}/);
  roundTrip(NullableCidJson, null, null);
  roundTrip(NullableCidJson, { "/": PIECE }, c);
  assert.throws(() => z.encode(CidJson, PIECE as never), /expected CID/);
});

test("TipSetKeyJson: null and [] are the head", () => {
  const a = CID.parse(PIECE);
  const b = commRToCid(new Uint8Array(32).fill(9));
  roundTrip(TipSetKeyJson, [{ "/": PIECE }, { "/": b.toString() }], [a, b]);
  roundTrip(TipSetKeyJson, [], []);
  assert.deepEqual(z.decode(TipSetKeyJson, null), []);
  assert.match(decodeError(TipSetKeyJson, [{ "/": PIECE }, "x"]), /^v\[1\]: expected \{"\/": cid\}/);
  assert.match(decodeError(TipSetKeyJson, { "/": PIECE }), /^v: expected a tipset key/);
});

test("BitFieldJson: Lotus run arrays", () => {
  roundTrip(BitFieldJson, [5, 1], BitField.fromSet([5]));
  roundTrip(BitFieldJson, [0, 3, 2, 1], BitField.fromSet([0, 1, 2, 5]));
  roundTrip(BitFieldJson, [0], BitField.EMPTY);
  assert.equal(z.decode(BitFieldJson, []).size, 0);
  assert.equal(z.decode(BitFieldJson, null).size, 0);
  assert.deepEqual([...z.decode(BitFieldJson, [2, 2, 3])], [2, 3], "a trailing absent run is dropped");
  assert.match(decodeError(BitFieldJson, [1, 0, 1]), /^v: expected a bitfield run array: run 1 has length 0/);
  assert.match(decodeError(BitFieldJson, [1, -1]), /^v\[1\]: /);
  assert.match(decodeError(BitFieldJson, [1, 2 ** 53]), /^v\[1\]: /);
  assert.match(decodeError(BitFieldJson, [2 ** 52, 2 ** 52]), /^v: expected a bitfield run array/);
  assert.match(decodeError(BitFieldJson, "AQ=="), /^v: expected a bitfield run array/);
  assert.throws(() => z.encode(BitFieldJson, [1, 2] as never), /expected BitField/);
});

test("AddressString: checked text both ways", () => {
  const secp = formatAddress({ protocol: AddressProtocol.Secp256k1, payload: new Uint8Array(20).fill(1) }, "t");
  for (const a of ["t01000", "f00", secp]) roundTrip(AddressString, a, a);
  for (const bad of ["", "x01000", "t0", "t0abc", secp.slice(0, -1) + (secp.endsWith("a") ? "b" : "a")]) {
    assert.match(decodeError(AddressString, bad), /^v: invalid address/);
  }
  assert.match(decodeError(AddressString, 1000), /^v: expected an address string/);
  assert.throws(() => z.encode(AddressString, "t0x"), /invalid address/);
});

test("decodeParams names the param and nested field; counts params with an optional tail", () => {
  const Sector = z.object({ Number: Uint, SealedCID: CidJson });
  const def = method([AddressString, z.object({ Sectors: z.array(Sector) }), TipSetKeyJson], z.null(), "read", { optionalTail: 1 });
  const good = decodeParams(def, ["t01000", { Sectors: [{ Number: 1, SealedCID: { "/": PIECE } }] }]);
  assert.ok(good.ok);
  assert.deepEqual(good.value[2], [], "an omitted TSK decodes from null as the head");
  const bad = decodeParams(def, ["t01000", { Sectors: [{ Number: 1, SealedCID: "x" }] }, null]);
  assert.deepEqual(bad, { ok: false, message: 'params[1].Sectors[0].SealedCID: expected {"/": cid}' });
  const missing = decodeParams(def, ["t01000", { Sectors: [{ SealedCID: { "/": PIECE } }] }]);
  assert.ok(!missing.ok);
  assert.match(missing.message, /^params\[1\]\.Sectors\[0\]\.Number: /);
  assert.deepEqual(decodeParams(def, ["t01000"]), { ok: false, message: "wrong param count: got 1, expected 2 to 3" });
  assert.deepEqual(decodeParams(def, ["t01000", { Sectors: [] }, null, 1]), {
    ok: false,
    message: "wrong param count: got 4, expected 2 to 3",
  });
  const enc = encodeParams(def, ["t01000", { Sectors: [] }, undefined]);
  assert.deepEqual(enc, { ok: true, value: ["t01000", { Sectors: [] }] });
  const nonId = method([z.object({ "a-b": z.string() })], z.null(), "read");
  assert.deepEqual(decodeParams(nonId, [{ "a-b": 1 }]), {
    ok: false,
    message: 'params[0]["a-b"]: Invalid input: expected string, received number',
  });
});
