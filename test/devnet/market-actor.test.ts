// Market actor t05: PublishStorageDeals from real CBOR, activation through notifications and claims,
// and the Lotus views, over a small in-memory state that follows chain.ts's StateTx contract.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CID } from "multiformats/cid";
import { addressBytes, formatAddress, idAddressBytes, parseAddress } from "../../src/filecoin/address.js";
import { encodeCbor } from "../../src/filecoin/cbor.js";
import { commDToCid } from "../../src/filecoin/cid.js";
import { secpKeyPair, signMessageCid } from "../../src/filecoin/secp256k1.js";
import { ActorError } from "../../src/devnet/actors/actor-error.js";
import type { ActorCall, ActorRecord, JsonValue, StateTx } from "../../src/devnet/chain.js";
import {
  type WireDealProposal,
  activatePieces,
  decodePublishStorageDealsParams,
  decodePublishStorageDealsReturn,
  encodeDealProposal,
  encodePublishStorageDealsParams,
  marketActorHandler,
  marketViews,
  readDeal,
} from "../../src/devnet/market-actor.js";
import { DEAL_MIN_DURATION } from "../../src/devnet/market-state.js";

const MINER = 1000;
const CLIENT = 104;
const key = secpKeyPair(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const clientKeyAddress = formatAddress(key.address, "t");

/** The slice of StateTx the market uses, over plain maps; `fork()` gives a copy to throw away on failure. */
class FakeTx {
  data = new Map<string, JsonValue>();
  constructor(public epoch: number) {}
  get(ns: string, k: string): JsonValue | undefined {
    return this.data.get(`${ns}\u0000${k}`);
  }
  list(ns: string, prefix = ""): [string, JsonValue][] {
    return [...this.data.entries()]
      .filter(([k, v]) => k.startsWith(`${ns}\u0000${prefix}`) && v !== null)
      .map(([k, v]): [string, JsonValue] => [k.slice(ns.length + 1), v])
      .sort(([a], [b]) => (a < b ? -1 : 1));
  }
  put(ns: string, k: string, v: JsonValue | null): void {
    this.data.set(`${ns}\u0000${k}`, v);
  }
  actor(id: number): ActorRecord | null {
    if (id === CLIENT) return { id, kind: "account", balance: 0n, nonce: 0, keyAddress: clientKeyAddress };
    if (id === 105) return { id, kind: "account", balance: 0n, nonce: 0, keyAddress: null };
    if (id === MINER || id === 1001) return { id, kind: "miner", balance: 0n, nonce: 0, keyAddress: null };
    return null;
  }
  resolveId(a: string | Uint8Array): number | null {
    const bytes = typeof a === "string" ? addressBytes(parseAddress(a)) : a;
    if (Buffer.from(bytes).equals(Buffer.from(addressBytes(key.address)))) return CLIENT;
    if (bytes[0] === 0) return bytes.length === 3 ? bytes[1]! - 0x80 + (bytes[2]! << 7) : bytes[1]!;
    return null;
  }
  minerState(id: number): object | null {
    return id === MINER || id === 1001 ? {} : null;
  }
  actorAddress(id: number): string {
    return `t0${id}`;
  }
  fork(): FakeTx {
    const t = new FakeTx(this.epoch);
    t.data = new Map(this.data);
    return t;
  }
}
const asTx = (t: FakeTx) => t as unknown as StateTx;

const pieceCid = (n: number) => {
  const root = new Uint8Array(32);
  root[1] = n;
  return commDToCid(root);
};

function proposal(over: Partial<WireDealProposal> = {}): WireDealProposal {
  return {
    PieceCID: pieceCid(1),
    PieceSize: 2048,
    VerifiedDeal: false,
    Client: addressBytes(key.address),
    Provider: idAddressBytes(MINER),
    Label: "",
    StartEpoch: 3000,
    EndEpoch: 3000 + 1_440_000,
    StoragePricePerEpoch: 0n,
    ProviderCollateral: 0n,
    ClientCollateral: 0n,
    ...over,
  };
}
const signed = (p: WireDealProposal) => ({ Proposal: p, ClientSignature: Uint8Array.of(1, ...signMessageCid(key.privateKey, encodeDealProposal(p))) });

const MSG = CID.parse("bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4");
const call = (params: Uint8Array, epoch = 100, caller = CLIENT): ActorCall => ({ epoch, caller, to: 5, value: 0n, method: 4, params, messageCid: MSG });

function publish(tx: FakeTx, deals: ReturnType<typeof signed>[], caller = CLIENT) {
  const ret = marketActorHandler.invoke(call(encodePublishStorageDealsParams(deals), tx.epoch, caller), asTx(tx));
  return decodePublishStorageDealsReturn(ret!);
}

test("params: DealProposal is the 11-field tuple of go-state-types v18, an empty label is the empty text string", () => {
  const p = proposal();
  const bytes = encodeDealProposal(p);
  assert.equal(bytes[0], 0x8b, "array of 11");
  const cdp = signed(p);
  const params = encodePublishStorageDealsParams([cdp]);
  assert.equal(Buffer.from(params.subarray(0, 4)).toString("hex"), "8181828b", "[Deals: [[Proposal (11), Signature]]]");
  assert.ok(Buffer.from(params).includes(Buffer.from([0x60])), "empty label 60");
  const back = decodePublishStorageDealsParams(params);
  assert.equal(back.length, 1);
  assert.ok(back[0]!.Proposal.PieceCID.equals(p.PieceCID));
  assert.equal(back[0]!.Proposal.EndEpoch, p.EndEpoch);
  assert.deepEqual(back[0]!.ClientSignature, cdp.ClientSignature);
  assert.throws(() => decodePublishStorageDealsParams(encodeCbor([[[1, 2]]])), /tuple of 2|tuple of 11/);
});

test("publish: deal ids from 1, ValidDeals marks the valid ones, a verified deal gets an allocation", () => {
  const tx = new FakeTx(100);
  const r = publish(tx, [signed(proposal()), signed(proposal({ StartEpoch: 50 })), signed(proposal({ PieceCID: pieceCid(2), VerifiedDeal: true }))]);
  assert.deepEqual(r.IDs, [1, 2]);
  assert.deepEqual([...r.ValidDeals], [0, 2]);
  const d1 = readDeal(tx, 1)!;
  assert.equal(d1.proposal.Client, CLIENT);
  assert.equal(d1.proposal.Provider, MINER);
  assert.equal(d1.publishCid, MSG.toString());
  assert.equal(d1.sectorStartEpoch, -1);
  const view = asTx(tx);
  assert.equal(marketViews.allocationIdForPendingDeal(view, 1), 0);
  assert.equal(marketViews.allocationIdForPendingDeal(view, 2), 1);
  assert.deepEqual(marketViews.allocation(view, CLIENT, 1), {
    Client: CLIENT, Provider: MINER, Data: { "/": pieceCid(2).toString() }, Size: 2048,
    TermMin: 1_440_000, TermMax: 1_440_000 + 259_200, Expiration: 3000,
  });
  assert.equal(marketViews.allocation(view, 999, 1), null);
  assert.deepEqual(marketViews.storageDeal(view, 1), {
    Proposal: {
      PieceCID: { "/": pieceCid(1).toString() }, PieceSize: 2048, VerifiedDeal: false, Client: "t0104", Provider: "t01000", Label: "",
      StartEpoch: 3000, EndEpoch: 3000 + 1_440_000, StoragePricePerEpoch: "0", ProviderCollateral: "0", ClientCollateral: "0",
    },
    State: { SectorNumber: 0, SectorStartEpoch: -1, LastUpdatedEpoch: -1, SlashEpoch: -1 },
  });
  assert.equal(marketViews.storageDeal(view, 3), null);
  // the next message continues the numbering
  assert.deepEqual(publish(tx, [signed(proposal({ PieceCID: pieceCid(3) }))]).IDs, [3]);
});

test("publish refuses: no valid deal (16), bad signature, non-account caller (18), bad CBOR (21), other methods (22)", () => {
  const tx = new FakeTx(100);
  const exit = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof ActorError, String(e));
      return e.exitCode;
    }
    assert.fail("expected an ActorError");
  };
  const bad = signed(proposal());
  bad.ClientSignature[5]! ^= 1;
  assert.equal(exit(() => publish(tx, [bad])), 16);
  assert.equal(exit(() => publish(tx, [signed(proposal({ Provider: idAddressBytes(1002) }))])), 16);
  assert.equal(exit(() => publish(tx, [signed(proposal({ PieceSize: 1000 }))])), 16);
  assert.equal(exit(() => publish(tx, [signed(proposal({ EndEpoch: 3000 + DEAL_MIN_DURATION - 1 }))])), 16);
  assert.equal(exit(() => publish(tx, [])), 16);
  assert.equal(exit(() => publish(tx, [signed(proposal())], MINER)), 18);
  assert.equal(exit(() => marketActorHandler.invoke(call(Uint8Array.of(0x81)), asTx(tx))), 21);
  assert.equal(exit(() => marketActorHandler.invoke({ ...call(new Uint8Array()), method: 2 }, asTx(tx))), 22);
  // a duplicate within one message is dropped, the first is kept
  const p = signed(proposal());
  assert.deepEqual([...publish(tx, [p, p]).ValidDeals], [0]);
});

