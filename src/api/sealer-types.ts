// JSON types of the manager's `Venus.*` API (spec/protocols.md §1.2, §1.4, §1.5, §1.7, §1.9, §4i, appendix A):
// field names exactly as Damocles marshals them (`damocles-manager/core/types.go`, `types_sector_state.go`,
// `types_wdpost.go`, `worker.go`, `pkg/extproc/stage/ext_window_post.go`) and as the Rust damocles-worker reads
// them (`damocles-worker/src/rpc/sealer/mod.rs`). Mind the casing table of §1.2: `AllocatedSector.ID` and
// `LegacyDealInfo.ID`, but `SectorStateResp.Id`, `WdPoStAllocatedJob.Id`, `WdPoStInput.MinerId`,
// `WdPoStSectorInfo.SectorId`; Go ignores the difference when it reads, Rust does not.

import { z } from "zod";
import { POST_PROOF_TYPES, SEAL_PROOF_TYPES } from "../filecoin/proof-types.js";
import {
  AddressString,
  Base64Bytes,
  BitFieldJson,
  Bytes32Array,
  CidJson,
  Epoch,
  NullableCidJson,
  SafeInt,
  Uint,
} from "./codecs.js";
import { DealProposal, GoBytes, goSlice, SectorOnChainInfo } from "./lotus-types.js";
import { DealInfoV2 as MarketDealInfoV2, SectorID } from "./market.js";

export { SectorID };

// ---- Go JSON shapes ----

/**
 * A Go pointer field tagged `omitempty`: absent (or `null`) ↔ undefined, which JSON.stringify leaves out again.
 * Go never writes the `null`, but reads it, so it is accepted.
 */
const omitEmpty = <T extends z.ZodType>(item: T) =>
  z.codec(z.unknown().optional(), item.optional(), {
    decode: (v) => (v === null ? undefined : v) as z.input<T> | undefined,
    encode: (v) => v,
  });

/** Go `[]byte` of a ticket or seed: the Rust worker accepts exactly 32 bytes of standard base64. */
export const Base64Bytes32 = z.codec(
  Base64Bytes,
  z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.length === 32, { error: "expected exactly 32 bytes of base64" }),
  { decode: (b) => b, encode: (b) => b },
);

/** JSON object with any members (pass-through config blocks). */
const JsonObject = z.record(z.string(), z.unknown(), { error: "expected a JSON object" });

// ---- enumerations (§1.4) ----

/** `core.SubmitResult` (§1.4.1). 0 (Unknown) is never sent: the Rust worker cannot decode it. */
export const SubmitResult = { Accepted: 1, DuplicateSubmit: 2, MismatchedSubmission: 3, Rejected: 4, FilesMissed: 5 } as const;
export type SubmitResult = (typeof SubmitResult)[keyof typeof SubmitResult];
export const SubmitResultJson = z.literal(Object.values(SubmitResult), {
  error: "expected a SubmitResult 1…5 (0, Unknown, is never valid on the wire)",
});

/** `core.OnChainState` (§1.4.2). 0 (Unknown) is never sent: the Rust worker cannot decode it. */
export const OnChainState = { Pending: 1, Packed: 2, Landed: 3, NotFound: 4, Failed: 5, PermFailed: 6, ShouldAbort: 7 } as const;
export type OnChainState = (typeof OnChainState)[keyof typeof OnChainState];
export const OnChainStateJson = z.literal(Object.values(OnChainState), {
  error: "expected an OnChainState 1…7 (0, Unknown, is never valid on the wire)",
});

const SEAL_PROOF_IDS = new Set(SEAL_PROOF_TYPES.map((t) => t.id));
const POST_PROOF_IDS = new Set(POST_PROOF_TYPES.map((t) => t.id));

/** `abi.RegisteredSealProof` on the manager wire: its integer id (§1.4.3). */
export const SealProofJson = SafeInt.refine((id) => SEAL_PROOF_IDS.has(id), { error: "expected a registered seal proof id 0…19" });
/** `abi.RegisteredPoStProof` as an integer (CLI methods, `GetInfo`). */
export const PoStProofJson = SafeInt.refine((id) => POST_PROOF_IDS.has(id), { error: "expected a registered PoSt proof id 0…14" });

