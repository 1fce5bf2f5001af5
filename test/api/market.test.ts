import { test } from "node:test";
import assert from "node:assert/strict";
import { CID } from "multiformats/cid";
import { z } from "zod";
import { decodeParams, decodeResult, type MethodDef } from "../../src/api/define.js";
import { DealInfoV2, GetDealSpec, marketApi, SectorID } from "../../src/api/market.js";

const m = marketApi.methods;
const PIECE = "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq";
const PUBLISH = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";

function roundTrip<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const value = z.decode(schema, json as never);
  assert.equal(JSON.stringify(z.encode(schema, value)), JSON.stringify(json));
  return value;
}

const SPEC = { MaxPiece: 2, MaxPieceSize: 0, MinPiece: 0, MinPieceSize: 0, MinUsedSpace: 0, StartEpoch: 1200, EndEpoch: 0, SectorExpiration: null };

const DEAL = {
  DealID: 1,
  PublishCid: { "/": PUBLISH },
  AllocationID: 0,
  PieceCID: { "/": PIECE },
  PieceSize: 1024,
  Client: "t0103",
  Provider: "t01000",
  Offset: 0,
  Length: 1024,
  PayloadSize: 1000,
  StartEpoch: 3000,
  EndEpoch: 1443000,
};

test("AssignDeals: [SectorID, size, GetDealSpec] params and a DealInfoV2 list", () => {
  const p = decodeParams(m.AssignDeals, [{ Miner: 1000, Number: 7 }, 2048, SPEC]);
  assert.ok(p.ok);
  assert.deepEqual(p.value[0], { Miner: 1000, Number: 7 });
  assert.equal(p.value[1], 2048);
  assert.equal((p.value[2] as GetDealSpec).SectorExpiration, null);
  roundTrip(SectorID, { Miner: 1000, Number: 7 });
  assert.equal(roundTrip(GetDealSpec, { ...SPEC, SectorExpiration: 1556000 }).SectorExpiration, 1556000);
  // an older droplet spec without SectorExpiration, and a nil spec, are accepted
  const { SectorExpiration: _, ...old } = SPEC;
  assert.ok(decodeParams(m.AssignDeals, [{ Miner: 1000, Number: 7 }, 2048, old]).ok);
  assert.ok(decodeParams(m.AssignDeals, [{ Miner: 1000, Number: 7 }, 2048, null]).ok);

  const deals = roundTrip(m.AssignDeals.result, [DEAL, { ...DEAL, DealID: 2, Offset: 1024, PieceSize: 512, Length: 512, PayloadSize: 400 }]);
  assert.equal(deals.length, 2);
  assert.ok(deals[0]!.PublishCid!.equals(CID.parse(PUBLISH)));
  assert.equal(deals[1]!.Offset, 1024);
  assert.equal(deals[1]!.PayloadSize, 400);
  // a DDO piece has no publish message: go-cid writes the undefined CID as null
  const ddo = roundTrip(DealInfoV2, { ...DEAL, DealID: 0, PublishCid: null, AllocationID: 12 });
  assert.equal(ddo.PublishCid, null);
  assert.deepEqual(z.decode(m.AssignDeals.result, null), []);
});

test("bad shapes are rejected with their path", () => {
  const r = decodeParams(m.AssignDeals, [{ Miner: "t01000", Number: 7 }, 2048, SPEC]);
  assert.match((r as { message: string }).message, /^params\[0\]\.Miner: /);
  const r2 = decodeParams(m.AssignDeals, [{ Miner: 1000, Number: 7 }, 2048, { ...SPEC, MinPieceSize: -1 }]);
  assert.match((r2 as { message: string }).message, /^params\[2\]\.MinPieceSize: /);
  const r3 = decodeResult(m.AssignDeals, [DEAL, { ...DEAL, PayloadSize: "1000" }]);
  assert.match((r3 as { message: string }).message, /^result\[1\]\.PayloadSize: /);
});

test("ReleaseDeals / ReleaseDirectDeals / market events", () => {
  const r = decodeParams(m.ReleaseDeals, ["t01000", [1, 2]]);
  assert.ok(r.ok);
  assert.deepEqual(r.value, ["t01000", [1, 2]]);
  assert.ok(decodeParams(m.ReleaseDirectDeals, ["t01000", null]).ok);
  assert.deepEqual(decodeResult(m.ReleaseDeals, null), { ok: true, value: null });
  assert.deepEqual(decodeResult(m.ReleaseDeals, undefined), { ok: true, value: null }, "go-jsonrpc may leave result out");
  assert.equal(z.encode(m.ReleaseDeals.result, null), null);
  const l = decodeParams(m.ListenMarketEvent, [{ Miner: "t01000" }]);
  assert.ok(l.ok);
  const resp = decodeParams(m.ResponseMarketEvent, [{ Id: "e26f1e5c-47f7-4561-a11d-18fab6e748af", Payload: null, Error: "no such piece" }]);
  assert.ok(resp.ok);
});

/** venus-shared/api/market/v1/api.go perm tags. */
const PERMS: Record<string, [string, boolean]> = {
  AssignDeals: ["write", false],
  ReleaseDeals: ["write", false],
  ReleaseDirectDeals: ["write", false],
  ListenMarketEvent: ["read", true],
  ResponseMarketEvent: ["read", false],
};

test("VENUS_MARKET serves exactly devnet.md §5.2's methods with venus-shared's perms", () => {
  assert.equal(marketApi.namespace, "VENUS_MARKET");
  assert.deepEqual(Object.keys(m).sort(), Object.keys(PERMS).sort());
  for (const [name, [perm, channel]] of Object.entries(PERMS)) {
    const def = (m as Record<string, MethodDef>)[name]!;
    assert.equal(def.perm, perm, name);
    assert.equal(def.channel, channel, name);
  }
  assert.equal(m.AssignDeals.params.length, 3);
});
