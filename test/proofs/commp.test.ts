import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { CommPHasher, commPFromBytes, commPFromFile } from "../../src/proofs/commp.js";
import { fr32Pad } from "../../src/proofs/fr32.js";
import { hashPair } from "../../src/proofs/node-hash.js";
import { zeroCommitment } from "../../src/proofs/zero-commitments.js";
import { commDToCid } from "../../src/filecoin/cid.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";
import { tempDir } from "../helpers/tmp.js";

const vec = loadVector("commp.json");
const TEXT = Buffer.from("i am the biggest cat, what do you think about that");

/** piece B / C data of commd_from_pieces: sha256(label ‖ decimal counter) concatenated, cut to `n` bytes. */
export function labelStream(label: string, n: number): Uint8Array {
  const parts: Buffer[] = [];
  for (let i = 0; parts.length * 32 < n; i++) parts.push(createHash("sha256").update(`${label}${i}`).digest());
  return Uint8Array.from(Buffer.concat(parts).subarray(0, n));
}

/** Spec §5.1 the slow way: zero-fill, pad, hash every level with hashPair. */
function referenceCommP(payload: Uint8Array, pieceSize?: number): Uint8Array {
  let padded = 128;
  while ((padded / 128) * 127 < payload.length) padded *= 2;
  padded = pieceSize ?? padded;
  const u = new Uint8Array((padded / 128) * 127);
  u.set(payload);
  let level: Uint8Array[] = [];
  const p = fr32Pad(u);
  for (let i = 0; i < p.length; i += 32) level.push(p.subarray(i, i + 32));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

const pieceBytes = (name: string): Uint8Array => {
  if (name === "text-127") return hex(vec.pieces[0].unpadded_hex);
  if (name === "text-508") return Uint8Array.from(Buffer.concat([TEXT, Buffer.alloc(458)]));
  if (name === "zero-127") return new Uint8Array(127);
  if (name === "zero-2032") return new Uint8Array(2032);
  throw new Error(name);
};

test("every piece of commp.json: root, piece size and PieceCID", () => {
  for (const p of vec.pieces) {
    const bytes = pieceBytes(p.name);
    assert.equal(bytes.length, p.unpadded_size);
    const r = commPFromBytes(bytes);
    assert.equal(toHex(r.commP), p.root_hex, p.name);
    assert.equal(r.pieceSize, p.padded_size, p.name);
    assert.equal(r.payloadSize, p.unpadded_size, p.name);
    assert.equal(commDToCid(r.commP).toString(), p.piece_cid, p.name);
  }
});

test("text-508 equals H(H(root(text-127), zero(128)), zero(256)) and the 50-byte text in a 512-byte piece", () => {
  const root127 = hex(vec.pieces[0].root_hex);
  const expected = hashPair(hashPair(root127, zeroCommitment(128)), zeroCommitment(256));
  assert.equal(toHex(expected), vec.pieces[1].root_hex);
  assert.equal(toHex(commPFromBytes(TEXT, 512).commP), vec.pieces[1].root_hex);
  // the 50-byte payload alone is the text-127 piece (payload zero-filled to 127 bytes)
  const r = commPFromBytes(TEXT);
  assert.equal(toHex(r.commP), vec.pieces[0].root_hex);
  assert.equal(r.pieceSize, 128);
  assert.equal(r.payloadSize, vec.piece_cid_v2.payload_size);
});

test("pieces B and C of commd_from_pieces", () => {
  const [, b, c] = vec.commd_from_pieces.pieces;
  assert.equal(toHex(commPFromBytes(labelStream("piece-b", 508)).commP), b.root_hex);
  assert.equal(toHex(commPFromBytes(labelStream("piece-c", 254)).commP), c.root_hex);
});

test("streaming in small chunks matches the reference at every chunk edge", () => {
  for (const chunkLog2 of [7, 8, 10]) {
    for (const n of [1, 126, 127, 128, 254, 255, 1016, 1017, 2032, 4064, 5000, 8128, 8129]) {
      const payload = randomBytes(n);
      const h = new CommPHasher({ chunkLog2 });
      for (let off = 0; off < n; off += 77) h.update(payload.subarray(off, off + 77));
      const r = h.digest();
      assert.equal(toHex(r.commP), toHex(referenceCommP(payload)), `chunk 2^${chunkLog2}, ${n} bytes`);
      assert.equal(r.payloadSize, n);
    }
  }
});

test("a bigger piece size than needed is the payload followed by zeros", () => {
  const payload = randomBytes(300);
  for (const chunkLog2 of [7, 9, 20]) {
    const r = new CommPHasher({ chunkLog2 }).update(payload).digest(4096);
    assert.equal(toHex(r.commP), toHex(referenceCommP(payload, 4096)));
    assert.equal(r.pieceSize, 4096);
  }
  assert.throws(() => commPFromBytes(payload, 256), /piece size 256 is too small for 300 payload bytes; needs at least 512/);
  assert.throws(() => commPFromBytes(payload, 1000), /1000 is not a power of two/);
});

test("empty payload is an error", () => {
  assert.throws(() => commPFromBytes(new Uint8Array(0)), /empty payload: nothing to commit/);
});

test("commPFromFile streams a file and names missing or empty files", async (t) => {
  const dir = await tempDir(t);
  const payload = randomBytes(3 * 127 * 8 + 5);
  const file = join(dir, "payload.bin");
  await writeFile(file, payload);
  const expected = toHex(referenceCommP(payload));
  assert.equal(toHex((await commPFromFile(file, { chunkLog2: 7 })).commP), expected);
  const r = await commPFromFile(file);
  assert.equal(toHex(r.commP), expected);
  assert.equal(r.payloadSize, payload.length);
  assert.equal(r.pieceSize, 4096);
  await writeFile(join(dir, "empty"), "");
  await assert.rejects(commPFromFile(join(dir, "empty")), /empty file: nothing to commit: .*empty/);
  await assert.rejects(commPFromFile(join(dir, "missing")), /no such file: .*missing/);
  await assert.rejects(commPFromFile(dir), /not a regular file/);
});

test("agrees with @web3-storage/data-segment (FRC-0069 reference) on random payloads", async () => {
  const { Piece } = await import("@web3-storage/data-segment");
  const { pieceCidV2 } = await import("../../src/filecoin/cid.js");
  for (const n of [127, 1000, 4064, 65_000, 300_000]) {
    const payload = randomBytes(n);
    const r = commPFromBytes(payload);
    const theirs = Piece.fromPayload(payload);
    assert.equal(toHex(r.commP), toHex(theirs.root), `${n} bytes`);
    assert.equal(pieceCidV2(r.commP, n).toString(), theirs.toString(), `${n} bytes v2 CID`);
  }
});
