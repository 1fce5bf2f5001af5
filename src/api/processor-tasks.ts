// The processor task catalogue (spec/protocols.md §3.10–§3.11): each stage's task and output as the JSON that
// crosses the child's pipes, snake_case like the Rust serde defaults. Values stay in their wire form (proof types
// as Rust variant names, 32-byte values as arrays of 32 numbers) so a task is validated once and passed on as
// is, to a child, a worker thread or a stored record. PC1 and C1 outputs are opaque: forwarded, never re-encoded.
import { z } from "zod";
import { POST_PROOF_TYPES, SEAL_PROOF_TYPES, UPDATE_PROOF_TYPES } from "../filecoin/proof-types.js";
import type { StageName } from "./stages.js";

const Byte = z.int().min(0).max(255);
/** `[u8; 32]`: commitments, prover_id, ticket, seed. */
export const Bytes32Json = z.array(Byte, { error: "expected an array of 32 bytes" }).length(32, { error: "expected exactly 32 bytes" });
export type Bytes32Json = number[];
/** `Vec<u8>`: an array of integers, not base64. */
export const BytesJson = z.array(Byte, { error: "expected an array of bytes" });
/** u64 values within 2^53 (sector ids, sizes, offsets): larger ones are rejected, never rounded. */
const U64 = z.int({ error: "expected an integer within 2^53−1" }).min(0, { error: "expected a non-negative integer" });
const Path = z.string().min(1, { error: "expected a path" });

const names = <T extends { rustName: string }>(list: readonly T[]): [string, ...string[]] =>
  list.map((t) => t.rustName) as [string, ...string[]];
/** `RegisteredSealProof` as its Rust variant name, e.g. "StackedDrg32GiBV1_1"; never the integer. */
export const SealProofName = z.enum(names(SEAL_PROOF_TYPES), { error: "expected a Rust RegisteredSealProof name such as StackedDrg2KiBV1_1" });
/** `RegisteredPoStProof`, e.g. "StackedDrgWindow32GiBV1_2". */
export const PoStProofName = z.enum(names(POST_PROOF_TYPES), { error: "expected a Rust RegisteredPoStProof name such as StackedDrgWindow2KiBV1_2" });
/** `RegisteredUpdateProof`, e.g. "StackedDrg32GiBV1". */
export const UpdateProofName = z.enum(UPDATE_PROOF_TYPES.map((u) => u.name) as [string, ...string[]], {
  error: "expected a Rust RegisteredUpdateProof name such as StackedDrg2KiBV1",
});

/** A JSON value produced by another implementation and forwarded verbatim (PC1 and C1 outputs). */
export type OpaqueJson = NonNullable<unknown>;
const Opaque = z.custom<OpaqueJson>((v) => v !== undefined && v !== null, { error: "expected a JSON value" });

/** `{"commitment": [32], "size": <unpadded bytes>}`. */
export const PieceInfoJson = z.object({ commitment: Bytes32Json, size: U64 });
export type PieceInfoJson = z.infer<typeof PieceInfoJson>;

/** `{"url": …}`, `{"local": …}` or `"pledge"` (serde camelCase enum). */
export const PieceFileJson = z.union([
  z.strictObject({ url: z.string().min(1) }),
  z.strictObject({ local: Path }),
  z.literal("pledge"),
]);
export type PieceFileJson = z.infer<typeof PieceFileJson>;

