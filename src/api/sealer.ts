// The manager's `Venus.*` API at /rpc/v0 (spec/protocols.md §1, §4h, §4i; manager.md §5.2–§5.3), defined once:
// our manager serves it, our worker calls it, and a Rust damocles-worker or the Go `damocles-manager util` CLI
// speak it unchanged. Method sets follow Damocles' `core/api.go` interfaces SealerAPI, SealerCliAPI,
// RandomnessAPI, MinerAPI and WorkerWdPoStAPI; `AllocateSectorsBatch` is declared by the Rust worker but
// served by no manager, so it is not here. Perms: manager.md §5.2.

import { z } from "zod";
import { defineApi, method } from "./define.js";
import { AddressString, CidJson, Epoch, TipSetKeyJson, Uint } from "./codecs.js";
import { ExtendedSectorInfo, goSlice, NoResult } from "./lotus-types.js";
import {
  AcquireDealsSpec,
  AllocatedSector,
  AllocatedSnapUpSector,
  AllocateSectorSpec,
  AllocateSnapUpSpec,
  AllocateWdPoStJobSpec,
  AllWdPoStJob,
  Base64Bytes32,
  MinerConfigJson,
  PoStProofJson,
  PollPreCommitStateResp,
  PollProofStateResp,
  PreCommitOnChainInfo,
  ProofOnChainInfo,
  ProvingSectorInfo,
  RebuildOptions,
  ReportStateReq,
  SealerMinerInfo,
  SealProofJson,
  SectorID,
  SectorIndexLocation,
  SectorIndexType,
  SectorPieceV2,
  SectorReasons,
  SectorRebuildInfo,
  SectorState,
  SectorStateResp,
  SectorUnsealInfo,
  SectorWorkerJobJson,
  SectorWorkerState,
  Seed,
  SnapUpCandidates,
  SnapUpFetchResult,
  SnapUpOnChainInfo,
  StoreBasicInfo,
  StoreDetailedInfo,
  SubmitPreCommitResp,
  SubmitProofResp,
  SubmitSnapUpProofResp,
  SubmitTerminateResp,
  TerminateInfo,
  Ticket,
  UnsealChunk,
  WdPoStAllocatedJob,
  WdPoStHeartbeatResp,
  WaitSeedResp,
  WindowPoStOutput,
  WindowPoStRandomness,
  WorkerInfo,
  WorkerPingInfo,
  WorkerSealingDefaults,
} from "./sealer-types.js";

const Str = z.string();
const Bool = z.boolean();
const JobIds = goSlice(Str);

