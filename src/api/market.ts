// The droplet market subset (`VENUS_MARKET.*` at /rpc/v1, spec/devnet.md §5.2): the deal assignment calls of
// Damocles' deal manager (`damocles damocles-manager/modules/impl/dealmgr/dealmgr.go`) and the market events.
// Types from `venus venus-shared/types/market/assigner_type.go`, perms from `venus-shared/api/market/v1/api.go`.

import { z } from "zod";
import { defineApi, method } from "./define.js";
import { AddressString, CidJson, Epoch, NullableCidJson, Uint } from "./codecs.js";
import { marketEventMethods } from "./gateway.js";
import { goSlice, NoResult } from "./lotus-types.js";

/** `abi.SectorID`: `{"Miner": 1000, "Number": 7}` (actor id, not an address). */
export const SectorID = z.object({ Miner: Uint, Number: Uint });
export type SectorID = z.output<typeof SectorID>;

/** `market.GetDealSpec`: 0 (null for SectorExpiration) = no limit. Sizes are padded bytes. */
export const GetDealSpec = z.object({
  MaxPiece: Uint,
  MaxPieceSize: Uint,
  MinPiece: Uint,
  MinPieceSize: Uint,
  MinUsedSpace: Uint,
  /** Deals must start after this epoch. */
  StartEpoch: Epoch,
  /** Deals must end before this epoch. */
  EndEpoch: Epoch,
  /** Deals must end no later than this (snap-up sectors); absent in droplet versions before it existed. */
  SectorExpiration: Epoch.nullish(),
});
export type GetDealSpec = z.output<typeof GetDealSpec>;

/** `market.DealInfoV2`. PieceSize = Length = the padded size, Offset the padded offset in the sector. */
export const DealInfoV2 = z.object({
  DealID: Uint,
  /** The publishing message; null for a DDO piece (`IsBuiltinMarket` = PublishCid != null). */
  PublishCid: NullableCidJson,
  /** Verified-registry allocation of a DDO piece; 0 for built-in market deals. */
  AllocationID: Uint,
  PieceCID: CidJson,
  PieceSize: Uint,
  Client: AddressString,
  Provider: AddressString,
  Offset: Uint,
  Length: Uint,
  /** Unpadded bytes of the piece's payload. */
  PayloadSize: Uint,
  StartEpoch: Epoch,
  EndEpoch: Epoch,
});
export type DealInfoV2 = z.output<typeof DealInfoV2>;

export const marketApi = defineApi("VENUS_MARKET", {
  /** [sector, sector size (bytes), spec] → the deals laid out in the sector; [] when the spec cannot be met. A nil spec (null) means no limits. */
  AssignDeals: method([SectorID, Uint, GetDealSpec.nullable()], goSlice(DealInfoV2), "write"),
  ReleaseDeals: method([AddressString, goSlice(Uint)], NoResult, "write"),
  ReleaseDirectDeals: method([AddressString, goSlice(Uint)], NoResult, "write"),
  ...marketEventMethods,
});

export type MarketApi = typeof marketApi;
