// The embedded market through the devnet server: Devnet.PublishDeal publishes from the deal client and
// returns once executed, VENUS_MARKET.AssignDeals lays the deals out and remembers them, ReleaseDeals
// frees them, the Lotus views and Devnet.Status see the same deals, /resource serves the piece.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { CID } from "multiformats/cid";
import { devnetAdminApi } from "../../src/api/devnet-admin.js";
import { lotusApi } from "../../src/api/lotus.js";
import { marketApi } from "../../src/api/market.js";
import { createDevnetAdminApi } from "../../src/devnet/admin-api.js";
import { ProofEventHub, createGatewayApi } from "../../src/devnet/gateway-api.js";
import { lotusTipSet } from "../../src/devnet/lotus-api.js";
import { marketActorHandler, marketHooksFactory, marketViews } from "../../src/devnet/market-actor.js";
import { createMarketApi } from "../../src/devnet/market-api.js";
import { MARKET_ACTOR_ID } from "../../src/devnet/market-state.js";
import { PieceStore, resourceHandler } from "../../src/devnet/pieces.js";
import { createDevnetServer } from "../../src/devnet/server.js";
import { createToken, randomSecret, verifyToken } from "../../src/rpc/auth.js";
import { rpcClient } from "../../src/rpc/client.js";
import { RpcError } from "../../src/rpc/errors.js";
import { tempDir } from "../helpers/tmp.js";
import { makeChain } from "./chain-helpers.js";

const DURATION = 1_440_000;

async function setup(t: TestContext) {
  const tc = await makeChain(t);
  const { chain } = tc;
  chain.registerActor(MARKET_ACTOR_ID, marketActorHandler);
  chain.setMarketHooks(marketHooksFactory);
  const dir = await tempDir(t);
  const pieces = new PieceStore(join(dir, "pieces"));
  const secret = randomSecret();
  const hub = new ProofEventHub();
  const checkToken = async (tok: string | null) => (tok === null ? null : verifyToken(secret, tok).catch(() => null));
  let origin = "";
  const server = createDevnetServer({
    chain,
    secret,
    services: {
      marketViews,
      market: createMarketApi(chain, { pieces }),
      gateway: createGatewayApi({ hub, chain }),
      admin: createDevnetAdminApi(chain, { hub, pieces, get origin() { return origin; }, toTipSet: lotusTipSet }),
      resource: resourceHandler(pieces, checkToken),
    },
  });
  const { port } = await server.listen("127.0.0.1", 0);
  origin = `http://127.0.0.1:${port}`;
  const admin = await createToken(secret, ["read", "write", "sign", "admin"]);
  const url = `${origin}/rpc/v1`;
  const clients = {
    admin: rpcClient(devnetAdminApi, { url, token: admin }),
    market: rpcClient(marketApi, { url, token: await createToken(secret, ["read", "write"]) }),
    lotus: rpcClient(lotusApi, { url, token: admin }),
  };
  t.after(async () => {
    for (const c of Object.values(clients)) await c.close();
    await server.close();
  });
  const importPiece = async (name: string, size: number) => {
    const file = join(dir, name);
    await writeFile(file, Uint8Array.from({ length: size }, (_, i) => (i * 31 + name.length) & 0xff));
    return pieces.importFile(file);
  };
  /** PublishDeal returns once executed: produce tipsets while it waits. */
  const publish = async (p: { pieceCid: string; payloadSize: number }, verified = false, start = 200) => {
    const call = clients.admin.PublishDeal({
      Miner: "t01000", PieceCID: CID.parse(p.pieceCid), PayloadSize: p.payloadSize, Verified: verified, StartEpoch: start, EndEpoch: start + DURATION,
    });
    let done = false;
    void call.then(() => (done = true), () => (done = true));
    for (let i = 0; i < 10 && !done; i++) {
      await new Promise((r) => setTimeout(r, 20));
      chain.produceNext();
    }
    return call;
  };
  return { tc, chain, clients, origin: () => origin, admin, importPiece, publish, pieces };
}

const NO_LIMIT = { MaxPiece: 0, MaxPieceSize: 0, MinPiece: 0, MinPieceSize: 0, MinUsedSpace: 0, StartEpoch: 0, EndEpoch: 0, SectorExpiration: null };

