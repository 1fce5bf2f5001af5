// Shared by window_post and winning_post: the task's replicas as the proofs library's sector files.
import { parsePoStProofType, type PoStProofType } from "../../filecoin/proof-types.js";
import { bytesFromJson } from "../../api/processor-tasks.js";
import type { StageInput } from "../stage.js";

export function postTaskParts(t: StageInput<"window_post">, kind: "window" | "winning"): {
  type: PoStProofType;
  sectors: Array<{ sectorNumber: number; cacheDir: string; sealedFile: string; commR: Uint8Array }>;
} {
  const type = parsePoStProofType(t.proof_type);
  if (type.kind !== kind) throw new RangeError(`proof_type ${t.proof_type} is a ${type.kind} PoSt type, a ${kind} type is needed`);
  const sectors = t.replicas
    .map((r) => ({ sectorNumber: r.sector_id, cacheDir: r.cache_dir, sealedFile: r.sealed_file, commR: bytesFromJson(r.comm_r) }))
    .sort((a, b) => a.sectorNumber - b.sectorNumber);
  return { type, sectors };
}

export const toBase64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");