/** PoSt proof type names of the WdPoSt job methods: filecoin-proofs-api spellings, Window V1_1 written V1_2 (§1.4.4). */
export const POST_PROOF_NAMES = POST_PROOF_TYPES.map((t) => t.rustName) as readonly string[];
export const PoStProofName = z.string().refine((s) => POST_PROOF_NAMES.includes(s), {
  error: "expected a PoSt proof name such as StackedDrgWindow32GiBV1_2 or StackedDrgWinning2KiBV1",
});

/** Damocles on-disk state ordinals (appendix A): SECTOR_STATE_NAMES[ordinal]. `PersistanceSubmitted` is sic. */
export const SECTOR_STATE_NAMES = [
  "Empty",
  "Allocated",
  "DealsAcquired",
  "PieceAdded",
  "TreeDBuilt",
  "TicketAssigned",
  "PC1Done",
  "PC2Done",
  "SyntheticPoRepNeeded",
  "PCSubmitted",
  "PCLanded",
  "Persisted",
  "PersistanceSubmitted", // sic
  "SeedAssigned",
  "C1Done",
  "C2Done",
  "ProofSubmitted",
  "Finished",
  "Aborted",
  "SnapEncoded",
  "SnapProved",
  "SealedChecked",
  "SnapPieceAdded",
  "SnapTreeDBuilt",
  "SnapDone",
  "Unsealed",
] as const;
export type SectorStateName = (typeof SECTOR_STATE_NAMES)[number];

/** States of a wdpost thread (resume targets only, appendix A). */
export const WDPOST_STATE_NAMES = ["Empty", "Allocated", "Generated", "Finished", "Aborted"] as const;
export type WdPoStStateName = (typeof WDPOST_STATE_NAMES)[number];

/** `ReportStateReq.Failure.Level`: the worker's failure levels, spelled as its Rust enum's Debug form. */
export const FAILURE_LEVELS = ["Temporary", "Permanent", "Abort", "Critical"] as const;
export type FailureLevel = (typeof FAILURE_LEVELS)[number];

/** `core.SectorWorkerState`: which store of sector states a CLI call reads. */
export const SECTOR_WORKER_STATES = ["online", "offline"] as const;
export const SectorWorkerState = z.enum(SECTOR_WORKER_STATES, { error: 'expected "online" or "offline"' });
export type SectorWorkerState = z.output<typeof SectorWorkerState>;

/** `core.SectorWorkerJob`: ListSectors filter. */
export const SectorWorkerJob = { All: 0, Sealing: 1, SnapUp: 2, Rebuild: 3, Unseal: 4 } as const;
export type SectorWorkerJob = (typeof SectorWorkerJob)[keyof typeof SectorWorkerJob];
export const SectorWorkerJobJson = z.literal(Object.values(SectorWorkerJob), { error: "expected a job filter 0…4" });

/** `core.SectorIndexType`. */
export const SectorIndexType = z.enum(["normal", "upgrade"], { error: 'expected "normal" or "upgrade"' });
export type SectorIndexType = z.output<typeof SectorIndexType>;

// ---- allocation ----

/** null or [] = no restriction. Kept nullable (not goSlice) so a worker's `null` re-encodes as `null`. */
export const AllocateSectorSpec = z.object({
  AllowedMiners: z.array(Uint).nullable(),
  AllowedProofTypes: z.array(SealProofJson).nullable(),
});
export type AllocateSectorSpec = z.output<typeof AllocateSectorSpec>;

export const AllocatedSector = z.object({ ID: SectorID, ProofType: SealProofJson });
export type AllocatedSector = z.output<typeof AllocatedSector>;

// ---- deals and pieces ----

export const AcquireDealsSpec = z.object({ MaxDeals: Uint.nullable(), MinUsedSpace: Uint.nullable() });
export type AcquireDealsSpec = z.output<typeof AcquireDealsSpec>;