const notify = (dealId: number) => [{ address: "t05", payload: encodeCbor(dealId) }];

test("activation: accepted pieces turn their deals active and claim allocations; rejected ones are reported", () => {
  const tx = new FakeTx(100);
  publish(tx, [signed(proposal()), signed(proposal({ PieceCID: pieceCid(2), PieceSize: 1024, VerifiedDeal: true }))]);
  tx.epoch = 200;
  const sectorExpiration = 200 + 1_555_200;
  const r = activatePieces(
    {
      miner: MINER,
      sectorNumber: 7,
      sectorExpiration,
      pieces: [
        { cid: pieceCid(1), size: 2048, verifiedAllocationKey: null, notify: notify(1) },
        { cid: pieceCid(2), size: 1024, verifiedAllocationKey: { client: CLIENT, id: 1 }, notify: notify(2) },
        { cid: pieceCid(3), size: 128, verifiedAllocationKey: null, notify: notify(9) },
      ],
    },
    asTx(tx),
  );
  assert.deepEqual(r.pieceOk, [true, true, false]);
  assert.match(r.errors[2]!, /deal 9 not found/);
  assert.equal(r.verifiedBytes, 1024n);
  assert.equal(r.claimFailed, false);
  assert.deepEqual([readDeal(tx, 1)!.sectorNumber, readDeal(tx, 1)!.sectorStartEpoch], [7, 200]);
  assert.equal(marketViews.allocationIdForPendingDeal(asTx(tx), 2), 0, "claimed: no longer pending");
  assert.equal(marketViews.allocation(asTx(tx), CLIENT, 1), null);
  // activating again is refused: already active
  const again = activatePieces(
    { miner: MINER, sectorNumber: 8, sectorExpiration, pieces: [{ cid: pieceCid(1), size: 2048, verifiedAllocationKey: null, notify: notify(1) }] },
    asTx(tx),
  );
  assert.deepEqual(again.pieceOk, [false]);
  assert.match(again.errors[0]!, /already active/);
});

