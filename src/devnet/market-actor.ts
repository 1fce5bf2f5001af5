// The storage market actor t05 (spec/devnet.md §5): PublishStorageDeals (method 4) from accounts,
// deal activation when ProveCommitSectors3 notifies it, verified allocations and their claims, and
// the Lotus views of its state. CBOR tuples follow go-state-types builtin/v18/market; deals and
// allocations live in the chain's versioned state (namespace "market"), so a Revert undoes them.
import { CID } from "multiformats/cid";
import { formatIdAddress, parseAddress } from "../filecoin/address.js";
import { BitField } from "../filecoin/bitfield.js";
import {
  type CborValue,
  decodeCbor,
  encodeCbor,
  filBigInt,
  readArray,
  readBool,
  readBytes,
  readCid,
  readFilBigInt,
  readInt,
  readTuple,
  readUint,
} from "../filecoin/cbor.js";
import { ExitCode } from "../filecoin/miner-params.js";
import { verifySecpSignature } from "../filecoin/secp256k1.js";
import { ActorError, MinerExitCode } from "./actors/actor-error.js";
import type { ActivatedPiece, MarketHooks, PieceActivation } from "./actors/miner.js";
import type { ActorCall, ActorHandler, JsonValue, MarketViews, StateTx, StateView } from "./chain.js";
import {
  type Allocation,
  type Deal,
  type DealProposal,
  MARKET_ACTOR_ID,
  allocationForDeal,
  claimError,
  pieceActivationError,
  proposalError,
} from "./market-state.js";

export const MarketMethod = { PublishStorageDeals: 4 } as const;
const NS = "market";
/** go-state-types crypto.SigType. */
const SIG_SECP256K1 = 1;

// ---- CBOR (go-state-types builtin/v18/market) ----

/** DealProposal as on the wire: addresses are address bytes, Label a CBOR text or byte string. */
export interface WireDealProposal {
  PieceCID: CID;
  PieceSize: number;
  VerifiedDeal: boolean;
  Client: Uint8Array;
  Provider: Uint8Array;
  Label: string | Uint8Array;
  StartEpoch: number;
  EndEpoch: number;
  StoragePricePerEpoch: bigint;
  ProviderCollateral: bigint;
  ClientCollateral: bigint;
}

export interface ClientDealProposal {
  Proposal: WireDealProposal;
  /** Signature CBOR bytes: type byte ‖ data. */
  ClientSignature: Uint8Array;
}

const proposalValue = (p: WireDealProposal): CborValue[] => [
  p.PieceCID,
  p.PieceSize,
  p.VerifiedDeal,
  p.Client,
  p.Provider,
  p.Label,
  p.StartEpoch,
  p.EndEpoch,
  filBigInt(p.StoragePricePerEpoch),
  filBigInt(p.ProviderCollateral),
  filBigInt(p.ClientCollateral),
];

/** The bytes a client signs: the proposal's CBOR (go-state-types DealProposal.MarshalCBOR). */
export function encodeDealProposal(p: WireDealProposal): Uint8Array {
  return encodeCbor(proposalValue(p));
}

function readProposal(x: unknown, path: string): WireDealProposal {
  const t = readTuple(x, 11, path);
  const label = t[5];
  if (typeof label !== "string" && !(label instanceof Uint8Array))
    throw new TypeError(`${path}.Label: expected a CBOR text or byte string`);
  return {
    PieceCID: readCid(t[0], `${path}.PieceCID`),
    PieceSize: readUint(t[1], `${path}.PieceSize`),
    VerifiedDeal: readBool(t[2], `${path}.VerifiedDeal`),
    Client: readBytes(t[3], `${path}.Client`),
    Provider: readBytes(t[4], `${path}.Provider`),
    Label: label,
    StartEpoch: readInt(t[6], `${path}.StartEpoch`),
    EndEpoch: readInt(t[7], `${path}.EndEpoch`),
    StoragePricePerEpoch: readFilBigInt(t[8], `${path}.StoragePricePerEpoch`),
    ProviderCollateral: readFilBigInt(t[9], `${path}.ProviderCollateral`),
    ClientCollateral: readFilBigInt(t[10], `${path}.ClientCollateral`),
  };
}