/**
 * `core.DealInfoV2`: droplet's DealInfoV2 plus two flags. Go declares it a pointer, but the Rust worker needs
 * the object: a pledge piece has DealID = AllocationID = 0. Pledge when (IsBuiltinMarket ? DealID : AllocationID) = 0.
 */
export const DealInfoV2 = MarketDealInfoV2.extend({ IsBuiltinMarket: z.boolean(), IsCompatible: z.boolean() });
export type DealInfoV2 = z.output<typeof DealInfoV2>;

/** `abi.PieceInfo`: padded size and piece CID. */
export const AbiPieceInfo = z.object({ Size: Uint, PieceCID: CidJson });
export type AbiPieceInfo = z.output<typeof AbiPieceInfo>;

export const SectorPieceV2 = z.object({ Piece: AbiPieceInfo, DealInfo: DealInfoV2 });
export type SectorPieceV2 = z.output<typeof SectorPieceV2>;

/** `core.SectorPieces` where the Rust side declares a plain list: null reads as [], always written as a list. */
export const SectorPieces = goSlice(SectorPieceV2);
export type SectorPieces = z.output<typeof SectorPieces>;

/** `core.PieceInfo` of legacy deals: padded size and offset. */
export const PieceInfo = z.object({ Size: Uint, Offset: Uint, Cid: CidJson });
export type PieceInfo = z.output<typeof PieceInfo>;

/** `core.LegacyDealInfo` (only rebuild still carries these); pledge when ID = 0. */
export const LegacyDealInfo = z.object({
  ID: Uint,
  PayloadSize: Uint,
  Piece: PieceInfo,
  Proposal: DealProposal.nullable(),
  IsCompatible: z.boolean(),
});
export type LegacyDealInfo = z.output<typeof LegacyDealInfo>;

// ---- tickets, seeds, commitments ----

export const Ticket = z.object({ Ticket: Base64Bytes32, Epoch });
export type Ticket = z.output<typeof Ticket>;

export const Seed = z.object({ Seed: Base64Bytes32, Epoch });
export type Seed = z.output<typeof Seed>;

export const PreCommitOnChainInfo = z.object({ CommR: Bytes32Array, CommD: Bytes32Array, Ticket });
export type PreCommitOnChainInfo = z.output<typeof PreCommitOnChainInfo>;

/** The C2 proof bytes (1920 for 32GiB / 64GiB). A Go nil reads as empty, which the manager rejects. */
export const ProofOnChainInfo = z.object({ Proof: GoBytes });
export type ProofOnChainInfo = z.output<typeof ProofOnChainInfo>;

// ---- submit / poll results ----

/** SubmitPreCommitResp, SubmitProofResp, SubmitSnapUpProofResp and SubmitTerminateResp share this shape. */
export const SubmitResp = z.object({ Res: SubmitResultJson, Desc: z.string().nullable() });
export type SubmitResp = z.output<typeof SubmitResp>;
export const SubmitPreCommitResp = SubmitResp;
export type SubmitPreCommitResp = SubmitResp;
export const SubmitProofResp = SubmitResp;
export type SubmitProofResp = SubmitResp;
export const SubmitSnapUpProofResp = SubmitResp;
export type SubmitSnapUpProofResp = SubmitResp;
export const SubmitTerminateResp = SubmitResp;
export type SubmitTerminateResp = SubmitResp;

/** PollPreCommitStateResp and PollProofStateResp. */
export const PollStateResp = z.object({ State: OnChainStateJson, Desc: z.string().nullable() });
export type PollStateResp = z.output<typeof PollStateResp>;
export const PollPreCommitStateResp = PollStateResp;
export type PollPreCommitStateResp = PollStateResp;
export const PollProofStateResp = PollStateResp;
export type PollProofStateResp = PollStateResp;

/** Delay in seconds; the Rust worker reads it as u64, so it is never negative. */
export const WaitSeedResp = z.object({ ShouldWait: z.boolean(), Delay: Uint, Seed: Seed.nullable() });
export type WaitSeedResp = z.output<typeof WaitSeedResp>;

