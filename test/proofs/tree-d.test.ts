import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { commPFromBytes } from "../../src/proofs/commp.js";
import { fr32Unpad } from "../../src/proofs/fr32.js";
import {
  buildTreeD,
  readCommDFromTreeD,
  readTreeDPath,
  TREE_D_FILE,
  treeDLevelOffsets,
  verifyTreeDPath,
  writeStaticTreeD,
} from "../../src/proofs/tree-d.js";
import { zeroCommitment } from "../../src/proofs/zero-commitments.js";
import { loadVector, toHex } from "../helpers/vectors.js";
import { tempDir } from "../helpers/tmp.js";

const vec = loadVector("commp.json").tree_d_files;
const sha = async (p: string): Promise<string> => createHash("sha256").update(await readFile(p)).digest("hex");

/** A valid staged sector: every node's top two bits clear. */
function randomStaged(size: number): Uint8Array {
  const b = randomBytes(size);
  for (let i = 31; i < size; i += 32) b[i]! &= 0x3f;
  return b;
}

test("level offsets: leaves first, root last", () => {
  assert.deepEqual(treeDLevelOffsets(4), [0, 128, 192]);
  const o = treeDLevelOffsets(64);
  assert.equal(o.length, 7);
  assert.equal(o[6], 4064 - 32);
  assert.throws(() => treeDLevelOffsets(48), /48 must be a power of two/);
});

test("zero 2KiB sector: static and built tree_d both match the vector file digest", async (t) => {
  const dir = await tempDir(t);
  const z = vec[0];
  assert.deepEqual(await writeStaticTreeD(2048, dir), zeroCommitment(2048));
  const path = join(dir, TREE_D_FILE);
  assert.equal((await stat(path)).size, z.file_size);
  assert.equal(await sha(path), z.file_sha256);
  assert.equal(toHex(await readCommDFromTreeD(path)), z.last_32_bytes_hex);

  const staged = join(dir, "staged");
  await writeFile(staged, new Uint8Array(2048));
  await rename(path, join(dir, "static"));
  assert.equal(toHex(await buildTreeD(staged, dir, 2048)), z.last_32_bytes_hex);
  assert.equal(await sha(path), z.file_sha256);
});

test("chunked building equals one-chunk building, and the root is the CommP of the sector", async (t) => {
  const dir = await tempDir(t);
  const size = 64 * 1024;
  const data = randomStaged(size);
  const staged = join(dir, "staged");
  await writeFile(staged, data);
  const root = await buildTreeD(staged, dir, size);
  const whole = await readFile(join(dir, TREE_D_FILE));
  for (const chunkLog2 of [6, 7, 10]) {
    assert.deepEqual(await buildTreeD(staged, dir, size, { chunkLog2 }), root);
    assert.deepEqual(await readFile(join(dir, TREE_D_FILE)), whole, `chunk 2^${chunkLog2}`);
  }
  assert.equal(whole.length, (2 * size / 32 - 1) * 32);
  assert.deepEqual(whole.subarray(0, size), Buffer.from(data));
  assert.deepEqual(root, commPFromBytes(fr32Unpad(data)).commP);
  assert.deepEqual(await readCommDFromTreeD(join(dir, TREE_D_FILE)), root);
});

test("paths from the file verify for every leaf; a changed node fails", async (t) => {
  const dir = await tempDir(t);
  const staged = join(dir, "staged");
  await writeFile(staged, randomStaged(2048));
  const root = await buildTreeD(staged, dir, 2048);
  const path = join(dir, TREE_D_FILE);
  for (let i = 0; i < 64; i++) {
    const { leaf, siblings } = await readTreeDPath(path, 64, i);
    assert.equal(siblings.length, 6);
    assert.ok(verifyTreeDPath(leaf, siblings, i, root), `leaf ${i}`);
    assert.equal(verifyTreeDPath(leaf, siblings, i ^ 1, root), false, `leaf ${i} at the wrong index`);
    const bad = siblings.map((s) => s.slice());
    bad[i % 6]![0]! ^= 1;
    assert.equal(verifyTreeDPath(leaf, bad, i, root), false);
  }
  assert.equal(verifyTreeDPath(new Uint8Array(32), [], 1, root), false);
  await assert.rejects(readTreeDPath(path, 64, 64), /leaf index 64 is outside 0 … 63/);
  await assert.rejects(readTreeDPath(path, 128, 0), /has 64 leaves, not 128/);
});

test("a staged file of the wrong size or missing is refused, naming it", async (t) => {
  const dir = await tempDir(t);
  const staged = join(dir, "staged");
  await writeFile(staged, new Uint8Array(1024));
  await assert.rejects(buildTreeD(staged, dir, 2048), /staged file .*staged is 1024 bytes; a 2048-byte sector needs exactly 2048/);
  await assert.rejects(buildTreeD(join(dir, "nope"), dir, 2048), /staged file .*nope does not exist/);
  await writeFile(join(dir, "short.dat"), new Uint8Array(100));
  await assert.rejects(readCommDFromTreeD(join(dir, "short.dat")), /is 100 bytes; expected \(2n−1\)·32/);
});
