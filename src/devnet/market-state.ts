// The embedded storage market's rules (spec/devnet.md §5), as pure functions over plain records:
// deal validation at publish, the verified allocation a verified deal gets, the life cycle, droplet's
// AssignDeals rule (1)–(6), and the checks a piece passes when ProveCommitSectors3 notifies the
// market (builtin-actors actors/market/src/lib.rs `sector_content_changed`) and claims an allocation
// (actors/verifreg `can_claim_alloc`). Storage and execution live in market-actor.ts.
import type { CID } from "multiformats/cid";
import { parsePieceCid } from "../filecoin/cid.js";
import { EPOCHS_IN_DAY } from "../filecoin/policy.js";

/** Deal durations allowed by the market (filecoin.md §16; builtin-actors DEAL_MIN/MAX_DURATION). */
export const DEAL_MIN_DURATION = 180 * EPOCHS_IN_DAY;
export const DEAL_MAX_DURATION = 1278 * EPOCHS_IN_DAY;
/** builtin-actors market `alloc_request_for_deal`: TermMax = TermMin + 90 days. */
export const MARKET_DEFAULT_ALLOCATION_TERM_BUFFER = 90 * EPOCHS_IN_DAY;
/** go-state-types market DealMaxLabelSize. */
export const DEAL_MAX_LABEL_SIZE = 256;
/** Deal ids start at 1: 0 means a pledge piece in the sealer API (§5.1). */
export const FIRST_DEAL_ID = 1;
export const FIRST_ALLOCATION_ID = 1;
/** The storage market actor. */
export const MARKET_ACTOR_ID = 5;

export interface DealProposal {
  /** PieceCID v1. */
  PieceCID: CID;
  /** Padded size. */
  PieceSize: number;
  VerifiedDeal: boolean;
  /** Actor ids (resolved from the proposal's addresses). */
  Client: number;
  Provider: number;
  Label: string;
  StartEpoch: number;
  EndEpoch: number;
  StoragePricePerEpoch: bigint;
  ProviderCollateral: bigint;
  ClientCollateral: bigint;
}

/** A published deal: proposal plus on-chain state (go-state-types market DealState) and allocation. */
export interface Deal {
  id: number;
  proposal: DealProposal;
  /** The PublishStorageDeals message's CID (text). */
  publishCid: string;
  publishEpoch: number;
  /** -1 until active (§4 "State views"). */
  sectorStartEpoch: number;
  /** 0 until active. */
  sectorNumber: number;
  /** Verified-registry allocation id while pending; 0 for an unverified deal. */
  allocationId: number;
}

/** A verified-registry allocation (go-state-types verifreg Allocation). */
export interface Allocation {
  id: number;
  client: number;
  provider: number;
  data: CID;
  size: number;
  termMin: number;
  termMax: number;
  expiration: number;
}

/** Droplet's off-chain bookkeeping: which sector a deal went to, and where in it. */
export interface Assignment {
  dealId: number;
  miner: number;
  sectorNumber: number;
  /** Padded offset in the sector. */
  offset: number;
}

export type DealStatus = "published" | "assigned" | "active" | "expired";

/** §5.1 life cycle: a deal not active once the head passes its StartEpoch is expired, never assigned again. */
export function dealStatus(deal: Deal, assigned: boolean, head: number): DealStatus {
  if (deal.sectorStartEpoch >= 0) return deal.proposal.EndEpoch <= head ? "expired" : "active";
  if (head > deal.proposal.StartEpoch) return "expired";
  return assigned ? "assigned" : "published";
}

const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/**
 * Why a proposal cannot be published at `current`, or null (builtin-actors market `validate_deal`,
 * devnet's subset): a valid PieceCID v1 of a power-of-two padded size ≥ 128, a known miner provider,
 * StartEpoch in the future, a duration within the market's bounds, a label of at most 256 bytes, and
 * no money (the devnet market keeps no escrow: price and collaterals are 0, §5.1).
 */
