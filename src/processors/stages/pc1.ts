// pc1 (spec/protocols.md §3.11): replica_id, the sealed file as a copy of the staged file, the SDR layers into
// cache_path. Built-in sizes are 2KiB, 8MiB and 512MiB; the output is this family's opaque pc1out.
import { access, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { porepId, replicaId, uvarintDecode } from "../../filecoin/ids.js";
import { parseSealProofType } from "../../filecoin/proof-types.js";
import { sectorParams } from "../../filecoin/sizes.js";
import { bytesFromJson, bytesToJson } from "../../api/processor-tasks.js";
import { copyFileAtomically } from "../../proofs/atomic-file.js";
import { commDFromPieces } from "../../proofs/commd.js";
import { paddedLength } from "../../proofs/fr32.js";
import { parentCacheDir } from "../../proofs/parent-cache.js";
import { assertBuiltinSealSize } from "../../proofs/pc2.js";
import { sameBytes } from "../../proofs/porep-verify.js";
import { generateLabels } from "../../proofs/sdr-labels.js";
import { TREE_D_FILE, buildTreeD, readCommDFromTreeD } from "../../proofs/tree-d.js";
import { GiB, type Stage } from "../stage.js";
import { BUILTIN_FAMILY, type BuiltinPc1Out } from "./family.js";

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export const pc1Stage: Stage<"pc1"> = {
  name: "pc1",
  cost: { cpus: 1, gpus: 0, memBytes: 1 * GiB },
  async run(t, signal) {
    const pt = parseSealProofType(t.registered_proof);
    assertBuiltinSealSize(pt.id);
    const { nodes, layers } = sectorParams(pt.sectorSize);
    const commD = commDFromPieces(
      pt.sectorSize,
      t.piece_infos.map((p, i) => ({ size: paddedLength(p.size), commP: bytesFromJson(p.commitment), label: `piece_infos[${i}]` })),
    );
    // tree_d normally arrives linked into cache_path; built here when missing, and always checked against the pieces
    const treeD = join(t.cache_path, TREE_D_FILE);
    await mkdir(t.cache_path, { recursive: true });
    const haveTreeD = await access(treeD).then(() => true, () => false);
    const treeRoot = haveTreeD ? await readCommDFromTreeD(treeD) : await buildTreeD(t.in_path, t.cache_path, pt.sectorSize);
    if (!sameBytes(treeRoot, commD))
      throw new Error(`${treeD} has root ${hexOf(treeRoot)} but piece_infos give comm_d ${hexOf(commD)}: the staged data and the pieces disagree`);
    const proverId = bytesFromJson(t.prover_id);
    uvarintDecode(proverId); // a prover_id is the miner's ID-address payload
    const rid = replicaId({ proverId, sectorNumber: t.sector_id, ticket: bytesFromJson(t.ticket), commD, porepId: porepId(pt.id) });
    await mkdir(dirname(t.out_path), { recursive: true });
    await copyFileAtomically(t.in_path, t.out_path);
    await generateLabels({
      replicaId: rid,
      porepId: porepId(pt.id),
      nodes,
      layers,
      apiVersion: pt.apiVersion,
      cacheDir: t.cache_path,
      parentCacheDir: parentCacheDir(),
      signal,
    });
    const out: BuiltinPc1Out = {
      family: BUILTIN_FAMILY,
      registered_proof: pt.rustName,
      comm_d: bytesToJson(commD),
      replica_id: bytesToJson(rid),
      in_path: t.in_path,
      cache_path: t.cache_path,
    };
    return out;
  },
};