/** PublishStorageDealsParams = [Deals: [[Proposal, ClientSignature]…]]. */
export function encodePublishStorageDealsParams(deals: readonly ClientDealProposal[]): Uint8Array {
  return encodeCbor([deals.map((d) => [proposalValue(d.Proposal), d.ClientSignature])]);
}

export function decodePublishStorageDealsParams(bytes: Uint8Array): ClientDealProposal[] {
  const t = readTuple(decodeCbor(bytes), 1, "PublishStorageDealsParams");
  return readArray(t[0], "PublishStorageDealsParams.Deals", (x, p) => {
    const d = readTuple(x, 2, p);
    return { Proposal: readProposal(d[0], `${p}.Proposal`), ClientSignature: readBytes(d[1], `${p}.ClientSignature`) };
  });
}

export interface PublishStorageDealsReturn {
  IDs: number[];
  /** Indexes of the params' deals that were published. */
  ValidDeals: BitField;
}

export function encodePublishStorageDealsReturn(r: PublishStorageDealsReturn): Uint8Array {
  return encodeCbor([r.IDs, r.ValidDeals.encode()]);
}

export function decodePublishStorageDealsReturn(bytes: Uint8Array): PublishStorageDealsReturn {
  const t = readTuple(decodeCbor(bytes), 2, "PublishStorageDealsReturn");
  return {
    IDs: readArray(t[0], "PublishStorageDealsReturn.IDs", readUint),
    ValidDeals: BitField.decode(readBytes(t[1], "PublishStorageDealsReturn.ValidDeals")),
  };
}

// ---- state in the chain's versioned store ----

const pad = (n: number): string => String(n).padStart(12, "0");
const dealKey = (id: number): string => `deal/${pad(id)}`;
const allocKey = (id: number): string => `alloc/${pad(id)}`;

const dealToJson = (d: Deal): JsonValue => ({
  id: d.id,
  pieceCid: d.proposal.PieceCID.toString(),
  pieceSize: d.proposal.PieceSize,
  verified: d.proposal.VerifiedDeal,
  client: d.proposal.Client,
  provider: d.proposal.Provider,
  label: d.proposal.Label,
  startEpoch: d.proposal.StartEpoch,
  endEpoch: d.proposal.EndEpoch,
  price: d.proposal.StoragePricePerEpoch.toString(),
  providerCollateral: d.proposal.ProviderCollateral.toString(),
  clientCollateral: d.proposal.ClientCollateral.toString(),
  publishCid: d.publishCid,
  publishEpoch: d.publishEpoch,
  sectorNumber: d.sectorNumber,
  sectorStartEpoch: d.sectorStartEpoch,
  allocationId: d.allocationId,
});

const dealFromJson = (j: JsonValue): Deal => {
  const o = j as Record<string, JsonValue>;
  return {
    id: o.id as number,
    proposal: {
      PieceCID: CID.parse(o.pieceCid as string),
      PieceSize: o.pieceSize as number,
      VerifiedDeal: o.verified as boolean,
      Client: o.client as number,
      Provider: o.provider as number,
      Label: o.label as string,
      StartEpoch: o.startEpoch as number,
      EndEpoch: o.endEpoch as number,
      StoragePricePerEpoch: BigInt(o.price as string),
      ProviderCollateral: BigInt(o.providerCollateral as string),
      ClientCollateral: BigInt(o.clientCollateral as string),
    },
    publishCid: o.publishCid as string,
    publishEpoch: o.publishEpoch as number,
    sectorNumber: o.sectorNumber as number,
    sectorStartEpoch: o.sectorStartEpoch as number,
    allocationId: o.allocationId as number,
  };
};