// ---- state reports ----

export const WorkerIdentifier = z.object({ Instance: z.string(), Location: z.string() });
export type WorkerIdentifier = z.output<typeof WorkerIdentifier>;

/** Prev/Next are state names (appendix A); Event is free text (Damocles always sends "None"). */
export const SectorStateChange = z.object({ Prev: z.string(), Next: z.string(), Event: z.string() });
export type SectorStateChange = z.output<typeof SectorStateChange>;

export const SectorFailure = z.object({
  Level: z.enum(FAILURE_LEVELS, { error: `expected a failure level: ${FAILURE_LEVELS.join(", ")}` }),
  Desc: z.string(),
});
export type SectorFailure = z.output<typeof SectorFailure>;

export const ReportStateReq = z.object({ Worker: WorkerIdentifier, StateChange: SectorStateChange, Failure: SectorFailure.nullable() });
export type ReportStateReq = z.output<typeof ReportStateReq>;

/** `Id`, not `ID` (explicit Go tag). Go always sends AbortReason as a string, "" when none. */
export const SectorStateResp = z.object({ Id: SectorID, Finalized: z.boolean(), AbortReason: z.string().nullable() });
export type SectorStateResp = z.output<typeof SectorStateResp>;

// ---- workers and stores ----

export const WorkerInfoSummary = z.object({ Threads: Uint, Empty: Uint, Paused: Uint, Running: Uint, Waiting: Uint, Errors: Uint });
export type WorkerInfoSummary = z.output<typeof WorkerInfoSummary>;

/** The ping body; the manager requires Name and Dest to be non-empty (a business rule, code 1). */
export const WorkerInfo = z.object({ Name: z.string(), Dest: z.string(), Version: z.string(), Summary: WorkerInfoSummary });
export type WorkerInfo = z.output<typeof WorkerInfo>;

/** LastPing in unix seconds. */
export const WorkerPingInfo = z.object({ Info: WorkerInfo, LastPing: SafeInt });
export type WorkerPingInfo = z.output<typeof WorkerPingInfo>;

export const StoreBasicInfo = z.object({
  Name: z.string(),
  Path: z.string(),
  Strict: z.boolean(),
  ReadOnly: z.boolean(),
  Weight: Uint,
  Meta: z.record(z.string(), z.string()).nullable(),
});
export type StoreBasicInfo = z.output<typeof StoreBasicInfo>;

/** `objstore.StoreReserved`: who reserved, how many bytes, when (unix seconds). */
export const StoreReserved = z.object({ By: z.string(), Size: Uint, At: SafeInt });
export type StoreReserved = z.output<typeof StoreReserved>;

/** StoreBasicInfo's fields flattened in (Go embedding), then the space figures. */
export const StoreDetailedInfo = StoreBasicInfo.extend({
  Type: z.string(),
  Total: Uint,
  Free: Uint,
  Used: Uint,
  UsedPercent: z.number(),
  Reserved: Uint,
  ReservedBy: goSlice(StoreReserved),
});
export type StoreDetailedInfo = z.output<typeof StoreDetailedInfo>;

// ---- snap up ----

export const AllocateSnapUpSpec = z.object({ Sector: AllocateSectorSpec, Deals: AcquireDealsSpec });
export type AllocateSnapUpSpec = z.output<typeof AllocateSnapUpSpec>;

/** The worker reads only CommR. */
export const SectorPublicInfo = z.object({ CommR: Bytes32Array, SealedCID: CidJson, Activation: Epoch, Expiration: Epoch });
export type SectorPublicInfo = z.output<typeof SectorPublicInfo>;

/** The persist store holding the sector. */
export const SectorPrivateInfo = z.object({ AccessInstance: z.string() });
export type SectorPrivateInfo = z.output<typeof SectorPrivateInfo>;

/** The worker aborts on an empty Pieces or an empty AccessInstance. */
export const AllocatedSnapUpSector = z.object({
  Sector: AllocatedSector,
  Pieces: SectorPieces,
  Public: SectorPublicInfo,
  Private: SectorPrivateInfo,
});
export type AllocatedSnapUpSector = z.output<typeof AllocatedSnapUpSector>;

