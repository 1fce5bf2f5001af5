import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { commDFromPieces } from "../../src/proofs/commd.js";
import { commPFromBytes } from "../../src/proofs/commp.js";
import { fr32Pad, fr32Unpad } from "../../src/proofs/fr32.js";
import { addPieces, pieceAlignment, stagePayload } from "../../src/proofs/piece-layout.js";
import { buildTreeD, TREE_D_FILE } from "../../src/proofs/tree-d.js";
import { zeroCommitment } from "../../src/proofs/zero-commitments.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";
import { tempDir } from "../helpers/tmp.js";

const vec = loadVector("commp.json");

function labelStream(label: string, n: number): Uint8Array {
  const parts: Buffer[] = [];
  for (let i = 0; parts.length * 32 < n; i++) parts.push(createHash("sha256").update(`${label}${i}`).digest());
  return Uint8Array.from(Buffer.concat(parts).subarray(0, n));
}

test("pieceAlignment follows get_piece_alignment", () => {
  assert.deepEqual(pieceAlignment(0, 127), { left: 0, right: 0 });
  assert.deepEqual(pieceAlignment(0, 50), { left: 0, right: 77 });
  assert.deepEqual(pieceAlignment(127, 508), { left: 381, right: 0 });
  assert.deepEqual(pieceAlignment(1016, 254), { left: 0, right: 0 });
  assert.deepEqual(pieceAlignment(127, 300), { left: 381, right: 208 });
  assert.deepEqual(pieceAlignment(0, 0), { left: 0, right: 127 });
});

test("addPieces lays A, B, C out as the vector says; CommD and tree_d match", async (t) => {
  const dir = await tempDir(t);
  const staged = join(dir, "staged");
  const a = hex(vec.pieces[0].unpadded_hex);
  const bFile = join(dir, "piece-b");
  await writeFile(bFile, labelStream("piece-b", 508));
  async function* cStream(): AsyncGenerator<Uint8Array> {
    const c = labelStream("piece-c", 254);
    yield c.subarray(0, 100);
    yield c.subarray(100);
  }
  const added = await addPieces(staged, 2048, [{ source: a }, { source: bFile }, { source: cStream(), pieceSize: 256 }]);
  const cfp = vec.commd_from_pieces;
  assert.deepEqual(added.map((p) => [p.offset, p.size, toHex(p.commP), p.payloadSize]), [
    [0, 128, cfp.pieces[0].root_hex, 127],
    [512, 512, cfp.pieces[1].root_hex, 508],
    [1024, 256, cfp.pieces[2].root_hex, 254],
  ]);
  const file = new Uint8Array(await readFile(staged));
  assert.equal(file.length, 2048);
  assert.deepEqual(file.subarray(0, 128), fr32Pad(a));
  assert.ok(file.subarray(128, 512).every((x) => x === 0));
  assert.deepEqual(fr32Unpad(file.subarray(512, 1024)), labelStream("piece-b", 508));
  assert.ok(file.subarray(1280).every((x) => x === 0));
  const commD = commDFromPieces(2048, added);
  assert.equal(toHex(commD), cfp.cases[0].comm_d_hex);
  assert.equal(toHex(await buildTreeD(staged, dir, 2048)), cfp.cases[0].comm_d_hex);
  const treeSha = createHash("sha256").update(await readFile(join(dir, TREE_D_FILE))).digest("hex");
  assert.equal(treeSha, vec.tree_d_files[1].file_sha256);
  assert.deepEqual((await readdir(dir)).sort(), ["piece-b", TREE_D_FILE, "staged"].sort(), "no temp files left");
});

test("deal piece sizes, zero pieces and short data match commDFromPieces over random layouts", async (t) => {
  const dir = await tempDir(t);
  const staged = join(dir, "staged");
  const data = randomBytes(300);
  const added = await addPieces(staged, 8192, [
    { source: data.subarray(0, 10) },
    { source: null, pieceSize: 256 },
    { source: data, pieceSize: 1024 },
    { source: data.subarray(0, 200) },
  ]);
  assert.deepEqual(added.map((p) => [p.offset, p.size]), [[0, 128], [256, 256], [1024, 1024], [2048, 256]]);
  assert.deepEqual(added[1]!.commP, zeroCommitment(256));
  assert.deepEqual(added[2]!.commP, commPFromBytes(data, 1024).commP);
  assert.deepEqual(await buildTreeD(staged, dir, 8192), commDFromPieces(8192, added));
});

test("addPieces refuses what does not fit before writing anything", async (t) => {
  const dir = await tempDir(t);
  const staged = join(dir, "staged");
  await assert.rejects(
    addPieces(staged, 2048, [{ source: new Uint8Array(100) }, { source: new Uint8Array(2000) }]),
    /piece 1 \(padded size 2048\) does not fit: it would occupy 2048 … 4096 of a 2048-byte sector/,
  );
  await assert.rejects(addPieces(staged, 2048, [{ source: new Uint8Array(300), pieceSize: 256 }]), /piece 0: 300 payload bytes exceed the 254 a 256-byte piece holds/);
  await assert.rejects(addPieces(staged, 2048, [{ source: null }]), /piece 0: a zero piece needs pieceSize/);
  await assert.rejects(addPieces(staged, 2048, [{ source: join(dir, "nope") }]), /no such file: .*nope/);
  async function* tooMuch(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(200);
    yield new Uint8Array(100);
  }
  await assert.rejects(addPieces(staged, 2048, [{ source: tooMuch(), pieceSize: 256 }]), /more than 254 payload bytes \(got 300\)/);
  assert.deepEqual(await readdir(dir), [], "nothing half-written");
});

test("stagePayload pads a raw payload and zero-fills; too long is an error naming the sizes", async (t) => {
  const dir = await tempDir(t);
  const input = join(dir, "in");
  const out = join(dir, "staged");
  const payload = randomBytes(1000);
  await writeFile(input, payload);
  assert.deepEqual(await stagePayload(input, out, 2048), { payloadSize: 1000 });
  const file = new Uint8Array(await readFile(out));
  assert.equal(file.length, 2048);
  const full = new Uint8Array(2032);
  full.set(payload);
  assert.deepEqual(file, fr32Pad(full));
  // the staged payload is one piece at offset 0: tree_d root = its CommP in a sector-size piece
  assert.deepEqual(await buildTreeD(out, dir, 2048), commPFromBytes(payload, 2048).commP);

  await writeFile(input, new Uint8Array(0));
  await stagePayload(input, out, 2048);
  assert.equal((await stat(out)).size, 2048);
  assert.ok(new Uint8Array(await readFile(out)).every((x) => x === 0));

  await writeFile(input, new Uint8Array(2033));
  await assert.rejects(stagePayload(input, out, 2048), /input .*in is 2033 bytes, longer than the 2032 payload bytes a 2048-byte sector holds/);
});

test("an empty piece file is refused before anything is written", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "empty"), "");
  await assert.rejects(addPieces(join(dir, "staged"), 2048, [{ source: join(dir, "empty"), pieceSize: 128 }]), /piece 0: empty data; use a zero piece/);
  assert.deepEqual(await readdir(dir), ["empty"]);
});
