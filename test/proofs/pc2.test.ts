import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { TreeShape } from "../../src/filecoin/sizes.js";
import { readPAux, readTAux } from "../../src/proofs/aux-files.js";
import { FR_MODULUS, frFromLE, frToLE } from "../../src/proofs/fr.js";
import { runPc2Files } from "../../src/proofs/pc2.js";
import { buildShapedTree, treeCFile, treeRLastFile, treeRLastFileElements } from "../../src/proofs/poseidon-tree.js";
import { poseidonHash } from "../../src/proofs/poseidon.js";
import { LAYER_FILE } from "../../src/proofs/sdr-labels.js";
import { tempDir } from "../helpers/tmp.js";
import { toHex } from "../helpers/vectors.js";

/** n canonical field elements (top two bits cleared), deterministic per label. */
function elements(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    out.set(createHash("sha256").update(`${label}/${i}`).digest(), i * 32);
    out[i * 32 + 31]! &= 0x3f;
  }
  return out;
}
const at = (b: Uint8Array, i: number): Uint8Array => b.subarray(i * 32, i * 32 + 32);

const cases: Array<[string, number, number, TreeShape, number[]]> = [
  ["8-0-0, 4096 nodes, 2 layers", 4096, 2, { base: 8, sub: 0, top: 0 }, [8, 64, 512]],
  ["8-2-0, 1024 nodes, 2 layers", 1024, 2, { base: 8, sub: 2, top: 0 }, [8, 512]],
  ["8-8-0, 4096 nodes, 11 layers", 4096, 11, { base: 8, sub: 8, top: 0 }, [64]],
  ["8-8-2, 1024 nodes, 2 layers", 1024, 2, { base: 8, sub: 8, top: 2 }, [8, 64]],
];

for (const [name, nodes, layers, shape, chunks] of cases) {
  test(`pc2 ${name}: files and roots equal the trees built in memory, for every chunk size`, async (t) => {
    const dir = await tempDir(t);
    const labels = Array.from({ length: layers }, (_, l) => elements(`layer${l}`, nodes));
    for (let l = 0; l < layers; l++) await writeFile(join(dir, LAYER_FILE(l + 1)), labels[l]!);
    const data = elements("data", nodes);
    const staged = join(dir, "staged");
    await writeFile(staged, data);
    const sealedFile = join(dir, "sealed");

    // Expected, the slow way: one Poseidon per column, BigInt replica, whole trees in memory.
    const columns = new Uint8Array(nodes * 32);
    const replica = new Uint8Array(nodes * 32);
    for (let v = 0; v < nodes; v++) {
      columns.set(poseidonHash(labels.map((layer) => at(layer, v))), v * 32);
      replica.set(frToLE((frFromLE(at(data, v)) + frFromLE(at(labels[layers - 1]!, v))) % FR_MODULUS), v * 32);
    }
    const treeC = buildShapedTree(columns, shape);
    const treeR = buildShapedTree(replica, shape);
    const count = treeC.baseTrees.length;
    const keep = treeRLastFileElements(nodes / count) * 32;

    for (const chunkNodes of chunks) {
      const out = await runPc2Files({ nodes, layers, shape, chunkNodes, cacheDir: dir, stagedFile: staged, sealedFile });
      const what = `chunk ${chunkNodes}`;
      assert.equal(toHex(out.commC), toHex(treeC.root), what);
      assert.equal(toHex(out.commRLast), toHex(treeR.root), what);
      assert.equal(toHex(out.commR), toHex(poseidonHash([treeC.root, treeR.root])), what);
      assert.deepEqual(new Uint8Array(await readFile(sealedFile)), replica, what);
      for (let k = 0; k < count; k++) {
        assert.deepEqual(new Uint8Array(await readFile(join(dir, treeCFile(k, count)))), treeC.baseTrees[k], `${what} tree-c ${k}`);
        const r = treeR.baseTrees[k]!;
        assert.deepEqual(new Uint8Array(await readFile(join(dir, treeRLastFile(k, count)))), r.subarray(r.length - keep), `${what} tree-r-last ${k}`);
      }
      const paux = await readPAux(dir);
      assert.deepEqual([toHex(paux.commC), toHex(paux.commRLast)], [toHex(treeC.root), toHex(treeR.root)]);
      assert.equal((await readTAux(dir)).labels.length, layers);
    }
    assert.ok((await readdir(dir)).every((f) => !f.endsWith(".tmp")), "no temp files left");
  });
}

test("pc2 names a short layer file and leaves no output behind", async (t) => {
  const dir = await tempDir(t);
  const shape: TreeShape = { base: 8, sub: 0, top: 0 };
  await writeFile(join(dir, LAYER_FILE(1)), elements("a", 64));
  await writeFile(join(dir, LAYER_FILE(2)), elements("b", 63));
  await writeFile(join(dir, "staged"), elements("c", 64));
  await assert.rejects(
    runPc2Files({ nodes: 64, layers: 2, shape, cacheDir: dir, stagedFile: join(dir, "staged"), sealedFile: join(dir, "sealed") }),
    (e: Error) => e.message.includes(LAYER_FILE(2)) && e.message.includes("2016 bytes"),
  );
  assert.deepEqual((await readdir(dir)).sort(), [LAYER_FILE(1), LAYER_FILE(2), "staged"].sort());
});
