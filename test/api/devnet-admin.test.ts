import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { decodeParams, decodeResult, type MethodDef } from "../../src/api/define.js";
import { devnetAdminApi } from "../../src/api/devnet-admin.js";

const m = devnetAdminApi.methods;
const PIECE = "baga6ea4seaqao7s73y24kcutaosvacpdjgfe5pw76ooefnyqw4ynr3d2y6x2mpq";
const PUBLISH = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";
const HEAD = "bafy2bzacedo7hjsumaajt6sbor42qycvjyk6goqe4oi4o4ddsjxkdeqrqf42c";

function roundTrip<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  const value = z.decode(schema, json as never);
  assert.equal(JSON.stringify(z.encode(schema, value)), JSON.stringify(json));
  return value;
}

test("PublishDeal: request and published deal", () => {
  const req = { Miner: "t01000", PieceCID: { "/": PIECE }, PayloadSize: 1000, Verified: true, StartEpoch: 3000, EndEpoch: 1443000 };
  const p = decodeParams(m.PublishDeal, [req]);
  assert.ok(p.ok);
  assert.equal((p.value[0] as { PieceCID: { toString(): string } }).PieceCID.toString(), PIECE);
  const deal = roundTrip(m.PublishDeal.result, {
    DealID: 1,
    PublishCid: { "/": PUBLISH },
    PieceCID: { "/": PIECE },
    PieceSize: 1024,
    PayloadSize: 1000,
    StartEpoch: 3000,
    EndEpoch: 1443000,
    Verified: true,
    URL: `http://127.0.0.1:1234/resource?resource-id=${PIECE}`,
  });
  assert.equal(deal.DealID, 1);
  assert.equal(deal.PublishCid.toString(), PUBLISH);
  const bad = decodeParams(m.PublishDeal, [{ ...req, Verified: "yes" }]);
  assert.match((bad as { message: string }).message, /^params\[0\]\.Verified: /);
});

test("Status: chain, miners, deals and mpool at a glance", () => {
  const s = roundTrip(m.Status.result, {
    Height: 4321,
    Paused: false,
    BlockTime: 1000,
    NetworkName: "damocles-devnet",
    Miners: [
      {
        Miner: "t01000",
        RawPower: "4096",
        QAPower: "22528",
        ActiveSectors: 2,
        FaultySectors: 0,
        PreCommits: 1,
        BlocksWon: 17,
        WinningPoStMissed: 1,
        ProofListeners: 1,
      },
    ],
    Deals: { Published: 3, Assigned: 1, Active: 1, Expired: 0 },
    MpoolSize: 2,
  });
  assert.equal(s.Miners[0]!.QAPower, 22528n);
  assert.equal(s.Deals.Published, 3);
  const bad = decodeResult(m.Status, { ...s, Miners: [{ Miner: "t01000" }] });
  assert.equal(bad.ok, false);
});

test("FailMessages, DelayMessages, Revert: params and their ranges; Revert returns the new head", () => {
  assert.deepEqual(decodeParams(m.FailMessages, [28, 16, 1]), { ok: true, value: [28, 16, 1] });
  assert.ok(decodeParams(m.FailMessages, [28, 16, 0]).ok, "count 0 clears the rule");
  assert.match((decodeParams(m.FailMessages, [28, 0, 1]) as { message: string }).message, /^params\[1\]: exit code must be 1…255/);
  assert.match((decodeParams(m.FailMessages, [28, 256, 1]) as { message: string }).message, /^params\[1\]: /);
  assert.deepEqual(decodeParams(m.DelayMessages, [2, 5]), { ok: true, value: [2, 5] });
  assert.ok(decodeParams(m.Revert, [3]).ok);
  assert.equal(decodeParams(m.Revert, [0]).ok, false);
  assert.equal(decodeParams(m.Revert, [901]).ok, false);
  assert.equal(decodeParams(m.PauseBlocks, [1]).ok, false);
  assert.deepEqual(decodeParams(m.PauseBlocks, []), { ok: true, value: [] });
  assert.deepEqual(decodeResult(m.PauseBlocks, null), { ok: true, value: null });
  const head = z.decode(m.Revert.result, {
    Cids: [{ "/": HEAD }],
    Blocks: [
      {
        Miner: "t00",
        Ticket: { VRFProof: Buffer.alloc(32, 1).toString("base64") },
        ElectionProof: null,
        BeaconEntries: [{ Round: 97, Data: Buffer.alloc(32, 2).toString("base64") }],
        WinPoStProof: null,
        Parents: [{ "/": PUBLISH }],
        ParentWeight: "97",
        Height: 97,
        ParentStateRoot: { "/": PUBLISH },
        ParentMessageReceipts: { "/": PUBLISH },
        Messages: { "/": PUBLISH },
        BLSAggregate: null,
        Timestamp: 1764460897,
        BlockSig: null,
        ForkSignaling: 0,
        ParentBaseFee: "100",
      },
    ],
    Height: 97,
  });
  assert.equal(head.Height, 97);
});

test("every Devnet method is admin only (devnet.md §7)", () => {
  assert.equal(devnetAdminApi.namespace, "Devnet");
  assert.deepEqual(Object.keys(m).sort(), ["DelayMessages", "FailMessages", "PauseBlocks", "PublishDeal", "ResumeBlocks", "Revert", "Status"]);
  for (const [name, def] of Object.entries(m as Record<string, MethodDef>)) {
    assert.equal(def.perm, "admin", name);
    assert.equal(def.channel, false, name);
  }
});
