// The Lotus full-node v1 subset (`Filecoin.*` at /rpc/v1): every method of spec/filecoin.md §19 plus the extras of
// devnet.md §4, with Lotus's param lists and `perm:` tags (`lotus api/api_full.go`, `api/api_common.go`).
// The devnet serves this table and the manager's chain client is derived from it.
//
// Trailing tipset keys: Lotus clients always send them (null or [] = head), and so does our client. The server
// also accepts a call that leaves them out (optionalTail), as if null was sent: hand-written calls (curl, test
// scripts) routinely omit the key, and there is no other meaning it could have. The same holds for the
// optional MessageSendSpec of MpoolPushMessage / GasEstimateMessageGas. Nothing else may be omitted.

import { z } from "zod";
import { defineApi, method } from "./define.js";
import { AddressString, Base64Bytes, BigIntString, BitFieldJson, CidJson, Epoch, SafeInt, TipSetKeyJson, Uint } from "./codecs.js";
import {
  ActorState,
  Allocation,
  APIVersion,
  BeaconEntry,
  Deadline,
  DeadlineInfo,
  goSlice,
  GoBytes,
  HeadChange,
  MarketDeal,
  Message,
  MessageMatch,
  MessageSendSpec,
  MinerInfo,
  MinerPower,
  MiningBaseInfo,
  MsgLookup,
  NetworkParams,
  Partition,
  SectorLocation,
  SectorOnChainInfo,
  SectorPreCommitInfo,
  SectorPreCommitOnChainInfo,
  Signature,
  SignedMessage,
  TipSet,
} from "./lotus-types.js";

export * from "./lotus-types.js";

const TSK = TipSetKeyJson;
const tail = { optionalTail: 1 } as const;
/** go-state-types crypto.DomainSeparationTag (int64). */
const DomainTag = SafeInt;

export const lotusApi = defineApi("Filecoin", {
  // ---- common ----
  Version: method([], APIVersion, "read"),

  // ---- chain ----
  ChainHead: method([], TipSet, "read"),
  ChainNotify: method([], z.array(HeadChange), "read", { channel: true }),
  ChainGetTipSet: method([TSK], TipSet, "read", tail),
  ChainGetTipSetByHeight: method([Epoch, TSK], TipSet, "read", tail),
  ChainGetTipSetAfterHeight: method([Epoch, TSK], TipSet, "read", tail),
  ChainGetMessage: method([CidJson], Message, "read"),

  // ---- network and randomness ----
  StateNetworkName: method([], z.string(), "read"),
  StateNetworkVersion: method([TSK], Uint, "read", tail),
  StateGetNetworkParams: method([], NetworkParams, "read"),
  StateGetRandomnessFromTickets: method([DomainTag, Epoch, GoBytes, TSK], Base64Bytes, "read", tail),
  StateGetRandomnessFromBeacon: method([DomainTag, Epoch, GoBytes, TSK], Base64Bytes, "read", tail),
  StateGetRandomnessDigestFromTickets: method([Epoch, TSK], Base64Bytes, "read", tail),
  StateGetRandomnessDigestFromBeacon: method([Epoch, TSK], Base64Bytes, "read", tail),
  StateGetBeaconEntry: method([Epoch], BeaconEntry, "read"),
  MinerGetBaseInfo: method([AddressString, Epoch, TSK], MiningBaseInfo.nullable(), "read", tail),

  // ---- miner state ----
  StateMinerInfo: method([AddressString, TSK], MinerInfo, "read", tail),
  StateMinerPower: method([AddressString, TSK], MinerPower, "read", tail),
  StateMinerSectorAllocated: method([AddressString, Uint, TSK], z.boolean(), "read", tail),
  StateMinerAllocated: method([AddressString, TSK], BitFieldJson, "read", tail),
  StateSectorPreCommitInfo: method([AddressString, Uint, TSK], SectorPreCommitOnChainInfo.nullable(), "read", tail),
  StateSectorGetInfo: method([AddressString, Uint, TSK], SectorOnChainInfo.nullable(), "read", tail),
  StateSectorPartition: method([AddressString, Uint, TSK], SectorLocation, "read", tail),
  StateMinerProvingDeadline: method([AddressString, TSK], DeadlineInfo, "read", tail),
  StateMinerDeadlines: method([AddressString, TSK], goSlice(Deadline), "read", tail),
  StateMinerPartitions: method([AddressString, Uint, TSK], goSlice(Partition), "read", tail),
  /** The filter is a bitfield of sector numbers; null = every sector (not the same as an empty bitfield). */
  StateMinerSectors: method([AddressString, BitFieldJson.nullable(), TSK], goSlice(SectorOnChainInfo), "read", tail),
  StateMinerActiveSectors: method([AddressString, TSK], goSlice(SectorOnChainInfo), "read", tail),
  StateMinerFaults: method([AddressString, TSK], BitFieldJson, "read", tail),
  StateMinerRecoveries: method([AddressString, TSK], BitFieldJson, "read", tail),
  StateMinerPreCommitDepositForPower: method([AddressString, SectorPreCommitInfo, TSK], BigIntString, "read", tail),
  /** [sector duration (epochs), sector size, verified bytes, TSK]. */
  StateMinerInitialPledgeForSector: method([Epoch, Uint, Uint, TSK], BigIntString, "read", tail),
  StateMinerAvailableBalance: method([AddressString, TSK], BigIntString, "read", tail),

  // ---- actors and accounts ----
  StateLookupID: method([AddressString, TSK], AddressString, "read", tail),
  StateAccountKey: method([AddressString, TSK], AddressString, "read", tail),
  StateGetActor: method([AddressString, TSK], ActorState, "read", tail),
  WalletBalance: method([AddressString], BigIntString, "read"),
  WalletList: method([], goSlice(AddressString), "write"),

  // ---- market and verified registry ----
  StateMarketStorageDeal: method([Uint, TSK], MarketDeal, "read", tail),
  /** 0 = no verified allocation. */
  StateGetAllocationIdForPendingDeal: method([Uint, TSK], Uint, "read", tail),
  StateGetAllocation: method([AddressString, Uint, TSK], Allocation.nullable(), "read", tail),

  // ---- messages ----
  MpoolPushMessage: method([Message, MessageSendSpec.nullable()], SignedMessage, "sign", tail),
  GasEstimateMessageGas: method([Message, MessageSendSpec.nullable(), TSK], Message, "read", { optionalTail: 2 }),
  MpoolGetNonce: method([AddressString], Uint, "read"),
  WalletSign: method([AddressString, Base64Bytes], Signature, "sign"),
  MpoolPush: method([SignedMessage], CidJson, "write"),
  /** [cid, confidence, lookback limit (-1 = none), allowReplaced]. */
  StateWaitMsg: method([CidJson, Uint, Epoch, z.boolean()], MsgLookup, "read"),
  /** [from tipset, cid, lookback limit, allowReplaced]; null when not found. */
  StateSearchMsg: method([TSK, CidJson, Epoch, z.boolean()], MsgLookup.nullable(), "read"),
  /** [filter, tipset, lowest height to look at]: CIDs of the matching messages. */
  StateListMessages: method([MessageMatch, TSK, Epoch], goSlice(CidJson), "read"),
});

export type LotusApi = typeof lotusApi;
