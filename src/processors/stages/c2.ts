// c2 (spec/protocols.md §3.11): the built-in family's proof is a devnet proof (spec/devnet.md §8): the vanilla
// proofs c1 made, checked in full against the task's sector before they leave, as a SNARK prover verifies its own.
import { proverId as proverIdOf } from "../../filecoin/ids.js";
import { bytesFromJson, bytesToJson } from "../../api/processor-tasks.js";
import { decodeDevnetPoRep } from "../../proofs/devnet-proof.js";
import { sameBytes, verifyVanillaPoRep } from "../../proofs/porep-verify.js";
import { GiB, type Stage } from "../stage.js";
import { BuiltinC1Out, readFamilyOutput } from "./family.js";

export const c2Stage: Stage<"c2"> = {
  name: "c2",
  cost: { cpus: 1, gpus: 0, memBytes: 1 * GiB },
  async run({ c1out, prover_id, sector_id, miner_id }) {
    const c1 = readFamilyOutput(BuiltinC1Out, c1out, "c1out");
    if (!sameBytes(proverIdOf(miner_id), bytesFromJson(prover_id)))
      throw new Error(`prover_id does not encode miner_id ${miner_id}`);
    const proof = new Uint8Array(Buffer.from(c1.vanilla_proofs, "base64"));
    const vp = decodeDevnetPoRep(proof);
    const verdict = verifyVanillaPoRep(vp, {
      sealProof: vp.sealProof,
      minerId: miner_id,
      sectorNumber: sector_id,
      ticket: bytesFromJson(c1.ticket),
      seed: bytesFromJson(c1.seed),
      commD: bytesFromJson(c1.comm_d),
      commR: bytesFromJson(c1.comm_r),
    });
    if (!verdict.ok) throw new Error(`c1out does not prove sector ${sector_id} of miner ${miner_id}: ${verdict.reason}`);
    return { proof: bytesToJson(proof) };
  },
};
