import assert from "node:assert/strict";
import { test } from "node:test";
import { CID } from "multiformats/cid";
import { createMarketClient } from "../../src/chain/market-client.js";
import { RpcError } from "../../src/rpc/errors.js";
import { serveFake } from "./fake-lotus.js";

const PIECE = CID.parse("baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq");

test("no market configured: no client (the manager seals CC only)", () => {
  assert.equal(createMarketClient(undefined), null);
  assert.equal(createMarketClient(null), null);
});

test("AssignDeals, ReleaseDeals and ReleaseDirectDeals reach the market with droplet's shapes", async (t) => {
  const f = await serveFake(t);
  f.deals.push({
    DealID: 3,
    PublishCid: null,
    AllocationID: 0,
    PieceCID: PIECE,
    PieceSize: 1024,
    Client: "t0101",
    Provider: "t01000",
    Offset: 0,
    Length: 1024,
    PayloadSize: 1000,
    StartEpoch: 3000,
    EndEpoch: 9000,
  });
  for (const base of [f.http, f.ws]) {
    f.market.assign.length = 0;
    f.market.release.length = 0;
    f.market.releaseDirect.length = 0;
    const m = createMarketClient({ url: `${base}/rpc/v1`, token: f.token })!;
    t.after(() => m.close());
    const spec = { MaxPiece: 2, MaxPieceSize: 0, MinPiece: 0, MinPieceSize: 0, MinUsedSpace: 0, StartEpoch: 100, EndEpoch: 0, SectorExpiration: null };
    const deals = await m.assignDeals({ Miner: 1000, Number: 7 }, 2048, spec);
    assert.equal(deals.length, 1);
    assert.ok(deals[0]!.PieceCID.equals(PIECE));
    assert.equal(deals[0]!.PublishCid, null);
    assert.deepEqual(f.market.assign, [{ sector: { Miner: 1000, Number: 7 }, size: 2048, spec }]);
    await m.releaseDeals(1000, [3, 4]);
    await m.releaseDeals("t01000", []);
    await m.releaseDirectDeals("t01000", [11]);
    assert.deepEqual(f.market.release, [{ miner: "t01000", ids: [3, 4] }], "an empty release is not sent");
    assert.deepEqual(f.market.releaseDirect, [{ miner: "t01000", ids: [11] }]);
  }
  const anon = createMarketClient({ url: `${f.http}/rpc/v1` })!;
  await assert.rejects(anon.releaseDeals(1000, [1]), (e: unknown) => e instanceof RpcError && e.code === 401);
  await assert.rejects(anon.releaseDeals("t1abc", [1]), RangeError);
});
