import { test } from "node:test";
import assert from "node:assert/strict";
import { porepId, proverId, replicaId, trunc254, uvarintDecode, uvarintEncode } from "../../src/filecoin/ids.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

test("uvarint encodes and decodes", () => {
  assert.equal(toHex(uvarintEncode(0)), "00");
  assert.equal(toHex(uvarintEncode(127)), "7f");
  assert.equal(toHex(uvarintEncode(128)), "8001");
  assert.equal(toHex(uvarintEncode(1000)), "e807");
  assert.equal(toHex(uvarintEncode((1n << 64n) - 1n)), "ffffffffffffffffff01");
  assert.deepEqual(uvarintDecode(hex("00e807"), 1), { value: 1000n, length: 2 });
  assert.deepEqual(uvarintDecode(hex("ffffffffffffffffff01")), { value: (1n << 64n) - 1n, length: 10 });
  assert.throws(() => uvarintDecode(hex("ffffffffffffffffff02")), /overflows u64/);
  assert.throws(() => uvarintDecode(hex("ffffffffffffffffffff01")), /overflows u64/);
  assert.throws(() => uvarintDecode(hex("80")), /truncated/);
  assert.throws(() => uvarintDecode(hex("8000")), /non-minimal/);
  assert.throws(() => uvarintEncode(-1), /outside/);
  assert.throws(() => uvarintEncode(1n << 64n), /outside/);
});

test("porep_id and prover_id from the vectors", () => {
  for (const e of loadVector("parent-cache.json").entries)
    assert.equal(toHex(porepId(e.registered_seal_proof)), e.porep_id_hex);
  for (const c of loadVector("seal-2k.json").cases) {
    assert.equal(toHex(porepId(c.proof)), c.porep_id_hex);
    assert.equal(toHex(proverId(c.miner)), c.prover_id_hex);
  }
  assert.equal(toHex(porepId(18, 1)).slice(0, 32), "12000000000000000100000000000000");
});

test("replica_id of the 2KiB seal vectors", () => {
  for (const c of loadVector("seal-2k.json").cases) {
    const r = replicaId({
      proverId: proverId(c.miner),
      sectorNumber: c.sector,
      ticket: hex(c.ticket_hex),
      commD: hex(c.comm_d_hex),
      porepId: porepId(c.proof),
    });
    assert.equal(toHex(r), c.replica_id, c.name);
  }
  assert.throws(
    () => replicaId({ proverId: new Uint8Array(31), sectorNumber: 1, ticket: new Uint8Array(32), commD: new Uint8Array(32), porepId: porepId(5) }),
    /proverId must be 32 bytes/,
  );
});

test("trunc254 clears the two top bits in place", () => {
  const d = new Uint8Array(32).fill(0xff);
  assert.equal(trunc254(d), d);
  assert.equal(d[31], 0x3f);
  assert.equal(d[30], 0xff);
});