export function proposalError(p: DealProposal, current: number, isMiner: (id: number) => boolean): string | null {
  try {
    if (parsePieceCid(p.PieceCID).version !== 1) return `PieceCID ${p.PieceCID.toString()} is not a PieceCID v1`;
  } catch (e) {
    return (e as Error).message;
  }
  if (!isPowerOfTwo(p.PieceSize) || p.PieceSize < 128) return `PieceSize ${p.PieceSize} is not a power of two ≥ 128`;
  if (!isMiner(p.Provider)) return `provider t0${p.Provider} is not a miner actor`;
  if (p.StartEpoch <= current) return `StartEpoch ${p.StartEpoch} has already elapsed (current epoch ${current})`;
  const duration = p.EndEpoch - p.StartEpoch;
  if (duration < DEAL_MIN_DURATION || duration > DEAL_MAX_DURATION)
    return `deal duration ${duration} epochs is outside [${DEAL_MIN_DURATION}, ${DEAL_MAX_DURATION}]`;
  if (new TextEncoder().encode(p.Label).length > DEAL_MAX_LABEL_SIZE) return `label longer than ${DEAL_MAX_LABEL_SIZE} bytes`;
  if (p.StoragePricePerEpoch !== 0n || p.ProviderCollateral !== 0n || p.ClientCollateral !== 0n)
    return "price and collaterals must be 0: the devnet market keeps no escrow";
  return null;
}

/** builtin-actors market `alloc_request_for_deal`, with the devnet's Expiration = StartEpoch (§5.1). */
export function allocationForDeal(id: number, p: DealProposal): Allocation {
  const termMin = p.EndEpoch - p.StartEpoch;
  return {
    id,
    client: p.Client,
    provider: p.Provider,
    data: p.PieceCID,
    size: p.PieceSize,
    termMin,
    termMax: termMin + MARKET_DEFAULT_ALLOCATION_TERM_BUFFER,
    expiration: p.StartEpoch,
  };
}

// ---- AssignDeals (§5.2) ----

/** venus-shared market GetDealSpec; 0 (null for SectorExpiration) = no limit. */
export interface GetDealSpec {
  MaxPiece: number;
  MaxPieceSize: number;
  MinPiece: number;
  MinPieceSize: number;
  MinUsedSpace: number;
  StartEpoch: number;
  EndEpoch: number;
  SectorExpiration: number | null;
}

export interface AssignInput {
  miner: number;
  sectorNumber: number;
  sectorSize: number;
  spec: GetDealSpec;
  head: number;
  /** Every deal of the market (any order). */
  deals: readonly Deal[];
  /** Every current assignment (any miner). */
  assignments: readonly Assignment[];
}

export interface AssignResult {
  /** Deals in sector order with their offsets; [] = nothing assigned. */
  pieces: Array<{ deal: Deal; offset: number }>;
  /** Assignments to record before answering (rule 6); empty when rule 1 or 5 applied. */
  record: Assignment[];
}

/** Rules (1)–(6) of §5.2, exactly. */
export function assignDeals(input: AssignInput): AssignResult {
  const { miner, sectorNumber, sectorSize, spec, head } = input;
  const byId = new Map(input.deals.map((d) => [d.id, d]));
  // (1) a sector that already holds assignments gets the same list again
  const existing = input.assignments
    .filter((a) => a.miner === miner && a.sectorNumber === sectorNumber)
    .sort((a, b) => a.offset - b.offset);
  if (existing.length > 0) {
    return {
      pieces: existing.map((a) => {
        const deal = byId.get(a.dealId);
        if (!deal) throw new Error(`assignment of sector ${sectorNumber} names unknown deal ${a.dealId}`);
        return { deal, offset: a.offset };
      }),
      record: [],
    };
  }
  // (2) candidates
  const taken = new Set(input.assignments.map((a) => a.dealId));
  const candidates = input.deals
    .filter((d) => {
      const p = d.proposal;
      if (p.Provider !== miner || taken.has(d.id) || d.sectorStartEpoch >= 0) return false;
      if (!(p.StartEpoch > head)) return false;
      if (spec.StartEpoch && !(p.StartEpoch > spec.StartEpoch)) return false;
      if (spec.EndEpoch && !(p.EndEpoch < spec.EndEpoch)) return false;
      if (spec.SectorExpiration !== null && spec.SectorExpiration !== 0 && !(p.EndEpoch <= spec.SectorExpiration)) return false;
      if (spec.MinPieceSize && p.PieceSize < spec.MinPieceSize) return false;
      if (spec.MaxPieceSize && p.PieceSize > spec.MaxPieceSize) return false;
      return true;
    })
    .sort((a, b) => a.id - b.id);
  // (3) by ascending id, each that still fits, up to MaxPiece
  const chosen: Deal[] = [];
  let used = 0;
  for (const d of candidates) {
    if (spec.MaxPiece && chosen.length >= spec.MaxPiece) break;
    if (used + d.proposal.PieceSize > sectorSize) continue;
    chosen.push(d);
    used += d.proposal.PieceSize;
  }
  // (5) too few deals or too little data: nothing
  if (chosen.length === 0 || (spec.MinPiece && chosen.length < spec.MinPiece) || (spec.MinUsedSpace && used < spec.MinUsedSpace))
    return { pieces: [], record: [] };
  // (4) largest first (ties by id): power-of-two sizes in descending order are each aligned to their size
  chosen.sort((a, b) => b.proposal.PieceSize - a.proposal.PieceSize || a.id - b.id);
  let offset = 0;
  const pieces = chosen.map((deal) => {
    const at = offset;
    offset += deal.proposal.PieceSize;
    return { deal, offset: at };
  });
  // (6) the caller records these, then answers
  return { pieces, record: pieces.map(({ deal, offset }) => ({ dealId: deal.id, miner, sectorNumber, offset })) };
}

