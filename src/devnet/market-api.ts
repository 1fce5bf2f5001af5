// The droplet market subset `VENUS_MARKET.*` (spec/devnet.md §5.2): AssignDeals by the rule of
// market-state.ts, ReleaseDeals, and the market-event channel. Assignments are droplet's own
// bookkeeping, not chain state: they live in chain.db's plain key-value store and survive a Revert
// (a reverted deal simply drops out of them).
import type { ServerMethods } from "../api/define.js";
import type { DealInfoV2, GetDealSpec as ApiGetDealSpec } from "../api/market.js";
import { marketApi } from "../api/market.js";
import { formatIdAddress } from "../filecoin/address.js";
import { unpaddedSize } from "../filecoin/sizes.js";
import { CID } from "multiformats/cid";
import type { DevnetChain } from "./chain.js";
import { marketEventMethods, minerIdOf } from "./gateway-api.js";
import { readDeals } from "./market-actor.js";
import { type Assignment, type Deal, type GetDealSpec, assignDeals, releasableAssignments } from "./market-state.js";
import type { PieceStore } from "./pieces.js";

const ASSIGN_NS = "market-assign";
const PAYLOAD_NS = "market-payload";

/** The chain surface the market API uses (DevnetChain satisfies it). */
export type MarketChain = Pick<DevnetChain, "height" | "view" | "kvGet" | "kvPut" | "kvList" | "resolveId" | "minerState">;

const pad = (n: number): string => String(n).padStart(12, "0");

export function readAssignments(chain: Pick<DevnetChain, "kvList">): Assignment[] {
  return chain.kvList(ASSIGN_NS).flatMap(([k, v]) => {
    if (v === null) return [];
    const o = v as { miner: number; sectorNumber: number; offset: number };
    return [{ dealId: Number(k), miner: o.miner, sectorNumber: o.sectorNumber, offset: o.offset }];
  });
}

/** Off-chain: the payload size `deal add` imported for a piece (DealInfoV2.PayloadSize). */
export function recordPayloadSize(chain: Pick<DevnetChain, "kvPut">, pieceCid: string, size: number): void {
  chain.kvPut(PAYLOAD_NS, pieceCid, size);
}

async function payloadSize(chain: Pick<DevnetChain, "kvGet">, pieces: PieceStore | null, deal: Deal): Promise<number> {
  const cid = deal.proposal.PieceCID.toString();
  const known = chain.kvGet(PAYLOAD_NS, cid);
  if (typeof known === "number") return known;
  const stored = pieces ? await pieces.size(cid) : null;
  return stored ?? unpaddedSize(deal.proposal.PieceSize);
}

const toSpec = (s: ApiGetDealSpec | null): GetDealSpec => ({
  MaxPiece: s?.MaxPiece ?? 0,
  MaxPieceSize: s?.MaxPieceSize ?? 0,
  MinPiece: s?.MinPiece ?? 0,
  MinPieceSize: s?.MinPieceSize ?? 0,
  MinUsedSpace: s?.MinUsedSpace ?? 0,
  StartEpoch: s?.StartEpoch ?? 0,
  EndEpoch: s?.EndEpoch ?? 0,
  SectorExpiration: s?.SectorExpiration ?? null,
});

export interface MarketApiDeps {
  /** For PayloadSize of deals published without `deal add` bookkeeping. */
  pieces?: PieceStore | null;
}

export function createMarketApi(chain: MarketChain, deps: MarketApiDeps = {}): ServerMethods<typeof marketApi> {
  return {
    async AssignDeals(sid, sectorSize, spec) {
      const deals = readDeals(chain.view());
      const known = new Set(deals.map((d) => d.id));
      // A deal reverted off the chain drops out of droplet's bookkeeping.
      const assignments = readAssignments(chain).filter((a) => {
        if (known.has(a.dealId)) return true;
        chain.kvPut(ASSIGN_NS, pad(a.dealId), null);
        return false;
      });
      const r = assignDeals({ miner: sid.Miner, sectorNumber: sid.Number, sectorSize, spec: toSpec(spec), head: chain.height, deals, assignments });
      // rule (6): record, then answer (synchronously, before any await)
      for (const a of r.record) chain.kvPut(ASSIGN_NS, pad(a.dealId), { miner: a.miner, sectorNumber: a.sectorNumber, offset: a.offset });
      const out: DealInfoV2[] = [];
      for (const { deal, offset } of r.pieces) {
        const p = deal.proposal;
        out.push({
          DealID: deal.id,
          PublishCid: CID.parse(deal.publishCid),
          AllocationID: 0,
          PieceCID: p.PieceCID,
          PieceSize: p.PieceSize,
          Client: formatIdAddress(p.Client, "t"),
          Provider: formatIdAddress(p.Provider, "t"),
          Offset: offset,
          Length: p.PieceSize,
          PayloadSize: await payloadSize(chain, deps.pieces ?? null, deal),
          StartEpoch: p.StartEpoch,
          EndEpoch: p.EndEpoch,
        });
      }
      return out;
    },

    ReleaseDeals(miner, dealIds) {
      const id = minerIdOf(chain, miner);
      const active = new Set(readDeals(chain.view()).filter((d) => d.sectorStartEpoch >= 0).map((d) => d.id));
      for (const a of releasableAssignments(readAssignments(chain), id, dealIds))
        if (!active.has(a.dealId)) chain.kvPut(ASSIGN_NS, pad(a.dealId), null);
      return null;
    },

    ReleaseDirectDeals(miner) {
      minerIdOf(chain, miner); // no DDO deals exist: accepted, no effect
      return null;
    },

    ...marketEventMethods(chain),
  };
}