export const sealerApi = defineApi("Venus", {
  // ---- SealerAPI: what a sealing worker calls (§1.6) ----
  /** → null when nothing is allocatable. */
  AllocateSector: method([AllocateSectorSpec], AllocatedSector.nullable(), "write"),
  /** → null (or []) for a CC sector. Idempotent. */
  AcquireDeals: method([SectorID, AcquireDealsSpec], z.array(SectorPieceV2).nullable(), "write"),
  AssignTicket: method([SectorID], Ticket, "write"),
  /** [sector, info, reset]. */
  SubmitPreCommit: method([AllocatedSector, PreCommitOnChainInfo, Bool], SubmitPreCommitResp, "write"),
  PollPreCommitState: method([SectorID], PollPreCommitStateResp, "write"),
  /** Legacy alias of SubmitPersistedEx(id, instance, false); no current worker calls it. */
  SubmitPersisted: method([SectorID, Str], Bool, "write"),
  /** [sector, persist store name, isUpgrade] → false when the files are not provable there. */
  SubmitPersistedEx: method([SectorID, Str, Bool], Bool, "write"),
  WaitSeed: method([SectorID, SealProofJson], WaitSeedResp, "write"),
  /** [sector, proof, reset]. */
  SubmitProof: method([SectorID, ProofOnChainInfo, Bool], SubmitProofResp, "write"),
  PollProofState: method([SectorID], PollProofStateResp, "write"),
  ReportState: method([SectorID, ReportStateReq], SectorStateResp, "write"),
  ReportFinalized: method([SectorID], NoResult, "write"),
  /** [sector, reason]. */
  ReportAborted: method([SectorID, Str], NoResult, "write"),
  AllocateSanpUpSector: method([AllocateSnapUpSpec], AllocatedSnapUpSector.nullable(), "write"), // sic: wire name
  SubmitSnapUpProof: method([SectorID, SnapUpOnChainInfo], SubmitSnapUpProofResp, "write"),
  AllocateRebuildSector: method([AllocateSectorSpec], SectorRebuildInfo.nullable(), "write"),
  WorkerPing: method([WorkerInfo], NoResult, "write"),
  /** [sector, size in bytes, candidate store names] → null when no store has room now. */
  StoreReserveSpace: method([SectorID, Uint, goSlice(Str)], StoreBasicInfo.nullable(), "write"),
  /** [store name] → null when unknown. */
  StoreBasicInfo: method([Str], StoreBasicInfo.nullable(), "write"),
  AllocateUnsealSector: method([AllocateSectorSpec], SectorUnsealInfo.nullable(), "write"),
  /** [sector, piece CID, error text ("" = success)]. */
  AchieveUnsealSector: method([SectorID, CidJson, Str], NoResult, "write"),
  /** [sector, piece CID] → upload destinations (always a list). */
  AcquireUnsealDest: method([SectorID, CidJson], goSlice(Str), "write"),

  // ---- WorkerWdPoStAPI (§1.7; served only with `daemon run --worker-prover`) ----
  /** [spec, max jobs, worker name]. */
  WdPoStAllocateJobs: method([AllocateWdPoStJobSpec, Uint, Str], goSlice(WdPoStAllocatedJob), "write"),
  /** [running job ids, worker name]. */
  WdPoStHeartbeatJobs: method([JobIds, Str], NoResult, "write"),
  /** [job id, output (null on failure), error text ("" on success)]. */
  WdPoStFinishJob: method([Str, WindowPoStOutput.nullable(), Str], NoResult, "write"),
  WdPoStResetJob: method([Str], NoResult, "write"),
  WdPoStRemoveJob: method([Str], NoResult, "admin"),
  WdPoStAllJobs: method([], AllWdPoStJob, "read"),

  // ---- project methods (§4i) ----
  /** [worker instance name] → its `[sealing]` defaults, or null. */
  WorkerSealingDefaults: method([Str], WorkerSealingDefaults.nullable(), "write"),
  /** WdPoStHeartbeatJobs that also names the jobs to drop. */
  WdPoStHeartbeatJobsEx: method([JobIds, Str], WdPoStHeartbeatResp, "write"),

  // ---- SealerCliAPI (§1.9) ----
  ListSectors: method([SectorWorkerState, SectorWorkerJobJson], goSlice(SectorState), "read"),
  FindSector: method([SectorWorkerState, SectorID], SectorState.nullable(), "read"),
  FindSectorInAllStates: method([SectorID], SectorState.nullable(), "read"),
  /** [state, deal id]. */
  FindSectorsWithDeal: method([SectorWorkerState, Uint], goSlice(SectorState), "read"),
  FindSectorWithPiece: method([SectorWorkerState, CidJson], SectorState.nullable(), "read"),
  /** [state store, record, override]. */
  ImportSector: method([SectorWorkerState, SectorState, Bool], Bool, "admin"),
  /** [sector, forced]. */
  RestoreSector: method([SectorID, Bool], NoResult, "admin"),
  /** [miner id, PoSt proof, sectors, strict, stateCheck] → sector number → reason, for the bad ones. */
  CheckProvable: method([Uint, PoStProofJson, goSlice(ExtendedSectorInfo), Bool, Bool], SectorReasons, "read"),
  /** [deadline, partition, miner address, PoSt proof, sectors, randomness]. */
  SimulateWdPoSt: method([Uint, Uint, AddressString, PoStProofJson, goSlice(ExtendedSectorInfo), Base64Bytes32], NoResult, "write"),
  /** [miner id, deadline index or null for all]. */
  SnapUpPreFetch: method([Uint, Uint.nullable()], SnapUpFetchResult.nullable(), "write"),
  SnapUpCandidates: method([Uint], SnapUpCandidates, "read"),
  SnapUpCancelCommitment: method([SectorID], NoResult, "admin"),
  ProvingSectorInfo: method([SectorID], ProvingSectorInfo, "read"),
  WorkerGetPingInfo: method([Str], WorkerPingInfo.nullable(), "read"),
  WorkerPingInfoList: method([], goSlice(WorkerPingInfo), "read"),
  WorkerPingInfoRemove: method([Str], NoResult, "admin"),
  SectorIndexerFind: method([SectorIndexType, SectorID], SectorIndexLocation, "read"),
  TerminateSector: method([SectorID], SubmitTerminateResp, "admin"),
  PollTerminateSectorState: method([SectorID], TerminateInfo, "read"),
  RemoveSector: method([SectorID], NoResult, "admin"),
  FinalizeSector: method([SectorID], NoResult, "admin"),
  StoreReleaseReserved: method([SectorID], Bool, "admin"),
  StoreList: method([], goSlice(StoreDetailedInfo), "read"),
  SectorSetForRebuild: method([SectorID, RebuildOptions], Bool, "write"),
  /** [sector, piece CID, unpadded offset, unpadded size, dest] → the piece's bytes in chunks (WebSocket only). */
  UnsealPiece: method([SectorID, CidJson, Uint, Uint, Str], UnsealChunk, "write", { channel: true }),
  Version: method([], Str, "read"),

  // ---- RandomnessAPI ----
  /** [tipset key, epoch, miner id]. */
  GetTicket: method([TipSetKeyJson, Epoch, Uint], Ticket, "read"),
  GetSeed: method([TipSetKeyJson, Epoch, Uint], Seed, "read"),
  GetWindowPoStChanlleengeRand: method([TipSetKeyJson, Epoch, Uint], WindowPoStRandomness, "read"), // sic: wire name
  /** [tipset key, epoch]. */
  GetWindowPoStCommitRand: method([TipSetKeyJson, Epoch], WindowPoStRandomness, "read"),

  // ---- MinerAPI ----
  GetInfo: method([Uint], SealerMinerInfo.nullable(), "read"),
  GetMinerConfig: method([Uint], MinerConfigJson.nullable(), "read"),
});

