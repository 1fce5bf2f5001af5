// The market's pure rules: AssignDeals (1)–(6), life cycle, publish validation, activation and claims.
import assert from "node:assert/strict";
import { test } from "node:test";
import { commDToCid } from "../../src/filecoin/cid.js";
import {
  type Assignment,
  type Deal,
  type GetDealSpec,
  DEAL_MIN_DURATION,
  allocationForDeal,
  assignDeals,
  claimError,
  dealStatus,
  pieceActivationError,
  proposalError,
  releasableAssignments,
} from "../../src/devnet/market-state.js";

const MINER = 1000;
const cidOf = (n: number) => {
  const root = new Uint8Array(32);
  root[0] = n;
  return commDToCid(root);
};

function deal(id: number, size: number, over: Partial<Deal["proposal"]> = {}, state: Partial<Deal> = {}): Deal {
  return {
    id,
    proposal: {
      PieceCID: cidOf(id),
      PieceSize: size,
      VerifiedDeal: false,
      Client: 102,
      Provider: MINER,
      Label: "",
      StartEpoch: 3000,
      EndEpoch: 3000 + DEAL_MIN_DURATION,
      StoragePricePerEpoch: 0n,
      ProviderCollateral: 0n,
      ClientCollateral: 0n,
      ...over,
    },
    publishCid: "bafy-test",
    publishEpoch: 10,
    sectorNumber: 0,
    sectorStartEpoch: -1,
    allocationId: 0,
    ...state,
  };
}

const NO_LIMIT: GetDealSpec = {
  MaxPiece: 0, MaxPieceSize: 0, MinPiece: 0, MinPieceSize: 0, MinUsedSpace: 0, StartEpoch: 0, EndEpoch: 0, SectorExpiration: null,
};

const assign = (deals: Deal[], spec: Partial<GetDealSpec> = {}, assignments: Assignment[] = [], sectorNumber = 7, head = 100) =>
  assignDeals({ miner: MINER, sectorNumber, sectorSize: 2048, spec: { ...NO_LIMIT, ...spec }, head, deals, assignments });

const summary = (r: ReturnType<typeof assign>) => r.pieces.map((p) => [p.deal.id, p.offset]);

test("rule 3 and 4: ascending ids that fit, laid out largest first, offsets are the sizes before", () => {
  const r = assign([deal(1, 256), deal(2, 1024), deal(3, 1024), deal(4, 512), deal(5, 256)]);
  // 1 (256) + 2 (1024) fit; 3 (1024) would make 2304 > 2048; 4 (512) fits (1792); 5 (256) fits (2048)
  assert.deepEqual(summary(r), [[2, 0], [4, 1024], [1, 1536], [5, 1792]]);
  assert.deepEqual(r.record, [
    { dealId: 2, miner: MINER, sectorNumber: 7, offset: 0 },
    { dealId: 4, miner: MINER, sectorNumber: 7, offset: 1024 },
    { dealId: 1, miner: MINER, sectorNumber: 7, offset: 1536 },
    { dealId: 5, miner: MINER, sectorNumber: 7, offset: 1792 },
  ]);
  for (const p of r.pieces) assert.equal(p.offset % p.deal.proposal.PieceSize, 0, "aligned to its size");
});

test("rule 3: MaxPiece caps the count", () => {
  assert.deepEqual(summary(assign([deal(1, 128), deal(2, 128), deal(3, 128)], { MaxPiece: 2 })), [[1, 0], [2, 128]]);
});

test("rule 1: a sector that already holds deals gets the same list, nothing new recorded", () => {
  const deals = [deal(1, 256), deal(2, 1024), deal(3, 128)];
  const first = assign(deals.slice(0, 2));
  const again = assign(deals, {}, first.record);
  assert.deepEqual(summary(again), summary(first));
  assert.deepEqual(again.record, []);
  // another sector does not get deals held by sector 7
  assert.deepEqual(summary(assign(deals, {}, first.record, 8)), [[3, 0]]);
});