test("activation: a failed claim changes nothing and flags the sector; a notification elsewhere is refused", () => {
  const tx = new FakeTx(100);
  publish(tx, [signed(proposal()), signed(proposal({ PieceCID: pieceCid(2), VerifiedDeal: true }))]);
  tx.epoch = 200;
  const before = new Map(tx.data);
  const r = activatePieces(
    {
      miner: MINER,
      sectorNumber: 7,
      sectorExpiration: 200 + 1_440_000 + 300_000, // lifetime above TermMax
      pieces: [
        { cid: pieceCid(1), size: 2048, verifiedAllocationKey: null, notify: notify(1) },
        { cid: pieceCid(2), size: 2048, verifiedAllocationKey: { client: CLIENT, id: 1 }, notify: notify(2) },
      ],
    },
    asTx(tx),
  );
  assert.equal(r.claimFailed, true);
  assert.deepEqual(r.pieceOk, [false, false]);
  assert.match(r.errors[1]!, /outside allocation 1's term/);
  assert.deepEqual(tx.data, before);
  const elsewhere = activatePieces(
    {
      miner: MINER, sectorNumber: 7, sectorExpiration: 200 + 1_555_200,
      pieces: [{ cid: pieceCid(1), size: 2048, verifiedAllocationKey: null, notify: [{ address: "t06", payload: encodeCbor(1) }] }],
    },
    asTx(tx),
  );
  assert.deepEqual(elsewhere.pieceOk, [false]);
  assert.match(elsewhere.errors[0]!, /t06/);
});