export type SealerApi = typeof sealerApi;
export type SealerMethodName = keyof SealerApi["methods"];

/**
 * The sealing-worker set (protocols.md §4a, manager.md §5.3): what a request without a token from
 * `Auth.TrustedWorkerNetworks` may call, and nothing else. Every one needs `write` with a token.
 */
export const SEALING_WORKER_METHODS: ReadonlySet<SealerMethodName> = new Set<SealerMethodName>([
  "AllocateSector",
  "AcquireDeals",
  "AssignTicket",
  "SubmitPreCommit",
  "PollPreCommitState",
  "SubmitPersisted",
  "SubmitPersistedEx",
  "WaitSeed",
  "SubmitProof",
  "PollProofState",
  "ReportState",
  "ReportFinalized",
  "ReportAborted",
  "AllocateSanpUpSector", // sic
  "SubmitSnapUpProof",
  "AllocateRebuildSector",
  "WorkerPing",
  "StoreReserveSpace",
  "StoreBasicInfo",
  "AllocateUnsealSector",
  "AchieveUnsealSector",
  "AcquireUnsealDest",
  "WdPoStAllocateJobs",
  "WdPoStHeartbeatJobs",
  "WdPoStFinishJob",
  "WorkerSealingDefaults",
  "WdPoStHeartbeatJobsEx",
]);

/** WorkerWdPoStAPI plus our heartbeat: exposed only with `daemon run --worker-prover` (else −32601). */
export const WDPOST_JOB_METHODS: ReadonlySet<SealerMethodName> = new Set<SealerMethodName>([
  "WdPoStAllocateJobs",
  "WdPoStHeartbeatJobs",
  "WdPoStHeartbeatJobsEx",
  "WdPoStFinishJob",
  "WdPoStResetJob",
  "WdPoStRemoveJob",
  "WdPoStAllJobs",
]);
