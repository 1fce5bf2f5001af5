// window_post (spec/protocols.md §3.11): one kind-2 devnet proof per partition of the ascending replicas
// (spec/devnet.md §8). Unprovable sectors are a success with `faults` filled and no proofs, as Damocles turns
// a faulty-sectors error into that output.
import { sectorParams } from "../../filecoin/sizes.js";
import { bytesFromJson } from "../../api/processor-tasks.js";
import { encodeDevnetWindowPoSt } from "../../proofs/devnet-proof.js";
import { checkProvable, generateVanillaPoSt } from "../../proofs/post.js";
import { MiB, type Stage } from "../stage.js";
import { postTaskParts, toBase64 } from "./post.js";

export const windowPostStage: Stage<"window_post"> = {
  name: "window_post",
  cost: { cpus: 1, gpus: 0, memBytes: 256 * MiB },
  async run(t) {
    const { type, sectors } = postTaskParts(t, "window");
    const randomness = bytesFromJson(t.seed);
    const checked = await checkProvable({ postProof: type.id, randomness, sectors });
    const faults = checked.filter((c) => !c.ok).map((c) => Number(c.sectorNumber));
    if (faults.length > 0) return { proofs: [], faults };
    const perPartition = sectorParams(type.sectorSize).windowPostPartitionSectors;
    const proofs: string[] = [];
    for (let i = 0; i < sectors.length; i += perPartition) {
      const vp = await generateVanillaPoSt({ postProof: type.id, minerId: t.miner_id, randomness, sectors: sectors.slice(i, i + perPartition) });
      proofs.push(toBase64(encodeDevnetWindowPoSt(vp)));
    }
    return { proofs, faults: [] };
  },
};