test("rule 2: only this miner's published, unassigned deals starting after the head and within the spec", () => {
  const deals = [
    deal(1, 128, { Provider: 1001 }),
    deal(2, 128, { StartEpoch: 100 }), // not after the head
    deal(3, 128, {}, { sectorStartEpoch: 50, sectorNumber: 2 }), // active
    deal(4, 128, { StartEpoch: 500 }),
    deal(5, 128, { StartEpoch: 5000, EndEpoch: 5000 + DEAL_MIN_DURATION }),
    deal(6, 512),
    deal(7, 128),
  ];
  assert.deepEqual(summary(assign(deals)).map(([id]) => id).sort(), [4, 5, 6, 7]);
  assert.deepEqual(summary(assign(deals, { StartEpoch: 500 })).map(([id]) => id).sort(), [5, 6, 7], "StartEpoch > spec.StartEpoch");
  assert.deepEqual(summary(assign(deals, { EndEpoch: 3000 + DEAL_MIN_DURATION + 1 })).map(([id]) => id).sort(), [4, 6, 7], "EndEpoch < spec.EndEpoch");
  assert.deepEqual(summary(assign(deals, { SectorExpiration: 3000 + DEAL_MIN_DURATION })).map(([id]) => id).sort(), [4, 6, 7], "EndEpoch ≤ SectorExpiration");
  assert.deepEqual(summary(assign(deals, { MinPieceSize: 256 })).map(([id]) => id), [6]);
  assert.deepEqual(summary(assign(deals, { MaxPieceSize: 256 })).map(([id]) => id).sort(), [4, 5, 7]);
  // assigned elsewhere
  const held: Assignment[] = [{ dealId: 6, miner: MINER, sectorNumber: 3, offset: 0 }];
  assert.deepEqual(summary(assign(deals, {}, held)).map(([id]) => id).sort(), [4, 5, 7]);
});

test("rule 5: under MinPiece deals or MinUsedSpace bytes nothing is assigned", () => {
  const deals = [deal(1, 128), deal(2, 256)];
  assert.deepEqual(assign(deals, { MinPiece: 3 }), { pieces: [], record: [] });
  assert.deepEqual(assign(deals, { MinUsedSpace: 512 }), { pieces: [], record: [] });
  assert.equal(assign(deals, { MinPiece: 2, MinUsedSpace: 384 }).pieces.length, 2);
  assert.deepEqual(assign([]), { pieces: [], record: [] });
});

test("ReleaseDeals drops only this miner's assignments of the named deals", () => {
  const a: Assignment[] = [
    { dealId: 1, miner: MINER, sectorNumber: 7, offset: 0 },
    { dealId: 2, miner: MINER, sectorNumber: 7, offset: 1024 },
    { dealId: 3, miner: 1001, sectorNumber: 1, offset: 0 },
  ];
  assert.deepEqual(releasableAssignments(a, MINER, [1, 3, 9]).map((x) => x.dealId), [1]);
});

test("life cycle: published → assigned → active; not active past StartEpoch → expired", () => {
  const d = deal(1, 128, { StartEpoch: 200, EndEpoch: 200 + DEAL_MIN_DURATION });
  assert.equal(dealStatus(d, false, 100), "published");
  assert.equal(dealStatus(d, true, 100), "assigned");
  assert.equal(dealStatus(d, true, 200), "assigned");
  assert.equal(dealStatus(d, true, 201), "expired");
  const active = { ...d, sectorStartEpoch: 150, sectorNumber: 7 };
  assert.equal(dealStatus(active, true, 201), "active");
  assert.equal(dealStatus(active, true, 200 + DEAL_MIN_DURATION), "expired");
});

test("publish validation", () => {
  const isMiner = (id: number) => id === MINER;
  const ok = deal(1, 2048).proposal;
  assert.equal(proposalError(ok, 100, isMiner), null);
  assert.match(proposalError({ ...ok, PieceSize: 1000 }, 100, isMiner)!, /power of two/);
  assert.match(proposalError({ ...ok, PieceSize: 64 }, 100, isMiner)!, /power of two/);
  assert.match(proposalError({ ...ok, Provider: 1001 }, 100, isMiner)!, /not a miner/);
  assert.match(proposalError(ok, 3000, isMiner)!, /already elapsed/);
  assert.match(proposalError({ ...ok, EndEpoch: ok.StartEpoch + DEAL_MIN_DURATION - 1 }, 100, isMiner)!, /duration/);
  assert.match(proposalError({ ...ok, StoragePricePerEpoch: 1n }, 100, isMiner)!, /escrow/);
  assert.match(proposalError({ ...ok, Label: "x".repeat(257) }, 100, isMiner)!, /label/);
});

