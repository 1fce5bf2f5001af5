import assert from "node:assert/strict";
import { test } from "node:test";
import { porepId } from "../../src/filecoin/ids.js";
import { sealProofType } from "../../src/filecoin/proof-types.js";
import {
  BASE_DEGREE,
  EXPANSION_DEGREE,
  PARENT_COUNT,
  SdrGraph,
  drgSeed,
  feistelKeys,
  feistelSeed,
} from "../../src/proofs/sdr-graph.js";
import { hex, loadVector, toHex } from "../helpers/vectors.js";

interface Entry {
  nodes: number;
  registered_seal_proof: number;
  porep_id_hex: string;
  derived: {
    drg_seed_hex: string;
    feistel_seed_hex: string;
    feistel_keys_u64: string[];
    parents_by_node: Record<string, number[]>;
  };
}
const entries = (loadVector("parent-cache.json") as { entries: Entry[] }).entries;

test("degrees", () => {
  assert.equal(BASE_DEGREE, 6);
  assert.equal(EXPANSION_DEGREE, 8);
  assert.equal(PARENT_COUNT, 14);
});

for (const e of entries) {
  const id = e.registered_seal_proof;
  const pid = hex(e.porep_id_hex);

  test(`proof ${id}: porep_id, DRG seed, Feistel seed and keys`, () => {
    assert.equal(toHex(porepId(id)), e.porep_id_hex);
    assert.equal(toHex(drgSeed(pid)), e.derived.drg_seed_hex);
    assert.equal(toHex(feistelSeed(pid)), e.derived.feistel_seed_hex);
    assert.deepEqual(feistelKeys(pid), e.derived.feistel_keys_u64.map(BigInt));
  });

  test(`proof ${id}: sample parent records`, () => {
    const g = new SdrGraph(pid, e.nodes, sealProofType(id).apiVersion);
    for (const [node, want] of Object.entries(e.derived.parents_by_node)) {
      const v = Number(node);
      assert.deepEqual([...g.parents(v)], want, `node ${v}`);
      assert.deepEqual([...g.baseParents(v)], want.slice(0, 6), `node ${v} base`);
      assert.deepEqual([...g.expanderParents(v)], want.slice(6), `node ${v} expander`);
    }
  });
}

test("every base parent precedes its node, v − 1 sits in the version's slot", () => {
  const pid = porepId(5);
  for (const [version, slot] of [["1.1.0", 0], ["1.0.0", 5]] as const) {
    const g = new SdrGraph(pid, 1024, version);
    const p = new Uint32Array(PARENT_COUNT);
    for (let v = 2; v < 1024; v++) {
      g.parents(v, p);
      assert.equal(p[slot], v - 1);
      for (let i = 0; i < BASE_DEGREE; i++) assert.ok(p[i]! < v, `node ${v} base parent ${p[i]}`);
      for (let i = BASE_DEGREE; i < PARENT_COUNT; i++) assert.ok(p[i]! < 1024);
    }
  }
});

test("expander parents: each node is an expander parent exactly 8 times (a permutation of 8n)", () => {
  const n = 4096;
  const g = new SdrGraph(porepId(6), n, "1.1.0");
  const count = new Uint8Array(n);
  const all = new Uint32Array(n * PARENT_COUNT);
  g.fillParents(0, n, all);
  for (let v = 0; v < n; v++) for (let i = BASE_DEGREE; i < PARENT_COUNT; i++) count[all[v * PARENT_COUNT + i]!]!++;
  assert.ok(count.every((c) => c === EXPANSION_DEGREE));
  assert.deepEqual([...all.subarray(777 * PARENT_COUNT, 778 * PARENT_COUNT)], [...g.parents(777)]);
});

test("bad input is refused with the value named", () => {
  assert.throws(() => new SdrGraph(new Uint8Array(31), 64, "1.1.0"), /porep_id must be 32 bytes/);
  assert.throws(() => new SdrGraph(porepId(5), 1, "1.1.0"), /node count 1/);
  // @ts-expect-error: runtime check of an untyped caller
  assert.throws(() => new SdrGraph(porepId(5), 64, "2.0.0"), /ApiVersion "2.0.0"/);
  assert.throws(() => new SdrGraph(porepId(5), 64, "1.1.0").parents(64), /node 64/);
});
