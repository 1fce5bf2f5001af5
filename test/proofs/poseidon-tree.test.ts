import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { TreeShape } from "../../src/filecoin/sizes.js";
import { poseidonHash } from "../../src/proofs/poseidon.js";
import {
  baseTreeElements,
  baseTreeRows,
  buildBaseTree,
  buildShapedTree,
  pathArities,
  readTreeCPath,
  readTreeRLastPath,
  rootFromPath,
  rowsToDiscard,
  shapedTreePath,
  treeCFile,
  treeRLastFile,
  treeRLastFileElements,
  type ShapedTree,
} from "../../src/proofs/poseidon-tree.js";
import { tempDir } from "../helpers/tmp.js";
import { toHex } from "../helpers/vectors.js";

const node = (i: number): Uint8Array => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(0, i * 2654435761 >>> 0, true);
  b[5] = i & 0xff;
  return b;
};
const leaves = (n: number): Uint8Array => {
  const out = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) out.set(node(i), i * 32);
  return out;
};
const at = (b: Uint8Array, i: number): Uint8Array => b.subarray(i * 32, i * 32 + 32);
const shape = (base: number, sub: number, top: number): TreeShape => ({ base, sub, top });

test("row counts, rows to discard and tree-r-last sizes follow merkletree's defaults", () => {
  assert.equal(baseTreeRows(64), 3);
  assert.equal(baseTreeElements(64), 73);
  assert.deepEqual([8, 64, 512, 4096, 2 ** 18, 2 ** 27].map(rowsToDiscard), [0, 1, 2, 2, 2, 2]);
  assert.equal(treeRLastFileElements(64), 1); // 2KiB keeps only the root
  assert.equal(treeRLastFileElements(2 ** 18), 585); // 8MiB
  assert.equal(treeRLastFileElements(2 ** 24), 37449); // 512MiB
  assert.equal(treeRLastFileElements(2 ** 27), 299593); // 32/64GiB per base tree
  assert.throws(() => baseTreeRows(16), /power of 8/);
});

test("a 64-leaf base tree equals Poseidon_8 applied by hand", () => {
  const l = leaves(64);
  const tree = buildBaseTree(l);
  assert.equal(tree.length, 73 * 32);
  assert.deepEqual(tree.subarray(0, 64 * 32), l);
  const row1 = Array.from({ length: 8 }, (_, g) => poseidonHash(Array.from({ length: 8 }, (_, j) => at(l, g * 8 + j))));
  for (let g = 0; g < 8; g++) assert.equal(toHex(at(tree, 64 + g)), toHex(row1[g]!));
  assert.equal(toHex(at(tree, 72)), toHex(poseidonHash(row1)));
});

test("shaped roots join base roots with Poseidon_8 and Poseidon_2", () => {
  const l = leaves(128);
  const base = (k: number, per: number): Uint8Array => {
    const t = buildBaseTree(l.subarray(k * per * 32, (k + 1) * per * 32));
    return t.subarray(t.length - 32);
  };
  const r820 = buildShapedTree(l, shape(8, 2, 0)).root;
  assert.equal(toHex(r820), toHex(poseidonHash([base(0, 64), base(1, 64)])));
  const r880 = buildShapedTree(l.subarray(0, 64 * 32), shape(8, 8, 0)).root;
  assert.equal(toHex(r880), toHex(poseidonHash(Array.from({ length: 8 }, (_, k) => base(k, 8)))));
  const r882 = buildShapedTree(l, shape(8, 8, 2)).root;
  const sub0 = poseidonHash(Array.from({ length: 8 }, (_, k) => base(k, 8)));
  const sub1 = poseidonHash(Array.from({ length: 8 }, (_, k) => base(8 + k, 8)));
  assert.equal(toHex(r882), toHex(poseidonHash([sub0, sub1])));
});

const cases: Array<[string, TreeShape, number, number[]]> = [
  ["8-0-0", shape(8, 0, 0), 64, [8, 8]],
  ["8-2-0", shape(8, 2, 0), 128, [8, 8, 2]],
  ["8-8-0", shape(8, 8, 0), 64, [8, 8]],
  ["8-8-2", shape(8, 8, 2), 128, [8, 8, 2]],
];

