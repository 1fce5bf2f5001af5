// The deal manager without a market, and its pledge-piece rule; deals from a real market are in
// test/manager/sealer-api.test.ts (the devnet's VENUS_MARKET).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { SectorPieceV2 } from "../../../src/api/sealer-types.js";
import { openSqliteManagerStore } from "../../../src/db/sqlite-manager-store.js";
import { defaultManagerConfig, defaultMinerConfig } from "../../../src/manager/config/schema.js";
import { checkPledgePieces, createDealManager, isPledgePiece } from "../../../src/manager/modules/deals.js";
import { createSectorStateManager } from "../../../src/manager/modules/sector-state.js";
import { zeroPieceCid } from "../../../src/proofs/zero-commitments.js";
import { tempDir } from "../../helpers/tmp.js";

const piece = (size: number, cid = zeroPieceCid(size), deal: Partial<SectorPieceV2["DealInfo"]> = {}): SectorPieceV2 => ({
  Piece: { Size: size, PieceCID: cid },
  DealInfo: {
    DealID: 0,
    PublishCid: null,
    AllocationID: 0,
    PieceCID: cid,
    PieceSize: size,
    Client: "t0100",
    Provider: "t01000",
    Offset: 0,
    Length: size,
    PayloadSize: 0,
    StartEpoch: 0,
    EndEpoch: 0,
    IsBuiltinMarket: false,
    IsCompatible: false,
    ...deal,
  },
});

test("deals: pledge pieces must be zero pieces; a piece with a deal or an allocation is not pledge", () => {
  checkPledgePieces([piece(1024), piece(512)]);
  assert.throws(() => checkPledgePieces([piece(1024), piece(512, zeroPieceCid(1024))]), /piece 1 .* not the zero piece/);
  assert.equal(isPledgePiece(piece(512, zeroPieceCid(1024), { DealID: 3, IsBuiltinMarket: true })), false);
  assert.equal(isPledgePiece(piece(512, zeroPieceCid(1024), { AllocationID: 9 })), false);
  assert.equal(isPledgePiece(piece(512, zeroPieceCid(512), { DealID: 3, IsBuiltinMarket: false })), true, "DDO: only AllocationID counts");
  checkPledgePieces([piece(512, zeroPieceCid(1024), { DealID: 3, IsBuiltinMarket: true })]);
});

test("deals: CC only without a market or with Sector.EnableDeals off; records deal pieces only", async (t) => {
  const store = openSqliteManagerStore(join(await tempDir(t), "m.db"));
  t.after(() => store.close());
  const cfg = defaultManagerConfig();
  cfg.Miners = [{ ...defaultMinerConfig(1000) }];
  cfg.Miners[0]!.Sector.EnableDeals = true;
  const dm = createDealManager({ store, market: null, config: () => cfg, headHeight: async () => 0 });
  assert.deepEqual(await dm.acquire({ Miner: 1000, Number: 1 }, 5, { MaxDeals: null, MinUsedSpace: null }), []);
  await createSectorStateManager(store).init({ Miner: 1000, Number: 1 }, 5);
  await dm.record({ Miner: 1000, Number: 1 }, [piece(1024, zeroPieceCid(1024), { DealID: 7, IsBuiltinMarket: true }), piece(1024)]);
  assert.deepEqual(
    (await store.listSectorDeals(1000, 1)).map((d) => [d.pieceIndex, d.dealId]),
    [[0, 7]],
  );
  await dm.release({ Miner: 1000, Number: 1 });
  assert.deepEqual(await store.listSectorDeals(1000, 1), []);
});