test("verified allocation: TermMin = duration, TermMax = TermMin + 90 days, Expiration = StartEpoch", () => {
  const p = deal(1, 2048, { VerifiedDeal: true, StartEpoch: 3000, EndEpoch: 3000 + 1_440_000 }).proposal;
  const a = allocationForDeal(4, p);
  assert.deepEqual(a, {
    id: 4, client: 102, provider: MINER, data: p.PieceCID, size: 2048, termMin: 1_440_000, termMax: 1_440_000 + 259_200, expiration: 3000,
  });
});

test("activation accepts a matching piece and rejects each mismatch", () => {
  const d = deal(1, 2048, { StartEpoch: 3000, EndEpoch: 3000 + DEAL_MIN_DURATION });
  const piece = { cid: d.proposal.PieceCID, size: 2048 };
  const ctx = { miner: MINER, current: 2000, sectorExpiration: 3000 + DEAL_MIN_DURATION };
  assert.equal(pieceActivationError(d, 1, piece, ctx), null);
  assert.equal(pieceActivationError(d, 1, piece, { ...ctx, current: 3000 }), null, "current = StartEpoch is still in time");
  assert.match(pieceActivationError(undefined, 9, piece, ctx)!, /deal 9 not found/);
  assert.match(pieceActivationError(d, 1, piece, { ...ctx, miner: 1001 })!, /provider/);
  assert.match(pieceActivationError(d, 1, { ...piece, cid: cidOf(99) }, ctx)!, /piece/);
  assert.match(pieceActivationError(d, 1, { ...piece, size: 1024 }, ctx)!, /size/);
  assert.match(pieceActivationError(d, 1, piece, { ...ctx, current: 3001 })!, /has passed/);
  assert.match(pieceActivationError(d, 1, piece, { ...ctx, sectorExpiration: ctx.sectorExpiration - 1 })!, /expiration/);
  assert.match(pieceActivationError({ ...d, sectorStartEpoch: 5, sectorNumber: 3 }, 1, piece, ctx)!, /already active/);
});

test("claims: provider, client, data, size, expiration and the sector lifetime within [TermMin, TermMax]", () => {
  const p = deal(1, 2048, { VerifiedDeal: true, StartEpoch: 3000, EndEpoch: 3000 + 1_440_000 }).proposal;
  const a = allocationForDeal(1, p);
  const piece = { cid: p.PieceCID, size: 2048 };
  const key = { client: 102, id: 1 };
  const current = 2000;
  const ctx = { miner: MINER, current, sectorExpiration: current + 1_555_200 }; // 540 days
  assert.equal(claimError(a, key, piece, ctx), null);
  assert.equal(claimError(a, key, piece, { ...ctx, sectorExpiration: current + a.termMin }), null, "lifetime = TermMin");
  assert.equal(claimError(a, key, piece, { ...ctx, sectorExpiration: current + a.termMax }), null, "lifetime = TermMax");
  assert.match(claimError(a, key, piece, { ...ctx, sectorExpiration: current + a.termMin - 1 })!, /outside/);
  assert.match(claimError(a, key, piece, { ...ctx, sectorExpiration: current + a.termMax + 1 })!, /outside/);
  assert.match(claimError(undefined, key, piece, ctx)!, /not found/);
  assert.match(claimError(a, { client: 103, id: 1 }, piece, ctx)!, /client/);
  assert.match(claimError(a, key, piece, { ...ctx, miner: 1001 })!, /provider/);
  assert.match(claimError(a, key, { ...piece, cid: cidOf(7) }, ctx)!, /piece/);
  assert.match(claimError(a, key, { ...piece, size: 1024 }, ctx)!, /bytes/);
  assert.match(claimError(a, key, piece, { ...ctx, current: 3001, sectorExpiration: 3001 + 1_555_200 })!, /expired/);
});
