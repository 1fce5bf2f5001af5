// The commitment manager's surface (spec/manager.md §8.4, §5.3): what the sealer API handlers and the daemon
// composition see. The implementation is commitment-manager.ts.

import type { ChainClient, Messager } from "../../chain/index.js";
import type { ManagerStore } from "../../db/manager-store.js";
import type { PollStateResp, PreCommitOnChainInfo, ProofOnChainInfo, SubmitResp, TerminateInfo } from "../../api/sealer-types.js";
import type { MinerConfig } from "../config/schema.js";

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the abort reason when `signal` fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type BatchKind = "precommit" | "provecommit" | "terminate";

/** Optional counters; each call is one event. */
export interface CommitmentMetrics {
  submitted(kind: BatchKind, result: string): void;
  /** A message was pushed carrying `sectors` sectors. */
  batchSent(kind: BatchKind, sectors: number, reason: string): void;
  sendFailed(kind: BatchKind): void;
}

export interface NetworkView {
  name: string;
  /** Devnet proofs may be verified and sent (devnet.md §8.4). */
  devnet: boolean;
  preCommitChallengeDelay: number;
  blockDelaySecs: number;
}

export interface CommitmentDeps {
  store: ManagerStore;
  chain: ChainClient;
  messager: Messager;
  /** The miner's `[[Miners]]` block; null for a miner the manager does not serve. */
  minerConfig(miner: number): MinerConfig | null;
  clock: Clock;
  logger: Logger;
  metrics?: CommitmentMetrics | null;
  network: () => NetworkView;
}

/** `AllocatedSector` reduced to what the manager needs. */
export interface SectorRef {
  miner: number;
  number: number;
  proofType: number;
}

export interface SectorIdRef {
  miner: number;
  number: number;
}

export interface CommitmentManager {
  /** `Venus.SubmitPreCommit`: validates, then marks NeedSend and queues, durably, before answering Accepted. */
  submitPreCommit(sector: SectorRef, info: PreCommitOnChainInfo, reset: boolean): Promise<SubmitResp>;
  /** `Venus.PollPreCommitState`; SectorNotFoundError (RPC 11001) for an unknown sector. */
  preCommitState(sid: SectorIdRef): Promise<PollStateResp>;
  /** `Venus.SubmitProof`. */
  submitProof(sid: SectorIdRef, info: ProofOnChainInfo, reset: boolean): Promise<SubmitResp>;
  /** `Venus.PollProofState`. */
  proofState(sid: SectorIdRef): Promise<PollStateResp>;
  /** `Venus.TerminateSector` (online or offline sector that is on chain): queued for the Terminate batcher. */
  submitTerminate(sid: SectorIdRef): Promise<SubmitResp>;
  /** `Venus.PollTerminateSectorState`: TerminatedAt > 0 once the TerminateSectors message landed with Confidence. */
  terminateState(sid: SectorIdRef): Promise<TerminateInfo>;
  /** Sends the miner's queue of this kind now (CLI force); resolves when the message is pushed (or nothing queued). */
  forceSend(miner: number, kind: BatchKind): Promise<void>;
  /** Re-forms the queues from the store (sectors with NeedSend and no message) and pushes recorded, unpushed batches. */
  start(): void;
  /** Stops the batchers; a batch being pushed finishes first. */
  stop(): Promise<void>;
}