/** New CommR / CommD, the store holding the update files, the piece CIDs and the snap proof. */
export const SnapUpOnChainInfo = z.object({
  CommR: Bytes32Array,
  CommD: Bytes32Array,
  AccessInstance: z.string(),
  Pieces: goSlice(CidJson),
  Proof: GoBytes,
});
export type SnapUpOnChainInfo = z.output<typeof SnapUpOnChainInfo>;

export const SnapUpFetchResult = z.object({ Total: Uint, Diff: Uint });
export type SnapUpFetchResult = z.output<typeof SnapUpFetchResult>;

// ---- rebuild and unseal ----

/** Pieces (legacy) and PiecesV2 are optional lists on the Rust side: null stays null. */
export const SectorRebuildInfo = z.object({
  Sector: AllocatedSector,
  Ticket,
  Pieces: z.array(LegacyDealInfo).nullable(),
  PiecesV2: z.array(SectorPieceV2).nullable(),
  IsSnapUp: z.boolean(),
  UpgradePublic: SectorPublicInfo.nullable(),
});
export type SectorRebuildInfo = z.output<typeof SectorRebuildInfo>;

/** `gateway.UnsealState`. */
export const UNSEAL_STATES = ["set_up", "unsealing", "uploading", "finished", "failed"] as const;
export type UnsealState = (typeof UNSEAL_STATES)[number];

/** Offset and Size are unpadded; the worker reads the first seven fields. */
export const SectorUnsealInfo = z.object({
  Sector: AllocatedSector,
  PieceCid: CidJson,
  Offset: Uint,
  Size: Uint,
  PrivateInfo: SectorPrivateInfo,
  Ticket,
  CommD: Bytes32Array,
  Dest: goSlice(z.string()),
  State: z.enum(UNSEAL_STATES, { error: `expected an unseal state: ${UNSEAL_STATES.join(", ")}` }),
  ErrorInfo: z.string(),
});
export type SectorUnsealInfo = z.output<typeof SectorUnsealInfo>;

// ---- the manager's sector record (CLI methods) ----

/** `core.PreCommitInfo`: the commitments as CIDs, unlike PreCommitOnChainInfo. */
export const PreCommitInfo = z.object({ CommR: CidJson, CommD: CidJson, Ticket });
export type PreCommitInfo = z.output<typeof PreCommitInfo>;

export const MessageInfo = z.object({ PreCommitCid: NullableCidJson, CommitCid: NullableCidJson, NeedSend: z.boolean() });
export type MessageInfo = z.output<typeof MessageInfo>;

/** PollTerminateSectorState's result too. */
export const TerminateInfo = z.object({ TerminateCid: NullableCidJson, TerminatedAt: Epoch, AddedHeight: Epoch });
export type TerminateInfo = z.output<typeof TerminateInfo>;

export const SectorUpgradedInfo = z.object({ AccessInstance: z.string(), SealedCID: CidJson, UnsealedCID: CidJson, Proof: GoBytes });
export type SectorUpgradedInfo = z.output<typeof SectorUpgradedInfo>;

/** `core.SectorState`. Ticket, Seed, Pre, Proof and LatestState are `omitempty`: absent when unset. */
export const SectorState = z.object({
  ID: SectorID,
  SectorType: SealProofJson,
  Ticket: omitEmpty(Ticket),
  Seed: omitEmpty(Seed),
  /** Legacy pieces (Go field LegacyPieces). */
  Deals: goSlice(LegacyDealInfo),
  Pieces: SectorPieces,
  Pre: omitEmpty(PreCommitInfo),
  Proof: omitEmpty(ProofOnChainInfo),
  MessageInfo,
  TerminateInfo,
  LatestState: omitEmpty(ReportStateReq),
  Finalized: z.boolean(),
  Removed: z.boolean(),
  AbortReason: z.string(),
  Upgraded: z.boolean(),
  UpgradePublic: SectorPublicInfo.nullable(),
  UpgradedInfo: SectorUpgradedInfo.nullable(),
  UpgradeMessageID: z.string().nullable(),
  UpgradeLandedEpoch: Epoch.nullable(),
  Imported: z.boolean(),
  NeedRebuild: z.boolean(),
  Unsealing: z.boolean(),
});
export type SectorState = z.output<typeof SectorState>;

