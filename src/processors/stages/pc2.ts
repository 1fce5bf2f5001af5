// pc2 (spec/protocols.md §3.11): tree_c, the replica into sealed_file, tree_r_last, p_aux, t_aux; comm_r.
import { parseSealProofType } from "../../filecoin/proof-types.js";
import { bytesToJson } from "../../api/processor-tasks.js";
import { runPc2 } from "../../proofs/pc2.js";
import { GiB, type Stage } from "../stage.js";
import { BuiltinPc1Out, readFamilyOutput } from "./family.js";

export const pc2Stage: Stage<"pc2"> = {
  name: "pc2",
  cost: { cpus: 1, gpus: 0, memBytes: 1 * GiB },
  async run({ pc1out, cache_dir, sealed_file }) {
    const p = readFamilyOutput(BuiltinPc1Out, pc1out, "pc1out");
    const pt = parseSealProofType(p.registered_proof);
    // FAIL: a missing layer file (cache cleaned) ⇒ processor error naming the file; pc1 must run again
    const { commR } = await runPc2({ sealProofId: pt.id, cacheDir: cache_dir, stagedFile: p.in_path, sealedFile: sealed_file });
    return { registered_proof: pt.rustName, comm_r: bytesToJson(commR), comm_d: p.comm_d };
  },
};
