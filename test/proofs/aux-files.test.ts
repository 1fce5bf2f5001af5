import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { sectorParams } from "../../src/filecoin/sizes.js";
import { decodeTAux, encodeTAux, readPAux, readTAux, writePAux, writeTAux } from "../../src/proofs/aux-files.js";
import { tempDir } from "../helpers/tmp.js";

const u64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};
const str = (s: string): Buffer => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
/** StoreConfig {path, id, size: Some(size), rows_to_discard} in bincode, written out field by field. */
const storeConfig = (path: string, id: string, size: number, rows: number): Buffer =>
  Buffer.concat([str(path), str(id), Buffer.of(1), u64(size), u64(rows)]);

test("p_aux is comm_c ‖ comm_r_last, 64 bytes", async (t) => {
  const dir = await tempDir(t);
  const c = new Uint8Array(32).fill(7);
  const r = new Uint8Array(32).fill(9);
  await writePAux(dir, c, r);
  const raw = new Uint8Array(await readFile(join(dir, "p_aux")));
  assert.equal(raw.length, 64);
  assert.deepEqual(raw.subarray(0, 32), c);
  assert.deepEqual(raw.subarray(32), r);
  assert.deepEqual(await readPAux(dir), { commC: c, commRLast: r });
  await writeFile(join(dir, "p_aux"), raw.subarray(0, 63));
  await assert.rejects(readPAux(dir), /p_aux has 63 bytes/);
});

test("t_aux for 2KiB is the bincode of the default store configs, byte for byte", async (t) => {
  const dir = await tempDir(t);
  const { nodes, layers, shape } = sectorParams(2048);
  await writeTAux(dir, nodes, layers, shape);
  const want = Buffer.concat([
    u64(2),
    storeConfig(dir, "layer-1", 64, 0),
    storeConfig(dir, "layer-2", 64, 0),
    storeConfig(dir, "tree-d", 127, 0),
    storeConfig(dir, "tree-r-last", 73, 1),
    storeConfig(dir, "tree-c", 73, 0),
  ]);
  assert.deepEqual(await readFile(join(dir, "t_aux")), want);
  assert.equal((await stat(join(dir, "t_aux"))).size, want.length);
});

test("t_aux round trip; paths are replaced by the actual cache dir; bad files are named", async (t) => {
  const dir = await tempDir(t);
  const { nodes, layers } = sectorParams(32 * 2 ** 30);
  const bytes = encodeTAux(decodeTAux(encodeTAux({
    labels: Array.from({ length: layers }, (_, i) => ({ path: "/old", id: `layer-${i + 1}`, size: nodes, rowsToDiscard: 0 })),
    treeD: { path: "/old", id: "tree-d", size: 2 * nodes - 1, rowsToDiscard: 0 },
    treeRLast: { path: "/old", id: "tree-r-last", size: 153391689, rowsToDiscard: 2 },
    treeC: { path: "/old", id: "tree-c", size: null, rowsToDiscard: 0 },
  })));
  await writeFile(join(dir, "t_aux"), bytes);
  const taux = await readTAux(dir);
  assert.equal(taux.labels.length, 11);
  assert.ok([...taux.labels, taux.treeD, taux.treeC, taux.treeRLast].every((c) => c.path === dir));
  assert.equal(taux.treeRLast.size, 153391689);
  assert.equal(taux.treeRLast.rowsToDiscard, 2);
  assert.equal(taux.treeC.size, null);

  await writeFile(join(dir, "t_aux"), bytes.subarray(0, bytes.length - 3));
  await assert.rejects(readTAux(dir), (e: Error) => e.message.includes(join(dir, "t_aux")) && /truncated/.test(e.message));
  await writeFile(join(dir, "t_aux"), Buffer.concat([bytes, Buffer.of(0)]));
  await assert.rejects(readTAux(dir), /trailing bytes/);
});

test("t_aux for 32GiB uses base-tree sizes and rows to discard 2", async (t) => {
  const dir = await tempDir(t);
  const { nodes, layers, shape } = sectorParams(32 * 2 ** 30);
  await writeTAux(dir, nodes, layers, shape);
  const taux = await readTAux(dir);
  assert.equal(taux.labels.length, 11);
  assert.equal(taux.treeD.size, 2 * nodes - 1);
  assert.equal(taux.treeC.size, 153391689);
  assert.equal(taux.treeRLast.size, 153391689);
  assert.equal(taux.treeRLast.rowsToDiscard, 2);
});
