import assert from "node:assert/strict";
import { test } from "node:test";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import {
  cidToCommD,
  cidToCommR,
  commDToCid,
  commRToCid,
  FR_MODULUS,
  paddedPieceSizeFor,
  parsePieceCid,
  pieceCidV1,
  pieceCidV2,
} from "../../src/filecoin/cid.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

const commp = loadVector("commp.json");
const seal = loadVector("seal-2k.json");

const commRs = (): { cid: string; hex: string }[] => {
  const found: { cid: string; hex: string }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.comm_r === "string" && typeof o.comm_r_hex === "string" && o.comm_r.startsWith("bagboea"))
        found.push({ cid: o.comm_r, hex: o.comm_r_hex });
      Object.values(o).forEach(walk);
    }
  };
  walk(seal);
  return found;
};

test("PieceCID v1 of every piece and CommD vector encodes and decodes byte-exactly", () => {
  const all = [
    ...commp.pieces.map((p: { root_hex: string; piece_cid: string }) => [p.root_hex, p.piece_cid]),
    ...commp.commd_from_pieces.pieces.map((p: { root_hex: string; piece_cid: string }) => [p.root_hex, p.piece_cid]),
    ...commp.commd_from_pieces.cases.map((c: { comm_d_hex: string; comm_d: string }) => [c.comm_d_hex, c.comm_d]),
  ] as [string, string][];
  for (const [rootHex, cid] of all) {
    const c = commDToCid(hex(rootHex));
    assert.equal(c.toString(), cid);
    assert.equal(c.bytes.length, 39);
    assert.equal(toHex(c.bytes.subarray(0, 7)), "0181e203922020");
    assert.equal(toHex(cidToCommD(cid)), rootHex);
    assert.equal(toHex(cidToCommD(c)), rootHex);
  }
});

test("CommR CIDs of the 2KiB seal vectors encode and decode byte-exactly", () => {
  const rs = commRs();
  assert.ok(rs.length >= 2);
  for (const { cid, hex: h } of rs) {
    const c = commRToCid(hex(h));
    assert.equal(c.toString(), cid);
    assert.equal(c.bytes.length, 40);
    assert.equal(toHex(c.bytes.subarray(0, 8)), "0182e20381e80220");
    assert.equal(toHex(cidToCommR(cid)), h);
  }
});

test("decoders name the CID and what they expected", () => {
  const commD = commp.pieces[0].piece_cid as string;
  const commR = commRs()[0]!.cid;
  assert.throws(() => cidToCommD(commR), (e: Error) => e.message.includes(commR) && /expected 0xf101/.test(e.message));
  assert.throws(() => cidToCommR(commD), (e: Error) => e.message.includes(commD) && /expected 0xf102/.test(e.message));
  assert.throws(() => cidToCommD("not-a-cid"), /"not-a-cid" is not a CID/);
  // right codec, wrong multihash
  const wrongMh = CID.createV1(0xf101, Digest.create(0x12, new Uint8Array(32))).toString();
  assert.throws(() => cidToCommD(wrongMh), /multihash 0x12; expected 0x1012/);
  // right codes, 31-byte digest
  const short = CID.createV1(0xf101, Digest.create(0x1012, new Uint8Array(31))).toString();
  assert.throws(() => cidToCommD(short), /31-byte digest; expected 32/);
  // top bits set
  const top = new Uint8Array(32);
  top[31] = 0x80;
  const topCid = CID.createV1(0xf101, Digest.create(0x1012, top)).toString();
  assert.throws(() => cidToCommD(topCid), /top bits/);
  assert.throws(() => commDToCid(top), /top bits/);
  // CommR ≥ p
  const p = new Uint8Array(32);
  let v = FR_MODULUS;
  for (let i = 0; i < 32; i++, v >>= 8n) p[i] = Number(v & 0xffn);
  const pCid = CID.createV1(0xf102, Digest.create(0xb401, p)).toString();
  assert.throws(() => cidToCommR(pCid), /not a canonical BLS12-381 field element/);
  assert.throws(() => commRToCid(p), /not a canonical/);
  p[0] = 0; // p − 1 is canonical
  assert.doesNotThrow(() => commRToCid(p));
  assert.throws(() => commDToCid(new Uint8Array(31)), /32 bytes, got 31/);
});

test("PieceCID v2 (FRC-0069) encodes, parses, and converts to v1", () => {
  const v = commp.piece_cid_v2;
  const root = hex(commp.pieces[0].root_hex);
  const c2 = pieceCidV2(root, v.payload_size);
  assert.equal(c2.toString(), v.piece_cid_v2);
  assert.equal(toHex(c2.multihash.bytes), v.multihash_hex);
  const parsed = parsePieceCid(v.piece_cid_v2);
  assert.deepEqual(parsed, { root, version: 2, paddedSize: v.padded_size, payloadSize: v.payload_size });
  assert.equal(pieceCidV1(v.piece_cid_v2).toString(), v.piece_cid_v1);
  assert.deepEqual(parsePieceCid(v.piece_cid_v1), { root, version: 1 });
  const commR = commRs()[0]!.cid;
  assert.throws(() => parsePieceCid(commR), /neither a PieceCID v1 .* nor a PieceCID v2/);
});

test("paddedPieceSizeFor picks the smallest 127·2^k that holds the payload", () => {
  assert.equal(paddedPieceSizeFor(1), 128);
  assert.equal(paddedPieceSizeFor(127), 128);
  assert.equal(paddedPieceSizeFor(128), 256);
  assert.equal(paddedPieceSizeFor(2032), 2048);
  assert.equal(paddedPieceSizeFor(2033), 4096);
});