/** ReleaseDeals: the assignments to drop (those of this miner among `dealIds`; others are ignored). */
export function releasableAssignments(assignments: readonly Assignment[], miner: number, dealIds: readonly number[]): Assignment[] {
  const ids = new Set(dealIds);
  return assignments.filter((a) => a.miner === miner && ids.has(a.dealId));
}

// ---- Activation (§5.4) ----

export interface PieceToActivate {
  cid: CID;
  /** Padded size. */
  size: number;
}

/**
 * Why the market rejects a deal piece of a sector being activated, or null: the deal exists, its
 * provider is the miner, CID and size match, current ≤ StartEpoch, EndEpoch ≤ the sector's expiration,
 * and it is not active yet.
 */
export function pieceActivationError(
  deal: Deal | undefined,
  dealId: number,
  piece: PieceToActivate,
  ctx: { miner: number; current: number; sectorExpiration: number },
): string | null {
  if (!deal) return `deal ${dealId} not found`;
  const p = deal.proposal;
  if (p.Provider !== ctx.miner) return `deal ${dealId} has provider t0${p.Provider}, not t0${ctx.miner}`;
  if (!p.PieceCID.equals(piece.cid)) return `deal ${dealId} has piece ${p.PieceCID.toString()}, the sector activates ${String(piece.cid)}`;
  if (p.PieceSize !== piece.size) return `deal ${dealId} has piece size ${p.PieceSize}, the sector activates ${piece.size}`;
  if (ctx.current > p.StartEpoch) return `deal ${dealId} start epoch ${p.StartEpoch} has passed (current ${ctx.current})`;
  if (p.EndEpoch > ctx.sectorExpiration) return `deal ${dealId} ends at ${p.EndEpoch}, after the sector's expiration ${ctx.sectorExpiration}`;
  if (deal.sectorStartEpoch >= 0) return `deal ${dealId} is already active in sector ${deal.sectorNumber}`;
  return null;
}

/** Why a verified allocation cannot be claimed by this piece, or null (verifreg `can_claim_alloc`). */
export function claimError(
  alloc: Allocation | undefined,
  key: { client: number; id: number },
  piece: PieceToActivate,
  ctx: { miner: number; current: number; sectorExpiration: number },
): string | null {
  if (!alloc) return `allocation ${key.id} not found`;
  if (alloc.provider !== ctx.miner) return `allocation ${key.id} is for provider t0${alloc.provider}, not t0${ctx.miner}`;
  if (alloc.client !== key.client) return `allocation ${key.id} belongs to client t0${alloc.client}, not t0${key.client}`;
  if (!alloc.data.equals(piece.cid)) return `allocation ${key.id} is for piece ${alloc.data.toString()}`;
  if (alloc.size !== piece.size) return `allocation ${key.id} is for ${alloc.size} bytes, not ${piece.size}`;
  if (ctx.current > alloc.expiration) return `allocation ${key.id} expired at ${alloc.expiration}`;
  const lifetime = ctx.sectorExpiration - ctx.current;
  if (lifetime < alloc.termMin || lifetime > alloc.termMax)
    return `sector lifetime ${lifetime} is outside allocation ${key.id}'s term [${alloc.termMin}, ${alloc.termMax}]`;
  return null;
}