// ---- CLI results ----

/** Store names (not paths) of a sector's sealed file and cache dir. */
export const SectorAccessStores = z.object({ SealedFile: z.string(), CacheDir: z.string() });
export type SectorAccessStores = z.output<typeof SectorAccessStores>;

export const SectorIndexLocation = z.object({ Found: z.boolean(), Instance: SectorAccessStores });
export type SectorIndexLocation = z.output<typeof SectorIndexLocation>;

/** `core.PrivateSectorInfo`: where a proving sector's files are. */
export const PrivateSectorInfo = z.object({
  Accesses: SectorAccessStores,
  CacheDirPath: z.string(),
  SealedSectorPath: z.string(),
  CacheDirURI: z.string(),
  SealedSectorURI: z.string(),
});
export type PrivateSectorInfo = z.output<typeof PrivateSectorInfo>;

export const ProvingSectorInfo = z.object({ OnChain: SectorOnChainInfo, Private: PrivateSectorInfo });
export type ProvingSectorInfo = z.output<typeof ProvingSectorInfo>;

export const RebuildOptions = z.object({ PiecesAvailable: z.boolean() });
export type RebuildOptions = z.output<typeof RebuildOptions>;

/** CheckProvable: `map[abi.SectorNumber]string` (decimal keys; Go nil map = null) ↔ Map of sector number → reason. */
export const SectorReasons = z.codec(
  z.record(z.string().regex(/^(0|[1-9]\d{0,15})$/, { error: "expected a decimal sector number key" }), z.string()).nullable(),
  z.map(Uint, z.string()),
  {
    decode: (o) => new Map(Object.entries(o ?? {}).map(([k, v]) => [Number(k), v] as [number, string])),
    encode: (m) => Object.fromEntries([...m].map(([k, v]) => [String(k), v])),
  },
);
export type SectorReasons = z.output<typeof SectorReasons>;

/** RandomnessAPI's WindowPoSt randomness (32 bytes, base64). */
export const WindowPoStRandomness = z.object({ Epoch, Rand: Base64Bytes32 });
export type WindowPoStRandomness = z.output<typeof WindowPoStRandomness>;

/** MinerAPI.GetInfo (`core.MinerInfo`; named apart from Lotus's StateMinerInfo result). */
export const SealerMinerInfo = z.object({
  ID: Uint,
  Addr: AddressString,
  SectorSize: Uint,
  WindowPoStProofType: PoStProofJson,
  SealProofType: SealProofJson,
});
export type SealerMinerInfo = z.output<typeof SealerMinerInfo>;

/**
 * MinerAPI.GetMinerConfig: the miner's `[[Miners]]` block as Go marshals `modules.MinerConfig`. The section
 * contents belong to the manager's config module and pass through unchecked here.
 */
export const MinerConfigJson = z.object({
  Actor: Uint,
  Sector: JsonObject,
  SnapUp: JsonObject,
  Commitment: JsonObject,
  PoSt: JsonObject,
  Proof: JsonObject,
  Sealing: JsonObject,
});
export type MinerConfigJson = z.output<typeof MinerConfigJson>;

/** SnapUpCandidates: one bitfield of candidate sector numbers per deadline. */
export const SnapUpCandidates = goSlice(BitFieldJson);

/** An UnsealPiece channel value: a chunk of the unsealed piece. */
export const UnsealChunk = Base64Bytes;

// ---- WindowPoSt jobs (§1.7) ----

export const AllocateWdPoStJobSpec = z.object({
  AllowedMiners: z.array(Uint).nullable(),
  AllowedProofTypes: z.array(PoStProofName).nullable(),
});
export type AllocateWdPoStJobSpec = z.output<typeof AllocateWdPoStJobSpec>;

