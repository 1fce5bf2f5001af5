// The deal manager (spec/manager.md §8.5, protocols.md §1.6 AcquireDeals / ReportAborted): fills a sector
// with deals from the droplet market, records them per sector, and gives them back when the sector is
// aborted. Without a market (or with `Sector.EnableDeals` off) every sector is committed capacity.

import type { AcquireDealsSpec, SectorID, SectorPieceV2 } from "../../api/sealer-types.js";
import type { MarketClient } from "../../chain/index.js";
import type { ManagerStore, SectorDeal } from "../../db/manager-store.js";
import { sealProofType } from "../../filecoin/proof-types.js";
import { zeroPieceCid } from "../../proofs/zero-commitments.js";
import type { ManagerConfig, MinerConfig } from "../config/schema.js";

export interface DealManagerDeps {
  store: ManagerStore;
  /** null: no market API, CC sectors only. */
  market: MarketClient | null;
  /** The chain head height, for `Sealing.SealingEpochDuration`. */
  headHeight: () => Promise<number>;
  config: () => ManagerConfig;
}

export interface DealManager {
  /**
   * Asks the market for deals for a new sector of `proofType`; [] when deals are off for the miner, there is
   * no market, or the market has none fitting. Pledge pieces in the answer must be zero pieces.
   */
  acquire(sid: SectorID, proofType: number, spec: AcquireDealsSpec): Promise<SectorPieceV2[]>;
  /** Records the sector's deal pieces (not its pledge pieces) for lookups and release. */
  record(sid: SectorID, pieces: readonly SectorPieceV2[]): Promise<void>;
  /** Gives the sector's recorded deals back to the market (built-in deals and DDO allocations), then forgets them. */
  release(sid: SectorID): Promise<void>;
  /** Gives pieces back that were acquired but never recorded (the state could not be saved). */
  releasePieces(miner: number, pieces: readonly SectorPieceV2[]): Promise<void>;
}

/** A pledge piece carries neither a deal nor an allocation (protocols.md §1.5 DealInfoV2). */
export function isPledgePiece(p: SectorPieceV2): boolean {
  return (p.DealInfo.IsBuiltinMarket ? p.DealInfo.DealID : p.DealInfo.AllocationID) === 0;
}

/** Throws naming the piece when a pledge piece is not the zero piece of its size. */
export function checkPledgePieces(pieces: readonly SectorPieceV2[]): void {
  pieces.forEach((p, i) => {
    if (!isPledgePiece(p)) return;
    const want = zeroPieceCid(p.Piece.Size).toString();
    if (p.Piece.PieceCID.toString() !== want)
      throw new Error(`piece ${i} (${p.Piece.PieceCID.toString()}, ${p.Piece.Size} bytes) has no deal but is not the zero piece ${want}`);
  });
}

export function createDealManager(deps: DealManagerDeps): DealManager {
  const minerConfig = (miner: number): MinerConfig | undefined => deps.config().Miners.find((m) => m.Actor === miner);

  async function giveBack(miner: number, deals: ReadonlyArray<{ dealId: number; allocationId: number }>): Promise<void> {
    if (!deps.market) return;
    const dealIds = deals.filter((d) => d.dealId !== 0).map((d) => d.dealId);
    const allocationIds = deals.filter((d) => d.dealId === 0 && d.allocationId !== 0).map((d) => d.allocationId);
    await deps.market.releaseDeals(miner, dealIds);
    await deps.market.releaseDirectDeals(miner, allocationIds);
  }

  return {
    async acquire(sid, proofType, spec) {
      const m = minerConfig(sid.Miner);
      if (!deps.market || !m?.Sector.EnableDeals) return [];
      const duration = m.Sealing.SealingEpochDuration;
      const startEpoch = duration > 0 ? (await deps.headHeight()) + duration : 0;
      const deals = await deps.market.assignDeals(sid, sealProofType(proofType).sectorSize, {
        MaxPiece: spec.MaxDeals ?? 0,
        MaxPieceSize: 0,
        MinPiece: 0,
        MinPieceSize: 0,
        MinUsedSpace: spec.MinUsedSpace ?? 0,
        StartEpoch: startEpoch,
        EndEpoch: 0,
      });
      return deals.map((d) => ({
        Piece: { Size: d.PieceSize, PieceCID: d.PieceCID },
        DealInfo: { ...d, IsBuiltinMarket: d.PublishCid !== null, IsCompatible: false },
      }));
    },

    async record(sid, pieces) {
      const deals: SectorDeal[] = [];
      pieces.forEach((p, i) => {
        if (isPledgePiece(p)) return;
        deals.push({
          pieceIndex: i,
          dealId: p.DealInfo.IsBuiltinMarket ? p.DealInfo.DealID : 0,
          allocationId: p.DealInfo.AllocationID,
          pieceCid: p.Piece.PieceCID.toString(),
          pieceSize: p.Piece.Size,
        });
      });
      await deps.store.setSectorDeals(sid.Miner, sid.Number, deals);
    },

    async release(sid) {
      const deals = await deps.store.listSectorDeals(sid.Miner, sid.Number);
      if (deals.length === 0) return;
      await giveBack(sid.Miner, deals); // both releases are idempotent: forget the deals only once they are back
      await deps.store.releaseSectorDeals(sid.Miner, sid.Number);
    },

    async releasePieces(miner, pieces) {
      const deals = pieces
        .filter((p) => !isPledgePiece(p))
        .map((p) => ({ dealId: p.DealInfo.IsBuiltinMarket ? p.DealInfo.DealID : 0, allocationId: p.DealInfo.AllocationID }));
      await giveBack(miner, deals);
    },
  };
}
