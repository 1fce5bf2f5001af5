import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import * as layout from "../../src/proofs/porep-layout.js";
import * as porepProof from "../../src/proofs/porep-proof.js";
import { REPO_ROOT } from "../helpers/vectors.js";

test("porepLayout: 2KiB V1_1 and its NI sibling, counts from the type alone", () => {
  const v11 = layout.porepLayout(5); // StackedDrg2KiBV1_1
  assert.equal(v11.nodes, 64);
  assert.equal(v11.layers, 2);
  assert.equal(v11.treeDLevels, 6);
  assert.deepEqual(v11.pathSiblings, [7, 7]);
  assert.deepEqual([v11.partitions, v11.challengesPerPartition], [1, 2]);
  const ni = layout.porepLayout(15); // StackedDrg2KiBV1_2_Feat_NonInteractivePoRep: NI counts, same geometry
  assert.deepEqual([ni.partitions, ni.challengesPerPartition], [13, 2]);
  assert.deepEqual([ni.nodes, ni.layers, ni.pathSiblings], [64, 2, [7, 7]]);
  assert.equal(layout.porepLayout(5), v11, "cached per id");
  assert.ok(Object.isFrozen(v11) && Object.isFrozen(v11.pathSiblings));
  assert.equal(layout.COLUMNS_PER_CHALLENGE, 15);
  assert.deepEqual([...layout.NI_SEED], new Array(32).fill(1));
  assert.throws(() => layout.porepLayout(99), RangeError);
});

test("porep-proof re-exports the layout unchanged, and the devnet codec imports only the layout", async () => {
  assert.equal(porepProof.porepLayout, layout.porepLayout);
  assert.equal(porepProof.NI_SEED, layout.NI_SEED);
  assert.equal(porepProof.COLUMNS_PER_CHALLENGE, layout.COLUMNS_PER_CHALLENGE);
  assert.equal(porepProof.BASE_PARENTS, layout.BASE_PARENTS);
  assert.equal(porepProof.EXPANDER_PARENTS, layout.EXPANDER_PARENTS);
  const src = await readFile(join(REPO_ROOT, "src", "proofs", "devnet-proof.ts"), "utf8");
  const valueImports = src.split("\n").filter((l) => /^import \{/.test(l) && l.includes('"./porep-proof.js"'));
  assert.deepEqual(valueImports, [], "devnet-proof.ts takes only types from porep-proof.ts");
});