export const AddPiecesTask = z.object({
  seal_proof_type: SealProofName,
  pieces: z.array(z.object({ piece_file: PieceFileJson, payload_size: U64, piece_size: U64 })),
  staged_filepath: Path,
});
export const TreeDTask = z.object({ registered_proof: SealProofName, staged_file: Path, cache_dir: Path });
export const Pc1Task = z.object({
  registered_proof: SealProofName,
  cache_path: Path,
  in_path: Path,
  out_path: Path,
  prover_id: Bytes32Json,
  sector_id: U64,
  ticket: Bytes32Json,
  piece_infos: z.array(PieceInfoJson),
});
export const Pc2Task = z.object({ pc1out: Opaque, cache_dir: Path, sealed_file: Path });
export const Pc2Output = z.object({ registered_proof: SealProofName, comm_r: Bytes32Json, comm_d: Bytes32Json });
export const C1Task = z.object({
  cache_path: Path,
  replica_path: Path,
  prover_id: Bytes32Json,
  sector_id: U64,
  ticket: Bytes32Json,
  seed: Bytes32Json,
  pre_commit: Pc2Output,
  piece_infos: z.array(PieceInfoJson),
});
export const C2Task = z.object({ c1out: Opaque, prover_id: Bytes32Json, sector_id: U64, miner_id: U64 });
export const SnapEncodeTask = z.object({
  registered_proof: UpdateProofName,
  new_replica_path: Path,
  new_cache_path: Path,
  sector_path: Path,
  sector_cache_path: Path,
  staged_data_path: Path,
  piece_infos: z.array(PieceInfoJson),
});
export const SnapProveTask = z.object({
  registered_proof: UpdateProofName,
  vannilla_proofs: z.array(BytesJson), // sic (protocols.md §4h)
  comm_r_old: Bytes32Json,
  comm_r_new: Bytes32Json,
  comm_d_new: Bytes32Json,
});
const TransferItem = z.object({ store_name: z.string().nullable(), uri: Path });
export const TransferTask = z.object({
  stores: z.record(z.string(), z.object({ name: z.string(), meta: z.record(z.string(), z.string()).nullable() })),
  routes: z.array(
    z.object({
      src: TransferItem,
      dest: TransferItem,
      opt: z.object({ is_dir: z.boolean(), allow_link: z.boolean() }).nullable(),
    }),
  ),
});
export const UnsealTask = z.object({
  registered_proof: SealProofName,
  prover_id: Bytes32Json,
  sector_id: U64,
  comm_d: Bytes32Json,
  ticket: Bytes32Json,
  cache_dir: Path,
  sealed_file: Path,
  unsealed_output: Path,
  offset: U64,
  num_bytes: U64,
});
export const PoStReplicaJson = z.object({ sector_id: U64, comm_r: Bytes32Json, cache_dir: Path, sealed_file: Path });
export const PoStTask = z.object({ miner_id: U64, proof_type: PoStProofName, replicas: z.array(PoStReplicaJson), seed: Bytes32Json });
/** `SnarkProof` elements are base64 strings. */
const SnarkProofs = z.array(z.string());

/** Every stage's task and output schema: the one table the host, the child and the tests read. */
export const TASK_SCHEMAS = {
  add_pieces: { input: AddPiecesTask, output: z.array(PieceInfoJson) },
  // `true` at the baseline; some Damocles versions return the tree's root instead, which a parent accepts too
  tree_d: { input: TreeDTask, output: z.union([z.literal(true), Bytes32Json]) },
  pc1: { input: Pc1Task, output: Opaque },
  pc2: { input: Pc2Task, output: Pc2Output },
  c1: { input: C1Task, output: Opaque },
  c2: { input: C2Task, output: z.object({ proof: BytesJson }) },
  snap_encode: {
    input: SnapEncodeTask,
    output: z.object({ comm_r_new: Bytes32Json, comm_r_last_new: Bytes32Json, comm_d_new: Bytes32Json }),
  },
  snap_prove: { input: SnapProveTask, output: BytesJson },
  transfer: { input: TransferTask, output: z.literal(true) },
  unseal: { input: UnsealTask, output: U64 },
  window_post: { input: PoStTask, output: z.object({ proofs: SnarkProofs, faults: z.array(U64) }) },
  winning_post: { input: PoStTask, output: z.object({ proofs: SnarkProofs }) },
} as const satisfies Record<StageName, { input: z.ZodType; output: z.ZodType }>;

export type StageInput<S extends StageName> = z.infer<(typeof TASK_SCHEMAS)[S]["input"]>;
export type StageOutput<S extends StageName> = z.infer<(typeof TASK_SCHEMAS)[S]["output"]>;

// ---- framing (protocols.md §3.3) ----

/** Parent → child: `{"id": <u64>, "task": <task>}`; ids start at 1 per producer. */
export interface ProcessorRequest<T = unknown> {
  id: number;
  task: T;
}
/** Child → parent; all three members always present. */
export interface ProcessorResponse<O = unknown> {
  id: number;
  err_msg: string | null;
  output: O | null;
}
export const ProcessorRequestJson = z.object({ id: U64, task: z.unknown() });
export const ProcessorResponseJson = z.object({ id: U64, err_msg: z.string().nullable(), output: z.unknown() });

/** Bytes → the wire form of a `[u8; 32]` / `Vec<u8>`. */
export const bytesToJson = (b: Uint8Array): number[] => Array.from(b);
/** The wire form back to bytes (already validated by a schema). */
export const bytesFromJson = (a: readonly number[]): Uint8Array => Uint8Array.from(a);
