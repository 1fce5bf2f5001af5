// The devnet's admin namespace (`Devnet.*` at /rpc/v1, spec/devnet.md §7): fault injection and status for tests
// and `damocles-devnet up`. Every method needs an admin token.

import { z } from "zod";
import { CHAIN_FINALITY } from "../filecoin/policy.js";
import { defineApi, method } from "./define.js";
import { AddressString, BigIntString, CidJson, Epoch, Uint } from "./codecs.js";
import { NoResult, TipSet } from "./lotus-types.js";

/** `deal add`'s request: `pieces/<PieceCID>` must already hold PayloadSize bytes. */
export const PublishDealRequest = z.object({
  Miner: AddressString,
  PieceCID: CidJson,
  PayloadSize: Uint,
  Verified: z.boolean(),
  StartEpoch: Epoch,
  EndEpoch: Epoch,
});
export type PublishDealRequest = z.output<typeof PublishDealRequest>;

export const PublishedDeal = z.object({
  DealID: Uint,
  PublishCid: CidJson,
  PieceCID: CidJson,
  /** Padded. */
  PieceSize: Uint,
  PayloadSize: Uint,
  StartEpoch: Epoch,
  EndEpoch: Epoch,
  Verified: z.boolean(),
  /** Where a worker fetches the piece: `<origin>/resource?resource-id=<PieceCID>`. */
  URL: z.string(),
});
export type PublishedDeal = z.output<typeof PublishedDeal>;

export const MinerStatus = z.object({
  Miner: AddressString,
  RawPower: BigIntString,
  QAPower: BigIntString,
  ActiveSectors: Uint,
  FaultySectors: Uint,
  PreCommits: Uint,
  BlocksWon: Uint,
  WinningPoStMissed: Uint,
  /** Open ListenProofEvent channels. */
  ProofListeners: Uint,
});
export type MinerStatus = z.output<typeof MinerStatus>;

export const DealCounts = z.object({ Published: Uint, Assigned: Uint, Active: Uint, Expired: Uint });
export type DealCounts = z.output<typeof DealCounts>;

export const DevnetStatus = z.object({
  Height: Epoch,
  Paused: z.boolean(),
  /** Block time in milliseconds (config `block_time`, which may be below a second). */
  BlockTime: Uint,
  NetworkName: z.string(),
  Miners: z.array(MinerStatus),
  Deals: DealCounts,
  MpoolSize: Uint,
});
export type DevnetStatus = z.output<typeof DevnetStatus>;

const ExitCode = Uint.min(1, { error: "exit code must be 1…255" }).max(255, { error: "exit code must be 1…255" });
/** Tipsets to drop: 1 … finality (the devnet also refuses more than the height). */
const RevertDepth = Uint.min(1, { error: `revert depth must be 1…${CHAIN_FINALITY}` }).max(CHAIN_FINALITY, {
  error: `revert depth must be 1…${CHAIN_FINALITY}`,
});

export const devnetAdminApi = defineApi("Devnet", {
  PauseBlocks: method([], NoResult, "admin"),
  ResumeBlocks: method([], NoResult, "admin"),
  /** [method number, exit code, count]: the next `count` executed messages with this method fail; count 0 clears. */
  FailMessages: method([Uint, ExitCode, Uint], NoResult, "admin"),
  /** [count, epochs]: the next `count` messages entering the mpool wait `epochs` epochs before inclusion. */
  DelayMessages: method([Uint, Uint], NoResult, "admin"),
  /** [k] → the new head after dropping the last k tipsets. */
  Revert: method([RevertDepth], TipSet, "admin"),
  PublishDeal: method([PublishDealRequest], PublishedDeal, "admin"),
  Status: method([], DevnetStatus, "admin"),
});

export type DevnetAdminApi = typeof devnetAdminApi;