for (const [name, sh, n, arities] of cases) {
  test(`${name}: every path of ${n} leaves proves its index, a flipped sibling does not`, () => {
    const l = leaves(n);
    const tree = buildShapedTree(l, sh);
    assert.deepEqual(pathArities(n, sh), arities);
    for (let i = 0; i < n; i++) {
      const { leaf, path } = shapedTreePath(tree, i);
      assert.deepEqual(leaf, at(l, i));
      assert.deepEqual(path.map((lv) => lv.length), arities.map((a) => a - 1));
      assert.equal(toHex(rootFromPath(leaf, path, i, n, sh)!), toHex(tree.root), `index ${i}`);
    }
    const { leaf, path } = shapedTreePath(tree, 5);
    const bad = path.map((lv) => lv.map((s) => s.slice()));
    bad[arities.length - 1]![0]![0]! ^= 1;
    assert.notEqual(toHex(rootFromPath(leaf, bad, 5, n, sh)!), toHex(tree.root));
    assert.notEqual(toHex(rootFromPath(leaf, path, 6, n, sh)!), toHex(tree.root), "wrong index");
    assert.equal(rootFromPath(leaf, path.slice(1), 5, n, sh), null);
    assert.equal(rootFromPath(leaf, [path[0]!.slice(1), ...path.slice(1)], 5, n, sh), null);
  });
}

async function writeTreeFiles(dir: string, tree: ShapedTree, replica: Uint8Array): Promise<string> {
  const count = tree.baseTrees.length;
  const per = tree.nodes / count;
  const keep = treeRLastFileElements(per);
  for (let k = 0; k < count; k++) {
    await writeFile(join(dir, treeCFile(k, count)), tree.baseTrees[k]!);
    const r = buildBaseTree(replica.subarray(k * per * 32, (k + 1) * per * 32));
    await writeFile(join(dir, treeRLastFile(k, count)), r.subarray(r.length - keep * 32));
  }
  const sealed = join(dir, "sealed");
  await writeFile(sealed, replica);
  return sealed;
}

const fileCases: Array<[string, TreeShape, number]> = [
  ["8-0-0 2KiB", shape(8, 0, 0), 64],
  ["8-0-0 32KiB-sized", shape(8, 0, 0), 512],
  ["8-0-0 with a rebuilt subtree smaller than the base tree", shape(8, 0, 0), 4096],
  ["8-2-0", shape(8, 2, 0), 1024],
  ["8-8-2", shape(8, 8, 2), 128],
];
for (const [name, sh, n] of fileCases) {
  test(`${name}: tree-c and tree-r-last file paths equal in-memory paths`, async (t) => {
    const dir = await tempDir(t);
    await mkdir(dir, { recursive: true });
    const l = leaves(n);
    const tree = buildShapedTree(l, sh);
    const sealed = await writeTreeFiles(dir, tree, l);
    for (const i of [0, 1, 7, 8, 63, n - 1, Math.floor(n / 3), Math.floor((n * 5) / 7)]) {
      const want = shapedTreePath(tree, i);
      const c = await readTreeCPath(dir, n, sh, i);
      assert.deepEqual(c, want, `tree-c ${i}`);
      const r = await readTreeRLastPath(dir, sealed, n, sh, i);
      assert.deepEqual(r, want, `tree-r-last ${i}`);
    }
  });
}

test("a replica changed after PC2 is reported by readTreeRLastPath", async (t) => {
  const dir = await tempDir(t);
  const l = leaves(64);
  const tree = buildShapedTree(l, shape(8, 0, 0));
  const changed = l.slice();
  changed[3 * 32] ^= 1;
  const sealed = await writeTreeFiles(dir, tree, l);
  await writeFile(sealed, changed);
  await assert.rejects(readTreeRLastPath(dir, sealed, 64, shape(8, 0, 0), 3), /replica changed/);
  await writeFile(join(dir, treeCFile(0, 1)), new Uint8Array(10));
  await assert.rejects(readTreeCPath(dir, 64, shape(8, 0, 0), 3), /has 10 bytes/);
});
