// Commitment manager (spec/manager.md §8.4): validation of SubmitPreCommit / SubmitProof, per-miner batchers,
// sending through the messager, and the OnChainState answers of PollPreCommitState / PollProofState.

export { createCommitmentManager } from "./commitment-manager.js";
export { storeMessageLog } from "./message-log.js";
export { sectorStateFromDoc, sectorStateToDoc } from "./sector-doc.js";
export type {
  BatchKind,
  Clock,
  CommitmentDeps,
  CommitmentManager,
  CommitmentMetrics,
  Logger,
  NetworkView,
  SectorIdRef,
  SectorRef,
} from "./types.js";
