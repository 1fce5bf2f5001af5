// The opaque PC1 and C1 outputs of the built-in family (spec/protocols.md §4b): only our pc2 and c2 read them,
// so they carry a family tag and each reader refuses another family's output with a message saying why.
import { z } from "zod";
import { Bytes32Json, SealProofName } from "../../api/processor-tasks.js";

export const BUILTIN_FAMILY = "damocles-ts/1";

const family = z.literal(BUILTIN_FAMILY, {
  error: `not a built-in (${BUILTIN_FAMILY}) output: pc1/pc2 and c1/c2 must come from the same processor family`,
});

/** Our `pc1` output, the `pc1out` of our `pc2`. */
export const BuiltinPc1Out = z.object({
  family,
  registered_proof: SealProofName,
  comm_d: Bytes32Json,
  replica_id: Bytes32Json,
  /** The staged (unsealed) file: PC2 encodes the replica from it, so the sealed file can be rewritten on a rerun. */
  in_path: z.string(),
  cache_path: z.string(),
});
export type BuiltinPc1Out = z.infer<typeof BuiltinPc1Out>;

/** Our `c1` output, the `c1out` of our `c2`: the vanilla proofs already in their devnet envelope, base64. */
export const BuiltinC1Out = z.object({
  family,
  registered_proof: SealProofName,
  vanilla_proofs: z.string(),
  comm_r: Bytes32Json,
  comm_d: Bytes32Json,
  replica_id: Bytes32Json,
  seed: Bytes32Json,
  ticket: Bytes32Json,
});
export type BuiltinC1Out = z.infer<typeof BuiltinC1Out>;

/** Decodes another stage's opaque output, naming the task field in the error. */
export function readFamilyOutput<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${field}${issue.path.length ? `.${issue.path.join(".")}` : ""}: ${issue.message}`);
  }
  return r.data;
}