const allocToJson = (a: Allocation): JsonValue => ({
  id: a.id,
  client: a.client,
  provider: a.provider,
  data: a.data.toString(),
  size: a.size,
  termMin: a.termMin,
  termMax: a.termMax,
  expiration: a.expiration,
});

const allocFromJson = (j: JsonValue): Allocation => {
  const o = j as Record<string, JsonValue>;
  return {
    id: o.id as number,
    client: o.client as number,
    provider: o.provider as number,
    data: CID.parse(o.data as string),
    size: o.size as number,
    termMin: o.termMin as number,
    termMax: o.termMax as number,
    expiration: o.expiration as number,
  };
};

type Reader = Pick<StateView, "get" | "list">;

export function readDeal(view: Reader, id: number): Deal | undefined {
  const j = view.get(NS, dealKey(id));
  return j === undefined || j === null ? undefined : dealFromJson(j);
}

/** Every deal, ascending id. */
export function readDeals(view: Reader): Deal[] {
  return view.list(NS, "deal/").flatMap(([, j]) => (j === null ? [] : [dealFromJson(j)]));
}

/** A pending (not yet claimed) allocation. */
export function readAllocation(view: Reader, id: number): Allocation | undefined {
  const j = view.get(NS, allocKey(id));
  return j === undefined || j === null ? undefined : allocFromJson(j);
}

function nextIds(view: Reader): { deal: number; alloc: number } {
  const j = view.get(NS, "next") as { deal: number; alloc: number } | undefined | null;
  return j ?? { deal: 1, alloc: 1 };
}

function writeDeal(tx: StateTx, d: Deal): void {
  tx.put(NS, dealKey(d.id), dealToJson(d));
}

// ---- method 4 ----

/**
 * PublishStorageDeals: each proposal is checked on its own (market-state `proposalError`, a known
 * client account whose key signed the proposal); the valid ones get deal ids from 1 up and, when
 * verified, an allocation; none valid exits 16, as builtin-actors does.
 */
