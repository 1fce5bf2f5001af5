// c1 (ours, spec/protocols.md §4b): the vanilla PoRep proofs of the sealed sector, carried to c2 already in
// their devnet envelope (spec/devnet.md §8), so c2 only checks and emits them.
import { porepId, replicaId, uvarintDecode } from "../../filecoin/ids.js";
import { parseSealProofType } from "../../filecoin/proof-types.js";
import { bytesFromJson, bytesToJson } from "../../api/processor-tasks.js";
import { encodeDevnetPoRep } from "../../proofs/devnet-proof.js";
import { generateVanillaPoRep } from "../../proofs/porep-proof.js";
import { GiB, type Stage } from "../stage.js";
import { BUILTIN_FAMILY, type BuiltinC1Out } from "./family.js";

export const c1Stage: Stage<"c1"> = {
  name: "c1",
  cost: { cpus: 1, gpus: 0, memBytes: 1 * GiB },
  async run(t) {
    const pt = parseSealProofType(t.pre_commit.registered_proof);
    const proverId = bytesFromJson(t.prover_id);
    const minerId = uvarintDecode(proverId).value;
    const ticket = bytesFromJson(t.ticket);
    const seed = bytesFromJson(t.seed);
    const commD = bytesFromJson(t.pre_commit.comm_d);
    const commR = bytesFromJson(t.pre_commit.comm_r);
    const vp = await generateVanillaPoRep({
      sealProof: pt.id,
      minerId,
      sectorNumber: t.sector_id,
      ticket,
      seed: pt.kind === "ni" ? undefined : seed,
      commD,
      commR,
      cacheDir: t.cache_path,
      sealedFile: t.replica_path,
    });
    const rid = replicaId({ proverId, sectorNumber: t.sector_id, ticket, commD, porepId: porepId(pt.id) });
    const out: BuiltinC1Out = {
      family: BUILTIN_FAMILY,
      registered_proof: pt.rustName,
      vanilla_proofs: Buffer.from(encodeDevnetPoRep(vp)).toString("base64"),
      comm_r: t.pre_commit.comm_r,
      comm_d: t.pre_commit.comm_d,
      replica_id: bytesToJson(rid),
      seed: bytesToJson(vp.seed),
      ticket: t.ticket,
    };
    return out;
  },
};
