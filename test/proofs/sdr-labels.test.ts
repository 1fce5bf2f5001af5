import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { porepId } from "../../src/filecoin/ids.js";
import { parentCacheFileName } from "../../src/proofs/parent-cache.js";
import { PARENT_COUNT, SdrGraph } from "../../src/proofs/sdr-graph.js";
import {
  LABEL_MESSAGE_BYTES,
  LAYER_FILE,
  computeLabel,
  generateLabels,
  generateLabelsInMemory,
} from "../../src/proofs/sdr-labels.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";
import { tempDir } from "../helpers/tmp.js";

interface Case {
  name: string;
  nodes: number;
  layers: number;
  api_version: string;
  replica_id_hex: string;
  porep_id_hex: string;
  expected_last_label_limbs_le: string[];
  expected_last_label_hex: string;
  derived: {
    layer1_node1_label_hex: string;
    layer1_last_label_hex: string;
    layer2_last_label_hex: string;
    layer_file_sha256: string[];
  };
}
const cases = (loadVector("sdr-labels.json") as { cases: Case[] }).cases;
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const versionOf = (c: Case) => (c.api_version.startsWith("V1_0") ? "1.0.0" : "1.1.0") as "1.0.0" | "1.1.0";
const node = (layer: Uint8Array, v: number): Uint8Array => layer.subarray(v * 32, v * 32 + 32);

test("layer file names and message size", () => {
  assert.equal(LAYER_FILE(1), "sc-02-data-layer-1.dat");
  assert.equal(LAYER_FILE(11), "sc-02-data-layer-11.dat");
  assert.equal(LABEL_MESSAGE_BYTES, 1248);
});

for (const c of cases) {
  const params = {
    replicaId: hex(c.replica_id_hex),
    porepId: hex(c.porep_id_hex),
    nodes: c.nodes,
    layers: c.layers,
    apiVersion: versionOf(c),
  };

  test(`${c.name}: published last label, per-layer digests`, () => {
    // the limbs are the same value as the hex (four u64le words)
    const limbs = c.expected_last_label_limbs_le.map((l) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(l));
      return b.toString("hex");
    });
    assert.equal(limbs.join(""), c.expected_last_label_hex);

    const layers = generateLabelsInMemory(params);
    assert.equal(layers.length, c.layers);
    assert.deepEqual(layers.map(sha256), c.derived.layer_file_sha256);
    assert.equal(toHex(node(layers[0]!, 1)), c.derived.layer1_node1_label_hex);
    assert.equal(toHex(node(layers[0]!, c.nodes - 1)), c.derived.layer1_last_label_hex);
    assert.equal(toHex(node(layers[1]!, c.nodes - 1)), c.derived.layer2_last_label_hex);
    assert.equal(toHex(node(layers[c.layers - 1]!, c.nodes - 1)), c.expected_last_label_hex);
  });

  test(`${c.name}: computeLabel agrees with the layer labeler`, () => {
    const layers = generateLabelsInMemory(params);
    const g = new SdrGraph(params.porepId, c.nodes, params.apiVersion);
    const p = new Uint32Array(PARENT_COUNT);
    const picks = [[1, 0], [1, 1], [2, 0], [c.layers, c.nodes - 1]];
    for (let i = 0; i < 40; i++) picks.push([1 + Math.floor(Math.random() * c.layers), Math.floor(Math.random() * c.nodes)]);
    for (const [layer, v] of picks as [number, number][]) {
      g.parents(v, p);
      const base = [...p.subarray(0, 6)].map((q) => node(layers[layer - 1]!, q));
      const exp = layer === 1 ? null : [...p.subarray(6)].map((q) => node(layers[layer - 2]!, q));
      assert.equal(
        toHex(computeLabel(params.replicaId, layer, v, base, exp)),
        toHex(node(layers[layer - 1]!, v)),
        `layer ${layer} node ${v}`,
      );
    }
  });
}

test("generateLabels writes every layer file byte-exactly (and the parent cache when asked)", async (t) => {
  const c = cases[0]!;
  const cacheDir = await tempDir(t);
  const parentDir = await tempDir(t);
  const seen: number[] = [];
  await generateLabels({
    replicaId: hex(c.replica_id_hex),
    porepId: hex(c.porep_id_hex),
    nodes: c.nodes,
    layers: c.layers,
    apiVersion: versionOf(c),
    cacheDir,
    parentCacheDir: parentDir,
    onLayer: (l) => seen.push(l),
  });
  assert.deepEqual(seen, [...Array(c.layers).keys()].map((i) => i + 1));
  for (let l = 1; l <= c.layers; l++)
    assert.equal(sha256(await readFile(join(cacheDir, LAYER_FILE(l)))), c.derived.layer_file_sha256[l - 1], `layer ${l}`);
  assert.equal((await readdir(cacheDir)).length, c.layers, "no temp files left");
  assert.deepEqual(await readdir(parentDir), [parentCacheFileName(hex(c.porep_id_hex), c.nodes)]);
});

test("a real 2KiB sector (proof 5) labels with its own graph; layers differ from V1_0's", () => {
  const replicaId = new Uint8Array(32).fill(9);
  const a = generateLabelsInMemory({ replicaId, porepId: porepId(5), nodes: 64, layers: 2, apiVersion: "1.1.0" });
  const b = generateLabelsInMemory({ replicaId, porepId: porepId(0), nodes: 64, layers: 2, apiVersion: "1.0.0" });
  assert.deepEqual(a[0]!.subarray(0, 64), b[0]!.subarray(0, 64), "nodes 0 and 1 depend on no sampled parent");
  assert.notDeepEqual(a[1], b[1]);
  for (const layer of a) for (let v = 0; v < 64; v++) assert.ok(layer[v * 32 + 31]! < 0x40, "trunc applied");
});

test("bad input is refused", () => {
  const r = new Uint8Array(32);
  const l = new Uint8Array(32);
  assert.throws(() => computeLabel(new Uint8Array(31), 1, 0, [], null), /replica_id must be 32 bytes/);
  assert.throws(() => computeLabel(r, 0, 1, Array(6).fill(l), null), /layer 0/);
  assert.throws(() => computeLabel(r, 1, 1, Array(5).fill(l), null), /5 base parent labels/);
  assert.throws(() => computeLabel(r, 2, 1, Array(6).fill(l), null), /0 expander parent labels/);
  assert.throws(
    () => generateLabelsInMemory({ replicaId: r, porepId: r, nodes: 64, layers: 2, apiVersion: "1.1.0", parents: new Uint32Array(10) }),
    /parent cache has 10 entries/,
  );
});
