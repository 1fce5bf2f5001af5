// tree_d (spec/protocols.md §3.11): `<cache_dir>/sc-02-data-tree-d.dat` over the staged file; output `true`.
import { mkdir } from "node:fs/promises";
import { parseSealProofType } from "../../filecoin/proof-types.js";
import { buildTreeD } from "../../proofs/tree-d.js";
import { GiB, type Stage } from "../stage.js";

export const treeDStage: Stage<"tree_d"> = {
  name: "tree_d",
  cost: { cpus: 1, gpus: 0, memBytes: 1 * GiB },
  async run({ registered_proof, staged_file, cache_dir }) {
    await mkdir(cache_dir, { recursive: true });
    // FAIL: disk full while writing ⇒ processor error; the tree file is written under a temp name
    await buildTreeD(staged_file, cache_dir, parseSealProofType(registered_proof).sectorSize);
    return true as const;
  },
};