test("PublishDeal → AssignDeals → ReleaseDeals, with the Lotus views and Status agreeing", async (t) => {
  const s = await setup(t);
  const a = await s.importPiece("a", 1000); // 1024 padded
  const b = await s.importPiece("b", 300); // 512 padded
  const pa = await s.publish(a);
  assert.equal(pa.DealID, 1);
  assert.equal(pa.PieceSize, 1024);
  assert.equal(pa.PayloadSize, 1000);
  assert.equal(pa.URL, `${s.origin()}/resource?resource-id=${a.pieceCid}`);
  const pb = await s.publish(b, true);
  assert.equal(pb.DealID, 2);

  const deal = await s.clients.lotus.StateMarketStorageDeal(1, []);
  assert.equal(deal.Proposal.PieceCID.toString(), a.pieceCid);
  assert.equal(deal.Proposal.Client, "t0102");
  assert.equal(deal.Proposal.Provider, "t01000");
  assert.equal(deal.State.SectorStartEpoch, -1);
  assert.equal(await s.clients.lotus.StateGetAllocationIdForPendingDeal(1, []), 0);
  const allocId = await s.clients.lotus.StateGetAllocationIdForPendingDeal(2, []);
  assert.equal(allocId, 1);
  const alloc = await s.clients.lotus.StateGetAllocation("t0102", allocId, []);
  assert.deepEqual(alloc && [alloc.Size, alloc.TermMin, alloc.TermMax, alloc.Expiration], [512, DURATION, DURATION + 259_200, 200]);

  const sid = { Miner: 1000, Number: 1 };
  const got = await s.clients.market.AssignDeals(sid, 2048, NO_LIMIT);
  assert.deepEqual(
    got.map((d) => [d.DealID, d.Offset, d.Length, d.PieceSize, d.PayloadSize, d.Client, d.Provider, d.AllocationID, d.StartEpoch]),
    [[1, 0, 1024, 1024, 1000, "t0102", "t01000", 0, 200], [2, 1024, 512, 512, 300, "t0102", "t01000", 0, 200]],
  );
  assert.equal(got[0]!.PublishCid?.toString(), pa.PublishCid.toString());
  assert.deepEqual(await s.clients.market.AssignDeals(sid, 2048, null), got, "the same sector gets the same list");
  assert.deepEqual(await s.clients.market.AssignDeals({ Miner: 1000, Number: 2 }, 2048, null), [], "nothing left for another sector");

  let status = await s.clients.admin.Status();
  assert.deepEqual(status.Deals, { Published: 0, Assigned: 2, Active: 0, Expired: 0 });
  assert.equal(status.Miners[0]!.Miner, "t01000");

  await s.clients.market.ReleaseDeals("t01000", [2, 99]);
  assert.deepEqual((await s.clients.market.AssignDeals({ Miner: 1000, Number: 2 }, 2048, null)).map((d) => [d.DealID, d.Offset]), [[2, 0]]);
  await assert.rejects(s.clients.market.ReleaseDeals("t0102", [1]), (e: unknown) => e instanceof RpcError && e.code === 1);
  assert.equal(await s.clients.market.ReleaseDirectDeals("t01000", [5]), null);

  // past StartEpoch without activation: expired, never assigned again
  while (s.chain.height <= 200) s.chain.produceNext();
  status = await s.clients.admin.Status();
  assert.deepEqual(status.Deals, { Published: 0, Assigned: 0, Active: 0, Expired: 2 });

  // the piece is served to read tokens
  const res = await fetch(pa.URL, { headers: { Authorization: `Bearer ${s.admin}` } });
  assert.equal(res.status, 200);
  assert.equal((await res.arrayBuffer()).byteLength, 1000);
});

test("PublishDeal refuses: paused blocks, a piece file of another size, a non-miner", async (t) => {
  const s = await setup(t);
  const a = await s.importPiece("a", 1000);
  await assert.rejects(s.publish({ ...a, payloadSize: 999 }), (e: unknown) => e instanceof RpcError && e.code === 1 && /holds 1000 bytes/.test(e.message));
  await assert.rejects(
    s.clients.admin.PublishDeal({ Miner: "t0102", PieceCID: CID.parse(a.pieceCid), PayloadSize: 1000, Verified: false, StartEpoch: 200, EndEpoch: 200 + DURATION }),
    (e: unknown) => e instanceof RpcError && e.code === 1 && /not a miner/.test(e.message),
  );
  await s.clients.admin.PauseBlocks();
  await assert.rejects(s.publish(a), (e: unknown) => e instanceof RpcError && e.code === 1 && /paused/.test(e.message));
  await s.clients.admin.ResumeBlocks();
  // a start epoch already past fails at execution (exit 16) and says so
  await assert.rejects(s.publish(a, false, 1), (e: unknown) => e instanceof RpcError && /exit code 16/.test(e.message));
});

test("Devnet.* delegates fault injection to the chain: FailMessages, Revert", async (t) => {
  const s = await setup(t);
  const a = await s.importPiece("a", 1000);
  await s.clients.admin.FailMessages(4, 20, 1);
  await assert.rejects(s.publish(a), (e: unknown) => e instanceof RpcError && /exit code 20/.test(e.message));
  assert.equal((await s.publish(a)).DealID, 1, "the rule applied once");
  const h = s.chain.height;
  const head = await s.clients.admin.Revert(2);
  assert.equal(head.Height, h - 2);
  assert.equal(s.chain.height, h - 2);
  await assert.rejects(s.clients.admin.Revert(h), (e: unknown) => e instanceof RpcError && e.code === 1);
  const st = await s.clients.admin.Status();
  assert.equal(st.Height, h - 2);
  assert.equal(st.Paused, false);
  assert.equal(st.BlockTime, 1000);
  assert.equal(st.NetworkName, "damocles-devnet");
  assert.deepEqual(st.Miners.map((m) => [m.Miner, m.ActiveSectors, m.BlocksWon, m.WinningPoStMissed, m.ProofListeners]), [["t01000", 0, 0, 0, 0]]);
});