export function publishStorageDeals(call: ActorCall, tx: StateTx): PublishStorageDealsReturn {
  const caller = tx.actor(call.caller);
  if (caller?.kind !== "account") throw new ActorError(ExitCode.ErrForbidden, `caller t0${call.caller} is not an account`);
  let deals: ClientDealProposal[];
  try {
    deals = decodePublishStorageDealsParams(call.params);
  } catch (e) {
    throw new ActorError(ExitCode.ErrSerialization, `PublishStorageDeals params: ${(e as Error).message}`);
  }
  if (deals.length === 0) throw new ActorError(ExitCode.ErrIllegalArgument, "PublishStorageDeals: no deals");
  const next = nextIds(tx);
  const ids: number[] = [];
  const valid: number[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  deals.forEach((cdp, i) => {
    const why = dealRejection(cdp, tx, seen);
    if (why) {
      errors.push(`deal ${i}: ${why}`);
      return;
    }
    const proposal = toProposal(cdp.Proposal, tx);
    const deal: Deal = {
      id: next.deal++,
      proposal,
      publishCid: call.messageCid.toString(),
      publishEpoch: call.epoch,
      sectorNumber: 0,
      sectorStartEpoch: -1,
      allocationId: 0,
    };
    if (proposal.VerifiedDeal) {
      const alloc = allocationForDeal(next.alloc++, proposal);
      tx.put(NS, allocKey(alloc.id), allocToJson(alloc));
      deal.allocationId = alloc.id;
    }
    writeDeal(tx, deal);
    ids.push(deal.id);
    valid.push(i);
  });
  if (valid.length === 0) throw new ActorError(ExitCode.ErrIllegalArgument, `PublishStorageDeals: no valid deal (${errors.join("; ")})`);
  tx.put(NS, "next", next);
  return { IDs: ids, ValidDeals: BitField.fromSet(valid) };
}

function toProposal(w: WireDealProposal, view: StateView): DealProposal {
  return {
    PieceCID: w.PieceCID,
    PieceSize: w.PieceSize,
    VerifiedDeal: w.VerifiedDeal,
    Client: view.resolveId(w.Client) ?? -1,
    Provider: view.resolveId(w.Provider) ?? -1,
    Label: typeof w.Label === "string" ? w.Label : new TextDecoder().decode(w.Label),
    StartEpoch: w.StartEpoch,
    EndEpoch: w.EndEpoch,
    StoragePricePerEpoch: w.StoragePricePerEpoch,
    ProviderCollateral: w.ProviderCollateral,
    ClientCollateral: w.ClientCollateral,
  };
}

function dealRejection(cdp: ClientDealProposal, tx: StateTx, seen: Set<string>): string | null {
  const w = cdp.Proposal;
  let client: number | null;
  try {
    client = tx.resolveId(w.Client);
  } catch {
    client = null;
  }
  const account = client === null ? null : tx.actor(client);
  if (client === null || account?.kind !== "account") return "client is not an account";
  const p = toProposal(w, tx);
  const why = proposalError(p, tx.epoch, (id) => tx.minerState(id) !== null);
  if (why) return why;
  const sig = cdp.ClientSignature;
  if (sig[0] !== SIG_SECP256K1 || !account.keyAddress || !verifySecpSignature(sig.subarray(1), encodeDealProposal(w), account.keyAddress))
    return "client signature does not verify";
  const key = Buffer.from(encodeDealProposal(w)).toString("base64");
  if (seen.has(key)) return "duplicate proposal in this message";
  seen.add(key);
  return null;
}

// ---- activation (ProveCommitSectors3 notifications and verified claims) ----

/** What ProveCommitSectors3 hands the market for one sector (H3's MarketHooks contract). */
export interface ActivationRequest {
  miner: number;
  sectorNumber: number;
  sectorExpiration: number;
  pieces: ActivatedPiece[];
}

export interface ActivationResult extends PieceActivation {
  /** Per piece: why not, for logs and receipts. */
  errors: (string | null)[];
}

/**
 * Checks every piece first, then applies: accepted deals turn active (SectorNumber, SectorStartEpoch)
 * and claims are recorded. A failed claim changes nothing (the sector fails, as in builtin-actors); a
 * rejected notification leaves the other pieces' effects in place (the miner fails the message only
 * with RequireNotificationSuccess, in which case the chain discards the writes).
 */
export function activatePieces(req: ActivationRequest, tx: StateTx): ActivationResult {
  const ctx = { miner: req.miner, current: tx.epoch, sectorExpiration: req.sectorExpiration };
  const activations: Array<{ deal: Deal; piece: number }> = [];
  const claims: Array<{ alloc: Allocation; piece: number }> = [];
  const failures = req.pieces.map((piece, i): { kind: "notify" | "claim"; why: string } | null => {
    for (const n of piece.notify) {
      const r = notifiedDeal(n, piece, ctx, tx);
      if (typeof r === "string") return { kind: "notify", why: r };
      if (activations.some((a) => a.deal.id === r.id)) return { kind: "notify", why: `deal ${r.id} is activated twice in this sector` };
      activations.push({ deal: r, piece: i });
    }
    const key = piece.verifiedAllocationKey;
    if (key) {
      const alloc = readAllocation(tx, key.id);
      const why = claimError(alloc, key, piece, ctx) ??
        (claims.some((c) => c.alloc.id === key.id) ? `allocation ${key.id} is claimed twice in this sector` : null);
      if (why) return { kind: "claim", why };
      claims.push({ alloc: alloc!, piece: i });
    }
    return null;
  });
  const errors = failures.map((f) => f?.why ?? null);
  if (failures.some((f) => f?.kind === "claim"))
    return { pieceOk: errors.map(() => false), errors, verifiedBytes: 0n, claimFailed: true };
  for (const { deal, piece } of activations)
    if (errors[piece] === null) writeDeal(tx, { ...deal, sectorNumber: req.sectorNumber, sectorStartEpoch: tx.epoch });
  let verifiedBytes = 0n;
  for (const { alloc, piece } of claims) {
    if (errors[piece] !== null) continue;
    tx.put(NS, allocKey(alloc.id), null);
    tx.put(NS, `claim/${pad(alloc.id)}`, { ...(allocToJson(alloc) as Record<string, JsonValue>), sector: req.sectorNumber, claimedAt: tx.epoch });
    verifiedBytes += BigInt(alloc.size);
  }
  return { pieceOk: errors.map((e) => e === null), errors, verifiedBytes, claimFailed: false };
}

/** The deal a notification names, if the market accepts it for this piece; else why not. */
function notifiedDeal(
  n: ActivatedPiece["notify"][number],
  piece: ActivatedPiece,
  ctx: { miner: number; current: number; sectorExpiration: number },
  tx: StateTx,
): Deal | string {
  if (!isMarketAddress(n.address)) return `notification to ${n.address}: only the market t05 takes notifications`;
  let dealId: number;
  try {
    dealId = readUint(decodeCbor(n.payload), "notification payload (DealID)");
  } catch (e) {
    return (e as Error).message;
  }
  const deal = readDeal(tx, dealId);
  return pieceActivationError(deal, dealId, piece, ctx) ?? deal!;
}

function isMarketAddress(text: string): boolean {
  try {
    const a = parseAddress(text);
    return a.protocol === 0 && a.id === MARKET_ACTOR_ID;
  } catch {
    return false;
  }
}

/** The market's ActorHandler for chain.registerActor(5, …). */
export const marketActorHandler: ActorHandler = {
  invoke(call: ActorCall, tx: StateTx): Uint8Array | null {
    if (call.method === MarketMethod.PublishStorageDeals) return encodePublishStorageDealsReturn(publishStorageDeals(call, tx));
    throw new ActorError(MinerExitCode.ErrUnhandledMessage, `market method ${call.method} is not handled by the devnet (spec/devnet.md §9)`);
  },
};

// ---- Lotus views (StateMarketStorageDeal, StateGetAllocationIdForPendingDeal, StateGetAllocation) ----

/** Wire JSON of Lotus's shapes (src/api/lotus-types.ts MarketDeal, Allocation). */
export const marketViews: MarketViews = {
  storageDeal(view, dealId) {
    const d = readDeal(view, dealId);
    if (!d) return null;
    const p = d.proposal;
    return {
      Proposal: {
        PieceCID: { "/": p.PieceCID.toString() },
        PieceSize: p.PieceSize,
        VerifiedDeal: p.VerifiedDeal,
        Client: formatIdAddress(p.Client, "t"),
        Provider: formatIdAddress(p.Provider, "t"),
        Label: p.Label,
        StartEpoch: p.StartEpoch,
        EndEpoch: p.EndEpoch,
        StoragePricePerEpoch: p.StoragePricePerEpoch.toString(),
        ProviderCollateral: p.ProviderCollateral.toString(),
        ClientCollateral: p.ClientCollateral.toString(),
      },
      State: {
        SectorNumber: d.sectorNumber,
        SectorStartEpoch: d.sectorStartEpoch,
        LastUpdatedEpoch: -1,
        SlashEpoch: -1,
      },
    };
  },
  allocationIdForPendingDeal(view, dealId) {
    const d = readDeal(view, dealId);
    if (!d || d.sectorStartEpoch >= 0 || d.allocationId === 0) return 0;
    return readAllocation(view, d.allocationId) ? d.allocationId : 0;
  },
  allocation(view, clientId, allocationId) {
    const a = readAllocation(view, allocationId);
    if (!a || a.client !== clientId) return null;
    return {
      Client: a.client,
      Provider: a.provider,
      Data: { "/": a.data.toString() },
      Size: a.size,
      TermMin: a.termMin,
      TermMax: a.termMax,
      Expiration: a.expiration,
    };
  },
};

/** The MarketHooks the miner actor calls, bound to the executing transaction (chain.setMarketHooks). */
export const marketHooksFactory = (tx: StateTx): MarketHooks => ({ activatePieces: (req) => activatePieces(req, tx) });
