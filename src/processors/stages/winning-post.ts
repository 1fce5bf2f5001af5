// winning_post (spec/protocols.md §3.11; used by the manager's ext-prover): one kind-3 devnet proof per
// challenged sector (spec/devnet.md §8).
import { bytesFromJson } from "../../api/processor-tasks.js";
import { encodeDevnetWinningPoSt } from "../../proofs/devnet-proof.js";
import { generateVanillaPoSt } from "../../proofs/post.js";
import { MiB, type Stage } from "../stage.js";
import { postTaskParts, toBase64 } from "./post.js";

export const winningPostStage: Stage<"winning_post"> = {
  name: "winning_post",
  cost: { cpus: 1, gpus: 0, memBytes: 64 * MiB },
  async run(t) {
    const { type, sectors } = postTaskParts(t, "winning");
    const randomness = bytesFromJson(t.seed);
    const proofs: string[] = [];
    for (const s of sectors) {
      const vp = await generateVanillaPoSt({ postProof: type.id, minerId: t.miner_id, randomness, sectors: [s] });
      proofs.push(toBase64(encodeDevnetWinningPoSt(vp)));
    }
    return { proofs };
  },
};