/** `SectorId` (explicit Go tag) is the sector number; Accesses are store names. */
export const WdPoStSectorInfo = z.object({ SectorId: Uint, CommR: Bytes32Array, Upgrade: z.boolean(), Accesses: SectorAccessStores });
export type WdPoStSectorInfo = z.output<typeof WdPoStSectorInfo>;

/** `MinerId` (explicit Go tag). */
export const WdPoStInput = z.object({ Sectors: goSlice(WdPoStSectorInfo), MinerId: Uint, ProofType: PoStProofName, Seed: Bytes32Array });
export type WdPoStInput = z.output<typeof WdPoStInput>;

/** `Id` (explicit Go tag). */
export const WdPoStAllocatedJob = z.object({ Id: z.string(), Input: WdPoStInput });
export type WdPoStAllocatedJob = z.output<typeof WdPoStAllocatedJob>;

/** The only lower-case manager type: the window_post processor's output. */
export const WindowPoStOutput = z.object({ proofs: goSlice(Base64Bytes), faults: goSlice(Uint) });
export type WindowPoStOutput = z.output<typeof WindowPoStOutput>;

export const WDPOST_JOB_STATES = ["ready2run", "running", "finished"] as const;
export type WdPoStJobState = (typeof WDPOST_JOB_STATES)[number];

/**
 * A job as WdPoStAllJobs lists it: the job with its input stripped to MinerId (Sectors null, ProofType "",
 * Seed zeros) and an empty output, plus the sector and fault counts (Go `WdPoStJobBrief.MarshalJSON`).
 */
export const WdPoStJobBrief = z.object({
  Id: z.string(),
  State: z.enum(WDPOST_JOB_STATES, { error: `expected a job state: ${WDPOST_JOB_STATES.join(", ")}` }),
  DeadlineIdx: Uint,
  Partitions: goSlice(Uint),
  Input: WdPoStInput.extend({ ProofType: z.union([z.literal(""), PoStProofName]) }),
  Output: WindowPoStOutput.nullable(),
  TryNum: Uint,
  ErrorReason: z.string(),
  WorkerName: z.string(),
  StartedAt: Uint,
  HeartbeatAt: Uint,
  FinishedAt: Uint,
  CreatedAt: Uint,
  UpdatedAt: Uint,
  Sectors: Uint,
  Faults: Uint,
});
export type WdPoStJobBrief = z.output<typeof WdPoStJobBrief>;

export const AllWdPoStJob = z.object({ Jobs: goSlice(WdPoStJobBrief), MaxTry: Uint });
export type AllWdPoStJob = z.output<typeof AllWdPoStJob>;

/** WdPoStHeartbeatJobsEx (§4i): the caller's jobs it should drop (deadline closed, or another prover won). */
export const WdPoStHeartbeatResp = z.object({ Abandoned: goSlice(z.string()) });
export type WdPoStHeartbeatResp = z.output<typeof WdPoStHeartbeatResp>;

// ---- project methods (§4i) ----

/**
 * WorkerSealingDefaults: the `[sealing]` keys of the worker config, snake_case, only those that are set;
 * durations and sizes as strings ("60s", "32GiB"). The worker's config loader parses the values.
 */
export const WorkerSealingDefaults = z.object({
  allowed_miners: z.array(Uint).optional(),
  allowed_sizes: z.array(z.string()).optional(),
  enable_deals: z.boolean().optional(),
  disable_cc: z.boolean().optional(),
  max_deals: Uint.optional(),
  /** A size: "1GiB", or a plain byte count. */
  min_deal_space: z.union([z.string(), Uint]).optional(),
  max_retries: Uint.optional(),
  seal_interval: z.string().optional(),
  recover_interval: z.string().optional(),
  rpc_polling_interval: z.string().optional(),
  ignore_proof_check: z.boolean().optional(),
  request_task_max_retries: Uint.optional(),
  verify_after_pc2: z.boolean().optional(),
});
export type WorkerSealingDefaults = z.output<typeof WorkerSealingDefaults>;
